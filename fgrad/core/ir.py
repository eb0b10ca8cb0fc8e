"""The IR: typed variables, equations of primitives, jaxprs.

A `Jaxpr` is a straight-line program: `constvars` (closed-over arrays), `invars`, `eqns` and
`outvars`. `eval_jaxpr` goes through `bind`, so evaluating a jaxpr under a transform transforms
it: jit bodies, control-flow bodies and compat's create_graph backward all rely on that.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping, Sequence

import numpy as np

from fgrad._util import FGradError, format_frame
from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.primitive import Primitive, bind

__all__ = [
    "NO_PARAMS",
    "Var",
    "Literal",
    "Eqn",
    "Jaxpr",
    "ClosedJaxpr",
    "eval_jaxpr",
    "typecheck_jaxpr",
    "JaxprTypeError",
    "dce_jaxpr",
    "dce_closed_jaxpr",
]


class Var:
    """A variable: identity is the name; the printer assigns letters."""

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval.str_short()})"


class Literal:
    """A scalar constant written inline in an equation."""

    __slots__ = ("val", "aval")

    def __init__(self, val: Any, aval: ShapedArray):
        self.val = val
        self.aval = aval

    def __repr__(self) -> str:
        return f"Literal({self.val!r})"


Atom = Var | Literal


# The params of every equation that has none: one shared read-only mapping, not an empty dict
# per equation (a jaxpr of 100k equations would carry 6 MB of them).
NO_PARAMS: Mapping[str, Any] = MappingProxyType({})


class Eqn:
    """One primitive application. Operand and result sequences are read only (tuples when
    staged); `source` is the user's (file, line, function), shared between equations."""

    __slots__ = ("prim", "invars", "outvars", "params", "source")

    def __init__(
        self,
        prim: Primitive,
        invars: Sequence[Atom],
        outvars: Sequence[Var],
        params: Mapping[str, Any],
        source: tuple[str, int, str] | None = None,
    ):
        self.prim = prim
        self.invars = invars
        self.outvars = outvars
        self.params = params
        self.source = source

    def __repr__(self) -> str:
        from fgrad.core.printer import pp_eqn

        return pp_eqn(self, {})


class Jaxpr:
    __slots__ = ("constvars", "invars", "eqns", "outvars")

    def __init__(
        self,
        constvars: list[Var],
        invars: list[Var],
        eqns: list[Eqn],
        outvars: list[Atom],
    ):
        self.constvars = constvars
        self.invars = invars
        self.eqns = eqns
        self.outvars = outvars

    @property
    def in_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.invars]

    @property
    def out_avals(self) -> list[ShapedArray]:
        return [v.aval for v in self.outvars]

    def __str__(self) -> str:
        from fgrad.core.printer import pp_jaxpr

        return pp_jaxpr(self)

    __repr__ = __str__

    def pretty_print(self, *, source_info: bool = False) -> str:
        from fgrad.core.printer import pp_jaxpr

        return pp_jaxpr(self, source_info=source_info)


class ClosedJaxpr:
    """A jaxpr with the values of its constvars."""

    __slots__ = ("jaxpr", "consts")

    def __init__(self, jaxpr: Jaxpr, consts: list[Any]):
        self.jaxpr = jaxpr
        self.consts = consts

    in_avals = property(lambda self: self.jaxpr.in_avals)
    out_avals = property(lambda self: self.jaxpr.out_avals)
    eqns = property(lambda self: self.jaxpr.eqns)

    def __call__(self, *args):
        return eval_jaxpr(self.jaxpr, self.consts, *args)

    def __str__(self) -> str:
        return str(self.jaxpr)

    __repr__ = __str__

    def pretty_print(self, *, source_info: bool = False) -> str:
        return self.jaxpr.pretty_print(source_info=source_info)


