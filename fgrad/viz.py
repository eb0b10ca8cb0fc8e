"""Pictures of jaxprs: Graphviz DOT text, and a self-contained SVG or HTML page.

A jaxpr is already a dataflow graph, so a picture is the quickest way to see what a transform
did (the jvp doubled the equations, the vjp added the transposed ones in reverse). DOT text is
for users who have Graphviz; SVG and HTML need nothing installed, so the layout is computed
here: each node goes on the layer one below its deepest input (longest path from the inputs),
and nodes within a layer keep program order, which keeps the picture close to the printed
jaxpr. Nodes are the inputs, the constants, one per equation, and the outputs; literals are
written inside the equation that uses them.

`values` (a mapping from IR variables to arrays, or the arguments to evaluate the jaxpr at)
adds each value to its node, as micrograd's pictures do; `grads` (a mapping from variables to
arrays) adds gradients the same way.
"""

from __future__ import annotations

import html
from typing import Any, Mapping

import numpy as np

from fgrad.core.ir import ClosedJaxpr, Jaxpr, Literal, Var
from fgrad.core.primitive import bind
from fgrad.core.printer import _pp_param

__all__ = ["to_dot", "to_svg", "to_html", "evaluate", "graph"]

_ROW_H = 90
_CHAR_W = 7.2
_LINE_H = 15
_GAP_X = 30
_PAD = 20
_COLORS = {"input": "#dbeafe", "const": "#e5e7eb", "eqn": "#fef3c7", "output": "#dcfce7"}


class _Node:
    __slots__ = ("id", "kind", "lines", "layer", "x", "y", "w", "h", "source")

    def __init__(self, id_: str, kind: str, lines: list[str], source=None):
        self.id = id_
        self.kind = kind
        self.lines = lines
        self.source = source
        self.layer = 0
        self.x = self.y = self.w = self.h = 0.0


def _unwrap(jaxpr) -> tuple[Jaxpr, list]:
    if isinstance(jaxpr, ClosedJaxpr):
        return jaxpr.jaxpr, list(jaxpr.consts)
    if isinstance(jaxpr, Jaxpr):
        return jaxpr, [None] * len(jaxpr.constvars)
    jx = getattr(jaxpr, "jaxpr", None)  # e.g. linearize's f_jvp carries .jaxpr
    if isinstance(jx, (Jaxpr, ClosedJaxpr)):
        return _unwrap(jx)
    raise TypeError(
        f"fgrad.viz draws jaxprs, got {type(jaxpr).__name__}; pass fgrad.make_jaxpr(f)(*args)"
    )


def evaluate(jaxpr, *args) -> dict[Var, Any]:
    """Every variable's value when the jaxpr runs at `args` (for `values=`)."""
    jx, consts = _unwrap(jaxpr)
    env: dict[Var, Any] = dict(zip(jx.constvars, consts))
    if len(args) != len(jx.invars):
        raise TypeError(f"the jaxpr takes {len(jx.invars)} arguments, got {len(args)}")
    env.update(zip(jx.invars, args))
    for eqn in jx.eqns:
        ins = [env[a] if type(a) is Var else a.val for a in eqn.invars]
        out = bind(eqn.prim, *ins, **eqn.params)
        env.update(zip(eqn.outvars, out if eqn.prim.multiple_results else [out]))
    return env


def _fmt_value(x) -> str:
    a = np.asarray(x)
    if a.size <= 4:
        return np.array2string(a, precision=4, separator=", ", suppress_small=True)
    return f"[{a.min():.4g} .. {a.max():.4g}] mean {a.mean():.4g}"


def _params_text(params) -> list[str]:
    out = []
    for k, v in sorted(params.items()):
        if isinstance(v, (Jaxpr, ClosedJaxpr)):
            n = len((v.jaxpr if isinstance(v, ClosedJaxpr) else v).eqns)
            text = f"<jaxpr: {n} eqns>"
        else:
            text = _pp_param(v, None, 0)
        if len(text) > 40:
            text = text[:37] + "..."
        out.append(f"{k}={text}")
    return out


def graph(jaxpr, values=None, grads: Mapping[Var, Any] | None = None):
    """(nodes, edges) of the picture; edges are (from id, to id, label)."""
    jx, consts = _unwrap(jaxpr)
    if values is not None and not isinstance(values, Mapping):
        values = evaluate(jaxpr, *values)
    values = dict(values or {})
    for v, c in zip(jx.constvars, consts):
        if c is not None:
            values.setdefault(v, c)
    grads = dict(grads or {})

    def extra(v) -> list[str]:
        lines = []
        if v in values:
            lines.append("data " + _fmt_value(values[v]))
        if v in grads:
            lines.append("grad " + _fmt_value(grads[v]))
        return lines

    nodes: list[_Node] = []
    edges: list[tuple[str, str, str]] = []
    producer: dict[Var, _Node] = {}
    for i, v in enumerate(jx.constvars):
        n = _Node(f"c{i}", "const", [f"const {v.aval.str_short()}"] + extra(v))
        nodes.append(n)
        producer[v] = n
    for i, v in enumerate(jx.invars):
        n = _Node(f"in{i}", "input", [f"input {i}: {v.aval.str_short()}"] + extra(v))
        nodes.append(n)
        producer[v] = n
    for i, eqn in enumerate(jx.eqns):
        lits = [f"{a.val!r}" for a in eqn.invars if type(a) is Literal]
        head = eqn.prim.name + (f" ({', '.join(lits)})" if lits else "")
        lines = [head] + _params_text(eqn.params)
        for v in eqn.outvars:
            lines.append("-> " + v.aval.str_short())
            lines.extend(extra(v))
        n = _Node(f"e{i}", "eqn", lines, eqn.source)
        layer = 0
        for k, a in enumerate(eqn.invars):
            if type(a) is Var and a in producer:
                src = producer[a]
                layer = max(layer, src.layer + 1)
                edges.append((src.id, n.id, str(k) if len(eqn.invars) > 1 else ""))
        n.layer = layer
        nodes.append(n)
        for v in eqn.outvars:
            producer[v] = n
    for i, a in enumerate(jx.outvars):
        label = f"output {i}: {a.aval.str_short()}"
        if type(a) is Literal:
            label += f" = {a.val!r}"
        n = _Node(f"out{i}", "output", [label] + (extra(a) if type(a) is Var else []))
        if type(a) is Var and a in producer:
            n.layer = producer[a].layer + 1
            edges.append((producer[a].id, n.id, ""))
        nodes.append(n)
    return nodes, edges


