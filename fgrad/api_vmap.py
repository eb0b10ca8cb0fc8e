"""L5: vmap and the Jacobians built on it (one batched jvp or vjp over a standard basis, not
a Python loop). Pytree and argnums plumbing only, like api.py."""

from __future__ import annotations

import functools
from typing import Any, Callable, Sequence

import numpy as np

from fgrad import prims
from fgrad.api import (
    _check_diff_inputs,
    _normalize_argnums,
    _split_args,
    _vjp_core,
    _wrap_scalar,
    check_output_dtype,
)
from fgrad.core.avals import get_aval
from fgrad.core.markers import Zero
from fgrad.interpreters.batching import vmap_flat
from fgrad.interpreters.jvp import jvp_flat
from fgrad.tree_util import tree_flatten, tree_map, tree_unflatten

__all__ = ["vmap", "jacfwd", "jacrev", "jacobian", "hessian"]


def _flatten_axes(name, tree, axes, n_leaves_of):
    """Broadcast an in_axes/out_axes spec (int, None, or a pytree prefix) over `tree`."""
    if axes is None or isinstance(axes, (int, np.integer)):
        return [axes] * n_leaves_of(tree)
    if isinstance(axes, (list, tuple, dict)) and type(axes) is type(tree) or (
        isinstance(axes, tuple) and isinstance(tree, tuple)
    ):
        if isinstance(axes, dict):
            if set(axes) != set(tree):
                raise ValueError(f"vmap {name} dict keys {sorted(axes)} != {sorted(tree)}")
            keys = sorted(tree)
            return [a for k in keys for a in _flatten_axes(name, tree[k], axes[k], n_leaves_of)]
        if len(axes) != len(tree):
            raise ValueError(
                f"vmap {name} specification has {len(axes)} entries for {len(tree)} values"
            )
        return [a for t, ax in zip(tree, axes) for a in _flatten_axes(name, t, ax, n_leaves_of)]
    leaves, _ = tree_flatten(axes, is_leaf=lambda x: x is None)
    tl = tree_flatten(tree)[0]
    if len(leaves) == len(tl):
        return leaves
    raise ValueError(f"vmap {name}={axes!r} does not match the structure of the values")


def _n_leaves(t):
    return len(tree_flatten(t)[0])


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None):
    """Vectorize `fun` over an axis of its inputs, like jax.vmap."""

    @functools.wraps(fun)
    def vmapped(*args):
        if isinstance(in_axes, list) and not isinstance(args, list):
            ia = tuple(in_axes)
        else:
            ia = in_axes
        if isinstance(ia, tuple) and len(ia) != len(args):
            raise ValueError(
                f"vmap in_axes has {len(ia)} entries but the function was called with "
                f"{len(args)} positional arguments."
            )
        flat, in_tree = tree_flatten(args)
        dims = _flatten_axes("in_axes", args, ia, _n_leaves)
        sizes = {}
        for i, (x, d) in enumerate(zip(flat, dims)):
            if d is None:
                continue
            shape = np.shape(x) if not hasattr(x, "aval") else x.aval.shape
            if not -len(shape) <= d < len(shape):
                raise ValueError(
                    f"vmap was asked to map axis {d} of an argument of shape {shape} "
                    f"(leaf {i}), which has only {len(shape)} axes."
                )
            sizes.setdefault(shape[d % len(shape)], []).append((i, shape, d))
        if len(sizes) > 1:
            desc = "; ".join(
                f"leaf {i} of shape {s} mapped along axis {d} has size {n}"
                for n, lst in sizes.items()
                for i, s, d in lst
            )
            raise ValueError(f"vmap got inconsistent sizes for the mapped axes: {desc}.")
        if not sizes and axis_size is None:
            raise ValueError("vmap needs at least one mapped input, or axis_size=.")
        size = axis_size if not sizes else next(iter(sizes))
        flat = [x if d is None else x for x, d in zip(flat, dims)]
        norm = [None if d is None else d % get_aval(x).ndim for x, d in zip(flat, dims)]
        box = []

        def flat_fun(*xs):
            out = fun(*tree_unflatten(in_tree, list(xs)))
            leaves, tree = tree_flatten(out)
            box.append((tree, out))
            return leaves

        def out_dims_fn(n):
            tree, out = box[0]
            return _flatten_axes("out_axes", out, out_axes, _n_leaves)

        outs = vmap_flat(flat_fun, flat, norm, out_dims_fn, size)
        return tree_unflatten(box[0][0], outs)

    return vmapped


def _std_basis(flat):
    """Rows of the identity, one per scalar of the inputs, shaped like each input leaf."""
    sizes = [int(np.size(x)) if not hasattr(x, "aval") else x.aval.size for x in flat]
    n = sum(sizes)
    dtype = np.result_type(*[get_aval(x).dtype for x in flat]) if flat else np.float64
    eye = np.eye(n, dtype=dtype)
    out, off = [], 0
    for x, s in zip(flat, sizes):
        out.append(eye[:, off : off + s].reshape((n,) + get_aval(x).shape).astype(
            get_aval(x).dtype))
        off += s
    return out, n


