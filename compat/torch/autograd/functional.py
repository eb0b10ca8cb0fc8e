"""torch.autograd.functional on fgrad's transforms: jacobian = jacrev (or jacfwd), hessian =
jacfwd(jacrev), vjp / jvp / hvp / vhp = the corresponding fgrad calls. Results are detached
Tensors, shaped and nested as torch returns them."""

from __future__ import annotations

import fgrad
from compat.torch import _tensor as _t
from compat.torch import func as _func

__all__ = ["jacobian", "hessian", "vjp", "jvp", "hvp", "vhp"]


def _inputs(inputs):
    single = isinstance(inputs, _t.Tensor)
    return single, ((inputs,) if single else tuple(inputs))


def _arrays(xs):
    return [x._data for x in xs]


def _wrap_fn(func):
    """func on Tensors -> a function on arrays returning an array or tuple of arrays."""

    def f(*arrays):
        out = func(*[_t.make_tensor(a) for a in arrays])
        if isinstance(out, _t.Tensor):
            return out._data
        return tuple(o._data for o in out)

    return f


def _T(x):
    return _t.make_tensor(x)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    single, xs = _inputs(inputs)
    f = _wrap_fn(func)
    jac = (fgrad.jacfwd if strategy == "forward-mode" else fgrad.jacrev)(
        f, argnums=tuple(range(len(xs))))(*_arrays(xs))
    out_single = not isinstance(func(*xs), (tuple, list))
    if out_single:
        per_in = tuple(_T(j) for j in jac)
        return per_in[0] if single else per_in
    rows = tuple(tuple(_T(j) for j in row) for row in jac)
    return tuple(r[0] for r in rows) if single else rows


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    single, xs = _inputs(inputs)
    f = _wrap_fn(func)
    argnums = tuple(range(len(xs)))
    h = fgrad.jacfwd(fgrad.jacrev(f, argnums), argnums)(*_arrays(xs))
    if single:
        return _T(h[0][0])
    return tuple(tuple(_T(b) for b in row) for row in h)


def _pack(single, vals):
    vals = tuple(_T(v) for v in vals)
    return vals[0] if single else vals


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    single, xs = _inputs(inputs)
    f = _wrap_fn(func)
    out, pull = fgrad.vjp(f, *_arrays(xs))
    if v is None:
        ct = out * 0 + 1
    else:
        ct = v._data if isinstance(v, _t.Tensor) else tuple(t._data for t in v)
    res = pull(ct)
    outs = _T(out) if not isinstance(out, tuple) else tuple(_T(o) for o in out)
    return outs, _pack(single, res)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    single, xs = _inputs(inputs)
    f = _wrap_fn(func)
    vs = (v,) if isinstance(v, _t.Tensor) else tuple(v) if v is not None else None
    tangents = _arrays(vs) if vs is not None else [x._data * 0 + 1 for x in xs]
    out, t = fgrad.jvp(f, tuple(_arrays(xs)), tuple(tangents))
    if isinstance(out, tuple):
        return tuple(_T(o) for o in out), tuple(_T(o) for o in t)
    return _T(out), _T(t)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    single, xs = _inputs(inputs)
    f = _wrap_fn(func)
    argnums = tuple(range(len(xs)))
    vs = (v,) if isinstance(v, _t.Tensor) else tuple(v)
    g = fgrad.grad(f, argnums)
    _, t = fgrad.jvp(g, tuple(_arrays(xs)), tuple(_arrays(vs)))
    return _T(f(*_arrays(xs))), _pack(single, t)


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    single, xs = _inputs(inputs)
    f = _wrap_fn(func)
    argnums = tuple(range(len(xs)))
    vs = (v,) if isinstance(v, _t.Tensor) else tuple(v)
    g = fgrad.grad(f, argnums)
    _, pull = fgrad.vjp(g, *_arrays(xs))
    return _T(f(*_arrays(xs))), _pack(single, pull(tuple(_arrays(vs))))


_ = _func