def _dot_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def to_dot(jaxpr, values=None, grads=None, *, name: str = "jaxpr") -> str:
    """Graphviz DOT text (`dot -Tsvg`): one box per input, constant, equation and output."""
    nodes, edges = graph(jaxpr, values, grads)
    out = [f'digraph "{_dot_escape(name)}" {{', "  rankdir=TB;",
           '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];']
    for n in nodes:
        label = "\\n".join(_dot_escape(s) for s in n.lines)
        out.append(f'  {n.id} [label="{label}", fillcolor="{_COLORS[n.kind]}"];')
    for a, b, lab in edges:
        out.append(f'  {a} -> {b}' + (f' [label="{lab}"];' if lab else ";"))
    out.append("}")
    return "\n".join(out) + "\n"


def _layout(nodes) -> tuple[float, float]:
    """Place nodes in rows by layer; returns the picture's (width, height)."""
    rows: dict[int, list[_Node]] = {}
    for n in nodes:
        n.w = max(len(s) for s in n.lines) * _CHAR_W + 16
        n.h = len(n.lines) * _LINE_H + 12
        rows.setdefault(n.layer, []).append(n)
    width = max(sum(n.w for n in r) + _GAP_X * (len(r) - 1) for r in rows.values()) + 2 * _PAD
    y = _PAD
    for layer in sorted(rows):
        row = rows[layer]
        row_w = sum(n.w for n in row) + _GAP_X * (len(row) - 1)
        x = (width - row_w) / 2
        for n in row:
            n.x, n.y = x, y
            x += n.w + _GAP_X
        y += max(n.h for n in row) + _ROW_H - 40
    return width, y + _PAD - (_ROW_H - 40) + 10


def to_svg(jaxpr, values=None, grads=None) -> str:
    """A standalone SVG document of the jaxpr's graph (no Graphviz needed)."""
    nodes, edges = graph(jaxpr, values, grads)
    width, height = _layout(nodes)
    by_id = {n.id: n for n in nodes}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" '
        'fill="#555"/></marker></defs>',
        '<g class="edges">',
    ]
    for a, b, lab in edges:
        s, t = by_id[a], by_id[b]
        x1, y1 = s.x + s.w / 2, s.y + s.h
        x2, y2 = t.x + t.w / 2, t.y
        my = (y1 + y2) / 2
        out.append(
            f'<path class="edge" d="M {x1:.1f} {y1:.1f} C {x1:.1f} {my:.1f} {x2:.1f} {my:.1f} '
            f'{x2:.1f} {y2:.1f}" fill="none" stroke="#555" marker-end="url(#arrow)"/>'
        )
        if lab:
            out.append(f'<text x="{x2 + 4:.1f}" y="{y2 - 4:.1f}" font-size="9" '
                       f'fill="#777">{lab}</text>')
    out.append("</g>")
    for n in nodes:
        title = ""
        if n.source is not None:
            title = f"<title>{html.escape(f'{n.source[0]}:{n.source[1]} ({n.source[2]})')}</title>"
        out.append(f'<g class="node {n.kind}" id="{n.id}">{title}'
                   f'<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.w:.1f}" height="{n.h:.1f}" '
                   f'rx="6" fill="{_COLORS[n.kind]}" stroke="#333"/>')
        for k, line in enumerate(n.lines):
            weight = ' font-weight="bold"' if k == 0 else ""
            out.append(f'<text x="{n.x + 8:.1f}" y="{n.y + 18 + k * _LINE_H:.1f}"{weight}>'
                       f"{html.escape(line)}</text>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_html(jaxpr, values=None, grads=None, *, title: str = "fgrad jaxpr") -> str:
    """A self-contained HTML page: the SVG picture and the printed jaxpr below it."""
    jx, _ = _unwrap(jaxpr)
    text = jx.pretty_print(source_info=True)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:20px} pre{background:#f6f6f6;padding:10px;"
        "overflow:auto}</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n{to_svg(jaxpr, values, grads)}"
        f"<h2>jaxpr</h2><pre>{html.escape(text)}</pre>\n</body></html>\n"
    )