def jacfwd(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False) -> Callable:
    """Jacobian by forward mode: one batched jvp over the standard basis of the inputs.
    Complex inputs need holomorphic=True (JAX's rule): the basis is then complex and the
    Jacobian is f'(z)."""

    def jac_f(*args):
        nums = _normalize_argnums(argnums, len(args), "jacfwd")
        flat, tree, rebuild = _split_args(args, nums)
        _check_diff_inputs(flat, "jacfwd", holomorphic=holomorphic, real_only=True)
        box = []

        def f_flat(*xs):
            out = fun(*rebuild(list(xs)))
            if has_aux:
                out, aux = out
                box.append(aux)
            leaves, out_tree = tree_flatten(out)
            box.insert(0, out_tree)
            return leaves

        basis, n = _std_basis(flat)

        primals_out = None

        def push_with_out(*ts):
            nonlocal primals_out
            p, t = jvp_flat(f_flat, flat, list(ts))
            primals_out = p
            return t

        touts = vmap_flat(push_with_out, basis, [0] * len(basis), lambda k: [-1] * k, n)
        out_tree = box[0]
        if holomorphic:
            for y in primals_out:
                check_output_dtype(get_aval(y), "jacfwd", holomorphic=True)
        jac = _assemble(touts, primals_out, flat, tree, out_tree, in_last=True)
        jac = jac if not isinstance(argnums, (int, np.integer)) else _first_of_inner(jac, out_tree)
        return (jac, box[1]) if has_aux else jac

    return jac_f


def jacrev(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
           holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """Jacobian by reverse mode: one batched vjp over the standard basis of the outputs.
    Complex outputs need holomorphic=True (JAX's rule); complex inputs with real outputs give
    JAX's gradient convention."""

    def jac_f(*args):
        nums = _normalize_argnums(argnums, len(args), "jacrev")
        flat, tree, rebuild = _split_args(args, nums)
        _check_diff_inputs(flat, "jacrev", allow_int=allow_int, holomorphic=holomorphic)
        box = []

        def f_flat(*xs):
            out = fun(*rebuild(list(xs)))
            if has_aux:
                out, aux = out
                aux_leaves, aux_tree = tree_flatten(aux)
                box.append((aux_tree, len(aux_leaves)))
                leaves, out_tree = tree_flatten(out)
                box.insert(0, out_tree)
                return leaves + aux_leaves
            leaves, out_tree = tree_flatten(out)
            box.insert(0, out_tree)
            return leaves

        outs, pullback, lin = _vjp_core(f_flat, flat)
        out_tree = box[0]
        n_out = out_tree.num_leaves
        for aval in lin.out_avals[:n_out]:
            check_output_dtype(aval, "jacrev", holomorphic=holomorphic)
        basis, m = _std_basis(outs[:n_out])
        extra = [Zero(a) for a in lin.out_avals[n_out:]]

        def pull(*cts):
            res = pullback(list(cts) + extra)
            return [
                np.zeros(get_aval(x).shape, get_aval(x).dtype) if c is None else _wrap_scalar(c)
                for x, c in zip(flat, res)
            ]

        cts = vmap_flat(pull, basis, [0] * len(basis), lambda k: [0] * k, m)
        jac = _assemble(cts, outs[:n_out], flat, tree, out_tree, in_last=False)
        jac = jac if not isinstance(argnums, (int, np.integer)) else _first_of_inner(jac, out_tree)
        if has_aux:
            aux_tree, _ = box[1]
            return jac, tree_unflatten(aux_tree, outs[n_out:])
        return jac

    return jac_f


jacobian = jacrev


def _assemble(blocks, outs, flat_in, in_tree, out_tree, *, in_last: bool):
    """Cut the stacked Jacobian into out_leaf.shape + in_leaf.shape blocks, nested as
    out_tree of in_tree."""
    in_shapes = [get_aval(x).shape for x in flat_in]
    out_shapes = [get_aval(y).shape for y in outs]
    rows = []
    if in_last:
        # blocks[j]: out leaf j with the input-basis axis last
        for y_shape, b in zip(out_shapes, blocks):
            per_in, off = [], 0
            for s in in_shapes:
                k = int(np.prod(s, dtype=np.int64))
                piece = prims.slice(
                    b, (0,) * len(y_shape) + (off,), tuple(y_shape) + (off + k,)
                )
                per_in.append(prims.reshape(piece, tuple(y_shape) + tuple(s)))
                off += k
            rows.append(tree_unflatten(in_tree, per_in))
    else:
        # blocks[i]: in leaf i with the output-basis axis first
        off = 0
        for y_shape in out_shapes:
            k = int(np.prod(y_shape, dtype=np.int64))
            per_in = []
            for s, b in zip(in_shapes, blocks):
                piece = prims.slice(b, (off,) + (0,) * len(s), (off + k,) + tuple(s))
                per_in.append(prims.reshape(piece, tuple(y_shape) + tuple(s)))
            rows.append(tree_unflatten(in_tree, per_in))
            off += k
    return tree_unflatten(out_tree, rows)


def _first_of_inner(jac, out_tree):
    """For an int argnums the inner (input) tree is a 1-tuple: unwrap it."""
    return tree_map(lambda t: t[0], jac, is_leaf=lambda t: isinstance(t, tuple) and len(t) == 1)


def hessian(fun: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False,
            holomorphic: bool = False) -> Callable:
    """Hessian as forward-over-reverse: jacfwd(jacrev(f))."""
    inner = jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic)
    return jacfwd(inner, argnums, has_aux=has_aux, holomorphic=holomorphic)
