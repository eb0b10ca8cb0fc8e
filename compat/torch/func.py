"""torch.func-style transforms: fgrad's grad / vjp / jvp / jacrev / jacfwd / hessian / vmap
applied to functions written with compat.torch.

Tensors are registered as fgrad pytree nodes (their one leaf is the array inside), so
`fgrad.vmap`, `fgrad.jit`, `fgrad.jacrev`, `fgrad.jvp` and `fgrad.vjp` take and return them
directly. `fgrad.grad` needs an array output; `compat.torch.func.grad` unwraps the Tensor for it.
Inside the transform a Tensor holds an fgrad tracer, every compat op runs its fgrad function on
it, and no compat graph is recorded: the transform itself differentiates.
"""

from __future__ import annotations

import functools

import fgrad
from compat.torch import _tensor as _t
from fgrad import tree_util

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "to_arrays", "from_arrays"]


def _flatten(t):
    return (t._data,), None


def _unflatten(aux, children):
    return _t.make_tensor(children[0])


tree_util.register_pytree_node(_t.Tensor, _flatten, _unflatten)


def to_arrays(tree):
    """Replace every Tensor in a pytree by its array."""
    return tree_util.tree_map(lambda x: x, tree)


def from_arrays(tree):
    """Wrap every array leaf of a pytree in a (non-grad) Tensor."""
    return tree_util.tree_map(lambda x: x if isinstance(x, _t.Tensor) else _t.make_tensor(x),
                              tree)


def _unwrap_out(out):
    return out._data if isinstance(out, _t.Tensor) else out


def grad_and_value(func, argnums=0, has_aux=False):
    """(gradient, value) of a scalar-Tensor-valued function, as torch.func.grad_and_value."""

    @functools.wraps(func)
    def wrapper(*args):
        def f(*xs):
            out = func(*xs)
            if has_aux:
                y, aux = out
                return _unwrap_out(y), aux
            return _unwrap_out(out)

        (v, *aux), g = _vg(f, argnums, has_aux)(*args)
        g = from_arrays(g)
        if has_aux:
            return g, (from_arrays(v), from_arrays(aux[0]))
        return g, from_arrays(v)

    return wrapper


def _vg(f, argnums, has_aux):
    vg = fgrad.value_and_grad(f, argnums, has_aux=has_aux)

    def run(*args):
        out, g = vg(*args)
        return ((out,) if not has_aux else out), g

    return run


def grad(func, argnums=0, has_aux=False):
    """The gradient of a scalar-Tensor-valued function, as torch.func.grad."""
    gv = grad_and_value(func, argnums, has_aux)

    @functools.wraps(func)
    def wrapper(*args):
        g, v = gv(*args)
        return (g, v[1]) if has_aux else g

    return wrapper


def vjp(func, *primals, has_aux=False):
    out, pull = fgrad.vjp(func, *primals, has_aux=has_aux)[:2]
    return from_arrays(out), lambda ct: from_arrays(pull(ct))


def jvp(func, primals, tangents):
    out, t = fgrad.jvp(func, tuple(primals), tuple(tangents))
    return from_arrays(out), from_arrays(t)


def jacrev(func, argnums=0, has_aux=False):
    return lambda *args: from_arrays(fgrad.jacrev(func, argnums, has_aux)(*args))


def jacfwd(func, argnums=0, has_aux=False):
    return lambda *args: from_arrays(fgrad.jacfwd(func, argnums, has_aux)(*args))


def hessian(func, argnums=0):
    return lambda *args: from_arrays(fgrad.hessian(func, argnums)(*args))


def vmap(func, in_dims=0, out_dims=0):
    return fgrad.vmap(func, in_dims, out_dims)
