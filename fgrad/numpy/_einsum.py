"""einsum: explicit and implicit subscripts, '...' broadcasting, repeated letters (diagonals),
numpy's interleaved form einsum(op0, sublist0, op1, sublist1, ..., [sublistout]).

The operands are contracted left to right, each pair by one `dot_general` after summing out
letters no later operand or the output needs; a repeated letter in one operand takes the
diagonal (a gather). '...' is expanded to private letters, right-aligned across operands
as numpy broadcasts them, and size-1 axes broadcast against their partners.
"""

from __future__ import annotations

import builtins

import numpy as np

from fgrad import prims
from fgrad.core.avals import get_aval
from fgrad.numpy._promotion import asarray_operand, broadcast_to_shape, cast, result_type
from fgrad.numpy._shape import transpose

__all__ = ["einsum"]

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ELLIPSIS_BASE = 0x4E00  # private labels for '...' axes: never valid in a subscripts string


def _arr(a):
    a = asarray_operand(a)
    return np.asarray(a) if isinstance(a, (bool, int, float, complex, np.generic)) else a


def _shape(a):
    return get_aval(a).shape


def _einsum_reduce(x, sub, keep):
    """Sum out the letters of `sub` not in `keep`; repeated letters take the diagonal."""
    from fgrad.numpy._more_shape import diagonal

    while True:
        rep = next((c for c in sub if sub.count(c) > 1), None)
        if rep is None:
            break
        i = sub.index(rep)
        j = sub.index(rep, i + 1)
        x = diagonal(x, 0, i, j)
        sub = "".join(c for k, c in enumerate(sub) if k not in (i, j)) + rep
    drop = tuple(i for i, c in enumerate(sub) if c not in keep)
    if drop:
        x = prims.reduce_sum(x, drop)
        sub = "".join(c for i, c in enumerate(sub) if i not in drop)
    return x, sub


def _einsum_pair(a, sa, b, sb, keep):
    a, sa = _einsum_reduce(a, sa, set(sb) | set(keep))
    b, sb = _einsum_reduce(b, sb, set(sa) | set(keep))
    both = [c for c in sa if c in sb]
    batch = [c for c in both if c in keep]
    contract = [c for c in both if c not in keep]
    dims = ((tuple(sa.index(c) for c in contract), tuple(sb.index(c) for c in contract)),
            (tuple(sa.index(c) for c in batch), tuple(sb.index(c) for c in batch)))
    # dot_general needs equal sizes on shared axes: broadcast size-1 axes first
    shp_a, shp_b = list(_shape(a)), list(_shape(b))
    for c in both:
        n = builtins.max(shp_a[sa.index(c)], shp_b[sb.index(c)])
        shp_a[sa.index(c)] = shp_b[sb.index(c)] = n
    a = broadcast_to_shape(a, tuple(shp_a))
    b = broadcast_to_shape(b, tuple(shp_b))
    out = prims.dot_general(a, b, dims)
    sub = "".join(batch) + "".join(c for c in sa if c not in both) + "".join(
        c for c in sb if c not in both)
    return out, sub


def _from_sublist(sublist) -> str:
    out = []
    for s in sublist:
        if s is Ellipsis:
            out.append("...")
        elif isinstance(s, (int, np.integer)) and 0 <= int(s) < len(_LETTERS):
            out.append(_LETTERS[int(s)])
        else:
            raise ValueError("subscript is not within the valid range [0, 52)")
    return "".join(out)


def _interleaved(args):
    """(op0, sub0, op1, sub1, ..., [subout]) -> ("sub0,sub1->subout", operands)."""
    ops, subs = list(args[0::2]), [_from_sublist(s) for s in args[1::2]]
    out = None
    if len(ops) > len(subs):  # the last entry was the output sublist
        out = _from_sublist(ops.pop())
    spec = ",".join(subs) + ("" if out is None else "->" + out)
    return spec, ops


def _expand_ellipses(in_subs, ndims):
    """Replace '...' by private letters, right-aligned; returns (subs, ellipsis letters)."""
    widths = []
    for s, nd in zip(in_subs, ndims):
        n_letters = len(s.replace("...", ""))
        if "..." in s:
            widths.append(nd - n_letters)
            if widths[-1] < 0:
                raise ValueError(f"einstein sum subscripts string {s!r} has more letters "
                                 f"than its operand has dimensions ({nd})")
        else:
            widths.append(0)
            if n_letters != nd:
                raise ValueError(f"einstein sum subscripts string {s!r} does not match the "
                                 f"number of dimensions {nd} of its operand")
    width = builtins.max(widths, default=0)
    ell = "".join(chr(_ELLIPSIS_BASE + i) for i in range(width))
    subs = [s.replace("...", ell[width - w :]) for s, w in zip(in_subs, widths)]
    return subs, ell


def einsum(*operands, out=None, optimize=False, dtype=None, casting="safe"):
    if out is not None:
        raise NotImplementedError("fgrad.numpy.einsum does not support out=")
    if not operands:
        raise ValueError("No input operands")
    if isinstance(operands[0], str):
        subscripts, ops = operands[0], list(operands[1:])
    else:
        subscripts, ops = _interleaved(operands)
    subscripts = subscripts.replace(" ", "")
    ins, arrow, outs = subscripts.partition("->")
    in_subs = ins.split(",")
    if len(in_subs) != len(ops):
        raise ValueError("more operands provided to einstein sum function than specified in "
                         "the subscripts string" if len(ops) > len(in_subs) else
                         "fewer operands provided to einstein sum function than specified in "
                         "the subscripts string")
    for c in ins.replace(",", "").replace("...", ""):
        if c not in _LETTERS:
            raise ValueError(f"invalid subscript '{c}' in einstein sum subscripts string, "
                             "subscripts must be letters")
    ops = [_arr(x) for x in ops]
    in_subs, ell = _expand_ellipses(in_subs, [len(_shape(x)) for x in ops])
    if arrow:
        if "..." in outs:
            outs = outs.replace("...", ell)
        elif ell:
            raise ValueError("output has more dimensions than subscripts given in einstein "
                             "sum, but no '...' ellipsis provided to broadcast the extra "
                             "dimensions.")
    else:
        letters = "".join(in_subs)
        outs = ell + "".join(sorted(c for c in set(letters) - set(ell)
                                    if letters.count(c) == 1))
    dt = np.dtype(dtype) if dtype is not None else result_type(*ops)
    ops = [cast(x, dt) for x in ops]
    x, sx = ops[0], in_subs[0]
    for k in range(1, len(ops)):
        later = set(outs).union(*in_subs[k + 1 :])
        x, sx = _einsum_pair(x, sx, ops[k], in_subs[k], later)
    x, sx = _einsum_reduce(x, sx, set(outs))
    if sx != outs:
        x = transpose(x, tuple(sx.index(c) for c in outs))
    return x
