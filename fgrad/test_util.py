"""Numerical derivative checks for users and for fgrad's own tests.

`check_grads` verifies a function's derivatives against its values alone, so it needs no
reference implementation:

- forward mode: the JVP along a random direction u must match the central difference
  (f(x + eps u) - f(x - eps u)) / (2 eps);
- reverse mode: the VJP of a random cotangent w must satisfy the defining identity of the
  transpose, <w, J u> = <J^T w, u>, against the (already checked) JVP;
- order k > 1: the same checks again on the derivative functions themselves, whose arguments
  include the directions (u for the JVP, w for the VJP). That differentiates every rule that
  produced the first derivatives, including transposes of transposes.

Only inexact (float or complex) leaves are perturbed and compared: integer and bool leaves have
no derivative. The pairing is <a, b> = Re sum(a * b): the one fgrad's (and JAX's) transposes
preserve, also for maps that are only real-linear (abs or the real part of a complex input).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from fgrad.api import jvp, vjp
from fgrad.tree_util import tree_flatten, tree_unflatten

__all__ = ["check_grads", "check_jvp", "check_vjp", "default_tolerance", "default_eps"]

# Finite differences lose about half of the mantissa, so tolerances are coarse for narrow types.
_TOL = {
    np.dtype(np.float16): 5e-2,
    np.dtype(np.float32): 2e-2,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 2e-2,
    np.dtype(np.complex128): 1e-5,
}
_EPS = {
    np.dtype(np.float16): 1e-2,
    np.dtype(np.float32): 1e-3,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 1e-3,
    np.dtype(np.complex128): 1e-5,
}


def _inexact(x) -> bool:
    return np.asarray(x).dtype.kind in "fc"


def _narrowest(leaves) -> np.dtype:
    """The inexact dtype with the fewest mantissa bits among `leaves` (float64 if none)."""
    dts = [np.asarray(x).dtype for x in leaves if _inexact(x)]
    if not dts:
        return np.dtype(np.float64)
    return max(dts, key=lambda d: np.finfo(d).eps)


def default_tolerance(leaves) -> float:
    return _TOL.get(_narrowest(leaves), 1e-5)


def default_eps(leaves) -> float:
    return _EPS.get(_narrowest(leaves), 1e-5)


def _random_like(rng: np.random.Generator, x) -> np.ndarray:
    """A random direction shaped like `x`; zeros for integer and bool leaves."""
    x = np.asarray(x)
    if x.dtype.kind == "f":
        return rng.standard_normal(x.shape).astype(x.dtype)
    if x.dtype.kind == "c":
        re, im = rng.standard_normal(x.shape), rng.standard_normal(x.shape)
        return (re + 1j * im).astype(x.dtype)
    return np.zeros(x.shape, x.dtype)


def _pair(xs, ys) -> float:
    """Re sum_i sum(x_i * y_i) over inexact leaves, accumulated in complex128."""
    total = 0j
    for x, y in zip(xs, ys):
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype.kind in "fc" and y.dtype.kind in "fc":
            total += complex(np.sum(x.astype(np.complex128) * y.astype(np.complex128)))
    return total.real


def _where(trail: str, order_left: int) -> str:
    return f"{trail} (remaining order {order_left})"


def _assert_close(got, want, atol, rtol, what: str) -> None:
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {got.shape} but expected {want.shape}")
    if np.allclose(got, want, atol=atol, rtol=rtol, equal_nan=True):
        return
    err = np.abs(got.astype(np.complex128) - want.astype(np.complex128))
    i = np.unravel_index(np.argmax(np.where(np.isnan(err), np.inf, err)), err.shape) if err.ndim \
        else ()
    raise AssertionError(
        f"{what}: max abs error {float(np.nanmax(err)) if err.size else 0.0:.3g} exceeds "
        f"atol={atol:g}, rtol={rtol:g}; at index {tuple(int(k) for k in i)} got "
        f"{got[i]!r}, expected {want[i]!r}.\n got:\n{got}\n expected:\n{want}"
    )


def check_jvp(f: Callable, args: Sequence[Any], *, atol=None, rtol=None, eps=None, rng=None,
              trail: str = "f") -> None:
    """JVP along a random direction against a central finite difference."""
    rng = np.random.default_rng(0) if rng is None else rng
    args = tuple(args)
    leaves, tree = tree_flatten(args)
    eps = default_eps(leaves) if eps is None else eps
    u = [_random_like(rng, x) for x in leaves]
    out, t_out = jvp(f, args, tree_unflatten(tree, u))
    out_leaves, out_tree = tree_flatten(out)
    t_leaves, t_tree = tree_flatten(t_out)
    if t_tree != out_tree:
        raise AssertionError(f"{trail}: jvp tangent structure {t_tree} != output {out_tree}")
    tol = default_tolerance(leaves + out_leaves)
    atol = tol if atol is None else atol
    rtol = tol if rtol is None else rtol

    def shifted(sign):
        xs = [
            np.asarray(x) + np.asarray(sign * eps * d, np.asarray(x).dtype) if _inexact(x) else x
            for x, d in zip(leaves, u)
        ]
        return tree_flatten(f(*tree_unflatten(tree, xs)))[0]

    plus, minus = shifted(1.0), shifted(-1.0)
    direct = tree_flatten(f(*args))[0]
    for k, (o, d) in enumerate(zip(out_leaves, direct)):
        _assert_close(o, d, atol, rtol, f"{trail}: jvp primal output {k} differs from f(x)")
    for k, (t, o, p, m) in enumerate(zip(t_leaves, out_leaves, plus, minus)):
        if not _inexact(o):
            continue
        if np.shape(t) != np.shape(o) or np.asarray(t).dtype != np.asarray(o).dtype:
            raise AssertionError(
                f"{trail}: jvp tangent {k} is {np.asarray(t).dtype}{list(np.shape(t))} but the "
                f"output is {np.asarray(o).dtype}{list(np.shape(o))}"
            )
        p = np.asarray(p).astype(np.complex128 if np.iscomplexobj(p) else np.float64)
        m = np.asarray(m).astype(p.dtype)
        fd = (p - m) / (2 * eps)
        _assert_close(t, fd, atol, rtol,
                      f"{trail}: JVP of output {k} disagrees with central differences (eps={eps})")


def check_vjp(f: Callable, args: Sequence[Any], *, atol=None, rtol=None, rng=None,
              trail: str = "f") -> None:
    """VJP of a random cotangent against the JVP, by <w, J u> = <J^T w, u>."""
    rng = np.random.default_rng(1) if rng is None else rng
    args = tuple(args)
    leaves, tree = tree_flatten(args)
    out, pullback = vjp(f, *args)
    out_leaves, out_tree = tree_flatten(out)
    w = [_random_like(rng, o) for o in out_leaves]
    ct = pullback(tree_unflatten(out_tree, w))
    ct_leaves, ct_tree = tree_flatten(tuple(ct))
    if ct_tree != tree:
        raise AssertionError(f"{trail}: vjp cotangent structure {ct_tree} != arguments {tree}")
    for k, (c, x) in enumerate(zip(ct_leaves, leaves)):
        if not _inexact(x):
            continue
        if np.shape(c) != np.shape(x) or np.asarray(c).dtype != np.asarray(x).dtype:
            raise AssertionError(
                f"{trail}: vjp cotangent {k} is {np.asarray(c).dtype}{list(np.shape(c))} but the "
                f"argument is {np.asarray(x).dtype}{list(np.shape(x))}"
            )
    u = [_random_like(rng, x) for x in leaves]
    _, t_out = jvp(f, args, tree_unflatten(tree, u))
    t_leaves = tree_flatten(t_out)[0]
    tol = default_tolerance(leaves + out_leaves)
    atol = tol if atol is None else atol
    rtol = tol if rtol is None else rtol
    lhs = _pair(w, t_leaves)
    rhs = _pair(ct_leaves, u)
    # Scale the tolerance by the size of the terms, which may cancel in the sums.
    scale = _pair([np.abs(a) for a in w], [np.abs(b) for b in t_leaves])
    if not abs(lhs - rhs) <= atol + rtol * max(abs(lhs), abs(rhs), abs(scale)):
        raise AssertionError(
            f"{trail}: VJP is not the transpose of the JVP: <w, J u> = {lhs!r} but "
            f"<J^T w, u> = {rhs!r} (difference {abs(lhs - rhs):.3g}, atol={atol:g}, "
            f"rtol={rtol:g})"
        )


def check_grads(
    f: Callable,
    args: Sequence[Any],
    order: int,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
) -> None:
    """Check the derivatives of `f` at `args` up to `order`, in forward and/or reverse mode.

    Raises AssertionError naming the derivative (e.g. `rev(fwd(f))`) that is wrong.
    """
    modes = tuple(modes)
    for m in modes:
        if m not in ("fwd", "rev"):
            raise ValueError(f"check_grads modes must be 'fwd' and/or 'rev', got {m!r}")
    if order < 1:
        raise ValueError(f"check_grads needs order >= 1, got {order}")
    rng = np.random.default_rng(0)
    _check(f, tuple(args), order, modes, atol, rtol, eps, rng, "f")


def _check(f, args, order, modes, atol, rtol, eps, rng, trail) -> None:
    n = len(args)
    if "fwd" in modes:
        check_jvp(f, args, atol=atol, rtol=rtol, eps=eps, rng=rng, trail=_where(
            f"fwd({trail})", order - 1))
        if order > 1:
            leaves, tree = tree_flatten(args)
            tangents = tuple(tree_unflatten(tree, [_random_like(rng, x) for x in leaves]))

            def f_jvp(*primals_and_tangents):
                return jvp(f, primals_and_tangents[:n], primals_and_tangents[n:])

            _check(f_jvp, args + tangents, order - 1, modes, atol, rtol, eps, rng,
                   f"fwd({trail})")
    if "rev" in modes:
        check_vjp(f, args, atol=atol, rtol=rtol, rng=rng, trail=_where(
            f"rev({trail})", order - 1))
        if order > 1:
            out_leaves, out_tree = tree_flatten(f(*args))
            cts = [_random_like(rng, o) for o in out_leaves]

            def f_vjp(*primals_and_cts):
                _, pullback = vjp(f, *primals_and_cts[:n])
                return pullback(tree_unflatten(out_tree, list(primals_and_cts[n:])))

            _check(f_vjp, args + tuple(cts), order - 1, modes, atol, rtol, eps, rng,
                   f"rev({trail})")
