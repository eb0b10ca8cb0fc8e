"""The family helpers: the one way to register each kind of rule.

- `unary_op` / `binary_op` / `compare_op`: impl, strict abstract_eval, elementwise batch rule.
- `defjvp(prim, *rules)`: jvp from one rule per argument, `rule(g, ans, *primals, **params)`,
  skipping arguments whose tangent is a symbolic zero and summing the rest.
- `deflinear(prim, transpose)`: a primitive linear in its first argument (the others are
  non-differentiable operands such as indices): the jvp applies the primitive to the tangent.
- `defbilinear(prim, lhs_transpose, rhs_transpose)`: linear in each argument separately.
- `def_zero_jvp(prim)`: outputs that carry no derivative (comparisons, integer results).
Primitives are strict: equal shapes and equal dtypes. Python scalars given to the wrappers are
turned into constants of the other operand's shape and dtype by `coerce` before `bind`.
"""

from __future__ import annotations

import numpy as np

from fgrad.core.avals import ShapedArray, get_aval
from fgrad.core.markers import Zero, zeros_like_aval
from fgrad.core.primitive import Primitive, bind
from fgrad.core.trace import Tracer

__all__ = [
    "unary_op",
    "binary_op",
    "compare_op",
    "defjvp",
    "deflinear",
    "defbilinear",
    "def_zero_jvp",
    "coerce",
    "full_like",
    "zero_tangent",
    "instantiate",
    "elementwise_batch",
]

_SCALARS = (bool, int, float, complex)


def _kind_check(name: str, kinds: str | None, avals) -> None:
    if kinds is None:
        return
    for a in avals:
        if a.dtype.kind not in kinds:
            raise TypeError(
                f"{name} does not accept {a.dtype.name} arrays (it needs "
                f"{'floating' if kinds == 'fc' else kinds} dtypes); convert with .astype first."
            )


def _strict_avals(name: str, avals) -> None:
    a0 = avals[0]
    for a in avals[1:]:
        if a.shape != a0.shape or a.dtype != a0.dtype:
            raise TypeError(
                f"{name} requires equal shapes and dtypes, got "
                f"{', '.join(x.str_short() for x in avals)} (primitives do not broadcast or "
                "promote; fgrad.numpy does that for you)."
            )


def unary_op(name: str, impl, *, kinds: str | None = "fc") -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)

    @p.def_abstract_eval
    def _abstract(x, **params):
        if kinds is not None and x.dtype.kind not in kinds:
            _kind_check(name, kinds, (x,))
        return x

    p.def_batch(elementwise_batch(p))
    return p


def binary_op(name: str, impl, *, kinds: str | None = None) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)

    @p.def_abstract_eval
    def _abstract(x, y, **params):
        if x.shape != y.shape or x.dtype != y.dtype:
            _strict_avals(name, (x, y))
        if kinds is not None:
            _kind_check(name, kinds, (x,))
        # The result is weak only when both are: one of the inputs is already that aval, and
        # sharing it keeps a staged equation from allocating one.
        return y if x.weak_type and not y.weak_type else x

    p.def_batch(elementwise_batch(p))
    return p


_BOOL = np.dtype(np.bool_)


def compare_op(name: str, impl) -> Primitive:
    p = Primitive(name)
    p.def_impl(impl)

    @p.def_abstract_eval
    def _abstract(x, y):
        _strict_avals(name, (x, y))
        return ShapedArray(x.shape, _BOOL)

    p.def_batch(elementwise_batch(p))
    def_zero_jvp(p)
    return p


def zero_tangent(x) -> Zero:
    return Zero(get_aval(x).strip_weak())


def instantiate(t):
    return zeros_like_aval(t.aval) if type(t) is Zero else t


def defjvp(prim: Primitive, *rules) -> None:
    from fgrad.prims.arith import add_any

    def jvp(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        out = None
        for rule, t in zip(rules, tangents):
            if rule is None or type(t) is Zero:
                continue
            c = rule(t, ans, *primals, **params)
            out = c if out is None else add_any(out, c)
        return ans, zero_tangent(ans) if out is None else out

    prim.def_jvp(jvp)


def def_zero_jvp(prim: Primitive) -> None:
    def jvp(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        if prim.multiple_results:
            return ans, [zero_tangent(a) for a in ans]
        return ans, zero_tangent(ans)

    prim.def_jvp(jvp)


def deflinear(prim: Primitive, transpose) -> None:
    """Linear in argument 0; the other arguments are non-differentiable operands."""

    def jvp(primals, tangents, **params):
        ans = bind(prim, *primals, **params)
        t = tangents[0]
        if type(t) is Zero:
            return ans, zero_tangent(ans)
        return ans, bind(prim, t, *primals[1:], **params)

    prim.def_jvp(jvp)
    prim.def_transpose(transpose)


def defbilinear(prim: Primitive, lhs_transpose, rhs_transpose) -> None:
    """`lhs_transpose(ct, x_aval, y, **params)` gives the cotangent of x when x is linear;
    `rhs_transpose(ct, x, y_aval, **params)` that of y."""
    from fgrad.core.markers import UndefinedPrimal
    from fgrad.prims.arith import add_any

    def jvp(primals, tangents, **params):
        x, y = primals
        tx, ty = tangents
        ans = bind(prim, x, y, **params)
        out = None
        if type(tx) is not Zero:
            out = bind(prim, tx, y, **params)
        if type(ty) is not Zero:
            c = bind(prim, x, ty, **params)
            out = c if out is None else add_any(out, c)
        return ans, out

    def transpose(ct, x, y, **params):
        if type(ct) is Zero:
            return [None, None]
        if type(x) is UndefinedPrimal and type(y) is UndefinedPrimal:
            raise TypeError(f"{prim.name} is bilinear, not linear in both arguments at once")
        if type(x) is UndefinedPrimal:
            return [lhs_transpose(ct, x.aval, y, **params), None]
        return [None, rhs_transpose(ct, x, y.aval, **params)]

    prim.def_jvp(jvp)
    prim.def_transpose(transpose)


def coerce(x, like):
    """A Python scalar becomes a constant with `like`'s shape and dtype; arrays pass through."""
    if isinstance(x, _SCALARS):
        return full_like(like, x)
    return x


def full_like(like, value):
    aval = get_aval(like)
    c = np.asarray(value, dtype=aval.dtype)
    if not aval.shape:
        return c[()]
    from fgrad.prims.shape import broadcast_in_dim

    return broadcast_in_dim(c, aval.shape, ())


def elementwise_batch(prim: Primitive):
    """Batch rule for elementwise primitives: align every batched operand's axis at 0 and
    broadcast the unbatched ones (a free numpy view)."""

    def batch(args, bdims, **params):
        from fgrad.prims.shape import bdim_to_front, broadcast_batch

        first = next(d for d in bdims if d is not None)
        if all(d == first for d in bdims):
            return bind(prim, *args, **params), first
        size = next(get_aval(a).shape[d] for a, d in zip(args, bdims) if d is not None)
        moved = [
            broadcast_batch(a, size) if d is None else bdim_to_front(a, d)
            for a, d in zip(args, bdims)
        ]
        return bind(prim, *moved, **params), 0

    return batch


def is_tracer(x) -> bool:
    return isinstance(x, Tracer)
