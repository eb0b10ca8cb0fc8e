"""Print jaxprs the way JAX does: `{ lambda a:f64[3]; b:f64[]. let c:f64[] = sin b in (c,) }`."""

from __future__ import annotations

from typing import Any

import numpy as np

from fgrad._util import format_frame
from fgrad.core.ir import ClosedJaxpr, Eqn, Jaxpr, Literal, Var

__all__ = ["pp_jaxpr", "pp_eqn"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class _Names:
    def __init__(self):
        self.names: dict[Var, str] = {}

    def __call__(self, v) -> str:
        if type(v) is Literal:
            return _pp_literal(v)
        name = self.names.get(v)
        if name is None:
            name = _var_name(len(self.names))
            self.names[v] = name
        return name


def _var_name(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = _LETTERS[r] + s
    return s


def _pp_literal(lit: Literal) -> str:
    v = lit.val
    if isinstance(v, (bool, np.bool_)):
        text = str(bool(v))
    elif isinstance(v, (float, np.floating)):
        text = repr(float(v))
    elif isinstance(v, (int, np.integer)):
        text = str(int(v))
    else:
        text = str(v)
    return f"{text}:{lit.aval.str_short()}"


def _pp_param(v: Any, names, indent: int) -> str:
    if isinstance(v, ClosedJaxpr):
        v = v.jaxpr
    if isinstance(v, Jaxpr):
        return pp_jaxpr(v, indent=indent + 2)
    if isinstance(v, (tuple, list)) and v and isinstance(v[0], (Jaxpr, ClosedJaxpr)):
        return "(" + ", ".join(_pp_param(x, names, indent) for x in v) + ")"
    if isinstance(v, np.dtype):
        return v.name
    if isinstance(v, type) and issubclass(v, np.generic):
        return np.dtype(v).name
    if callable(v) and hasattr(v, "__name__"):
        return v.__name__
    return str(v)


def pp_eqn(eqn: Eqn, names, *, indent: int = 0, source_info: bool = False) -> str:
    if not isinstance(names, _Names):
        names = _Names()
    lhs = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in eqn.outvars)
    params = ""
    if eqn.params:
        params = "[" + " ".join(
            f"{k}={_pp_param(v, names, indent)}" for k, v in sorted(eqn.params.items())
        ) + "]"
    rhs = " ".join(names(a) for a in eqn.invars)
    text = f"{lhs} = {eqn.prim.name}{params} {rhs}".rstrip()
    if source_info and eqn.source is not None:
        text += f"  # {format_frame(eqn.source)}"
    return text


def pp_jaxpr(jaxpr: Jaxpr, *, indent: int = 0, source_info: bool = False) -> str:
    names = _Names()
    consts = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in jaxpr.constvars)
    args = " ".join(f"{names(v)}:{v.aval.str_short()}" for v in jaxpr.invars)
    eqns = [pp_eqn(e, names, indent=indent, source_info=source_info) for e in jaxpr.eqns]
    outs = ", ".join(names(v) for v in jaxpr.outvars)
    outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
    head = f"{{ lambda {consts}; {args}. let"
    one_line = f"{head} {' '.join(eqns)} in {outs} }}" if eqns else f"{head} in {outs} }}"
    if len(eqns) <= 1 and len(one_line) + indent <= 80 and "\n" not in one_line:
        return one_line
    pad = " " * indent
    body = "".join(f"\n{pad}    {e}" for e in eqns)
    return f"{head}{body}\n{pad}  in {outs} }}"
