"""The recorded graph as fgrad IR: `to_jaxpr(y)` prints y's graph as a jaxpr.

Every node holds a pure function of arrays, so staging it with fgrad gives the equations it
stands for; inlining them in graph order, with the leaves as inputs and constant operands as
constvars, gives one jaxpr: the same IR `fgrad.make_jaxpr` prints, with each equation's source
line set to the user's line that created the node. The jaxpr is an ordinary ClosedJaxpr: it can
be evaluated, transformed or compiled like any other.
"""

from __future__ import annotations

import numpy as np

import fgrad
import fgrad.viz
from compat.torch import _tensor as _t
from compat.torch._graph import AccumulateGrad, Node, RemovableHandle
from fgrad.extend import ClosedJaxpr, Eqn, Jaxpr, Literal, Var, get_aval

__all__ = ["to_jaxpr", "to_dot", "to_svg", "to_html", "leaves", "Node", "RemovableHandle"]


def _topo(roots):
    seen, order = set(), []
    stack = [(r, False) for r in roots]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if n in seen:
            continue
        seen.add(n)
        stack.append((n, True))
        if type(n) is Node:
            for e in reversed(n.edges):
                if e is not None and e[0] not in seen:
                    stack.append((e[0], False))
    return order


def leaves(*tensors):
    """The leaf tensors (requires_grad=True) the graph of `tensors` reads, in jaxpr order."""
    roots = [t.grad_fn for t in tensors if t.grad_fn is not None]
    return [n.variable for n in _topo(roots) if type(n) is AccumulateGrad]


def to_jaxpr(*tensors, source_info: bool = False):
    """The graph that computes `tensors` from their leaves, as a ClosedJaxpr.

    Its inputs are `leaves(*tensors)`; constant operands (tensors not requiring grad) are its
    constvars. The graph must not have been freed by a backward without retain_graph.
    """
    roots = [t.grad_fn for t in tensors if t.grad_fn is not None]
    order = _topo(roots)
    env = {}
    invars, constvars, consts, eqns = [], [], [], []
    for n in order:
        if type(n) is AccumulateGrad:
            v = Var(get_aval(n.variable._data).strip_weak())
            env[(n, 0)] = v
            invars.append(v)
            continue
        atoms = []
        for i, e in enumerate(n.edges):
            if e is not None:
                atoms.append(env[(e[0], e[1])])
                continue
            s = n.slots[i]
            if s is None or s.data is None:
                raise RuntimeError(
                    f"the graph of {n.name()} has been freed by a backward pass; call to_jaxpr "
                    "before backward, or backward with retain_graph=True"
                )
            d = s.data
            if isinstance(d, np.ndarray) and d.ndim == 0:
                atoms.append(Literal(d[()], get_aval(d)))
            else:
                v = Var(get_aval(d))
                constvars.append(v)
                consts.append(d)
                atoms.append(v)
        static = dict(n.static)

        def fn(*xs, _fn=n.fn, _static=static):
            return _fn(*xs, **_static)

        dummies = [np.zeros(a.aval.shape, a.aval.dtype) for a in atoms]
        sub = fgrad.make_jaxpr(fn)(*dummies)
        ren = {}
        for sv, a in zip(sub.jaxpr.invars, atoms):
            ren[sv] = a
        for sv, c in zip(sub.jaxpr.constvars, sub.consts):
            v = Var(sv.aval)
            constvars.append(v)
            consts.append(c)
            ren[sv] = v
        for eq in sub.jaxpr.eqns:
            ins = [ren.get(a, a) if type(a) is Var else a for a in eq.invars]
            outs = []
            for ov in eq.outvars:
                v = Var(ov.aval)
                ren[ov] = v
                outs.append(v)
            eqns.append(Eqn(eq.prim, ins, outs, eq.params, n.source))
        for k, ov in enumerate(sub.jaxpr.outvars):
            env[(n, k)] = ren.get(ov, ov) if type(ov) is Var else ov
    outvars = []
    for t in tensors:
        if t.grad_fn is None:
            raise ValueError("to_jaxpr needs tensors that have a grad_fn (computed from leaves)")
        outvars.append(env[(t.grad_fn, t.output_nr)])
    return ClosedJaxpr(Jaxpr(constvars, invars, eqns, outvars), consts)


def _picture_args(tensors):
    """The jaxpr of the graph, with the leaves' data and .grad as micrograd-style labels."""
    closed = to_jaxpr(*tensors)
    data = [t._data for t in leaves(*tensors)]
    env = fgrad.viz.evaluate(closed, *data)
    grads = {v: t.grad._data for v, t in zip(closed.jaxpr.invars, leaves(*tensors))
             if t.grad is not None}
    return closed, env, grads


def to_dot(*tensors) -> str:
    """The recorded graph of `tensors` as Graphviz DOT text, with values and leaf gradients."""
    return fgrad.viz.to_dot(*_picture_args(tensors))


def to_svg(*tensors) -> str:
    """The recorded graph of `tensors` as a standalone SVG picture (no Graphviz needed)."""
    return fgrad.viz.to_svg(*_picture_args(tensors))


def to_html(*tensors) -> str:
    """The recorded graph of `tensors` as a self-contained HTML page."""
    return fgrad.viz.to_html(*_picture_args(tensors), title="compat.torch graph")


_ = _t