def eval_jaxpr(jaxpr: Jaxpr, consts: list[Any], *args) -> list[Any]:
    """Run a jaxpr by binding each equation: traceable, so any transform applies to it."""
    env: dict[Var, Any] = {}
    for v, x in zip(jaxpr.constvars, consts):
        env[v] = x
    if len(args) != len(jaxpr.invars):
        raise TypeError(f"jaxpr takes {len(jaxpr.invars)} arguments, got {len(args)}")
    for v, x in zip(jaxpr.invars, args):
        env[v] = x
    for eqn in jaxpr.eqns:
        ins = [env[a] if type(a) is Var else a.val for a in eqn.invars]
        out = bind(eqn.prim, *ins, **eqn.params)
        if eqn.prim.multiple_results:
            for v, x in zip(eqn.outvars, out):
                env[v] = x
        else:
            env[eqn.outvars[0]] = out
    return [env[a] if type(a) is Var else a.val for a in jaxpr.outvars]


class JaxprTypeError(FGradError, TypeError):
    pass


def typecheck_jaxpr(jaxpr: Jaxpr) -> None:
    """Check that every variable is defined once before use and that every equation's output
    types are what its primitive's abstract_eval says. Raises JaxprTypeError."""
    defined: set[Var] = set()

    def define(v: Var) -> None:
        if v in defined:
            raise JaxprTypeError(f"variable {v} defined twice")
        defined.add(v)

    def read(a) -> ShapedArray:
        if type(a) is Literal:
            return a.aval
        if a not in defined:
            raise JaxprTypeError(f"variable {a} used before it is defined")
        return a.aval

    for v in jaxpr.constvars:
        define(v)
    for v in jaxpr.invars:
        define(v)
    for eqn in jaxpr.eqns:
        in_avals = [read(a) for a in eqn.invars]
        out = eqn.prim.abstract_eval(*in_avals, **eqn.params)
        outs = out if eqn.prim.multiple_results else [out]
        if len(outs) != len(eqn.outvars):
            raise JaxprTypeError(
                f"{eqn.prim} returns {len(outs)} values, eqn binds {len(eqn.outvars)}"
            )
        for v, aval in zip(eqn.outvars, outs):
            if (v.aval.shape, v.aval.dtype) != (aval.shape, aval.dtype):
                raise JaxprTypeError(
                    f"{eqn.prim} at {format_frame(eqn.source)} produces {aval.str_short()} but its "
                    f"output variable is typed {v.aval.str_short()}"
                )
            define(v)
    for a in jaxpr.outvars:
        read(a)


def dce_jaxpr(jaxpr: Jaxpr, used_outputs: list[bool] | None = None) -> Jaxpr:
    """Drop equations whose results are never used (all primitives are pure)."""
    return _dce(jaxpr, used_outputs)[0]


def dce_closed_jaxpr(closed: ClosedJaxpr) -> ClosedJaxpr:
    """dce_jaxpr, and drop the constvars that nothing uses any more, in the same pass."""
    jaxpr, used = _dce(closed.jaxpr, None)
    keep = [(v, c) for v, c in zip(jaxpr.constvars, closed.consts) if v in used]
    new = Jaxpr([v for v, _ in keep], jaxpr.invars, jaxpr.eqns, jaxpr.outvars)
    return ClosedJaxpr(new, [c for _, c in keep])


def _dce(jaxpr: Jaxpr, used_outputs: list[bool] | None) -> tuple[Jaxpr, set]:
    """The kept jaxpr, and the atoms it reads without defining them (used inputs and
    constvars, and literals)."""
    outvars = (
        jaxpr.outvars
        if used_outputs is None
        else [v for v, u in zip(jaxpr.outvars, used_outputs) if u]
    )
    # Atoms still to be defined (walking backwards) whose values are used later. A variable
    # leaves the set at its definition, so the set holds the live frontier, not every
    # variable of the jaxpr (for a long chain: a few entries instead of millions).
    live = {v for v in outvars if type(v) is Var}
    kept = []
    for eqn in reversed(jaxpr.eqns):
        outs = eqn.outvars
        if len(outs) == 1:
            used = outs[0] in live
            if used:
                live.remove(outs[0])
        else:
            used = any(v in live for v in outs)
            live.difference_update(outs)
        if used or getattr(eqn.prim, "effectful", False):
            kept.append(eqn)
            live.update(eqn.invars)
    kept.reverse()
    return Jaxpr(jaxpr.constvars, jaxpr.invars, kept, outvars), live


def literal(x) -> Literal:
    aval = get_aval(x)
    return Literal(x if not isinstance(x, np.ndarray) else x[()], aval)
