"""Tensor: an array (numpy, or an fgrad tracer under fgrad's transforms) plus graph state.

Every op goes through `apply_op`: it runs the op's pure function on the input arrays and, when
grad mode is on and an input requires grad, records one `Node` for the op. In-place ops
(`inplace_op`) compute the same function out of place, write the result into the existing
buffer (so views and `detach()`ed aliases see it, as in torch) and move the node onto the
mutated tensor; a write through a view becomes a `CopySlices` node on the view's base.
"""

from __future__ import annotations

import warnings
import weakref

import numpy as np

from compat.torch import _dtypes
from compat.torch._format import format_tensor
from compat.torch._grad_mode import _get as _grad_mode
from compat.torch._graph import (
    AccumulateGrad,
    Node,
    RemovableHandle,
    Saved,
    Storage,
    user_frame,
    vjp_entry,
)
from compat.torch._tensor_ops import TensorOps
from fgrad.extend import Tracer

__all__ = ["Tensor", "Size", "apply_op", "make_tensor"]

_ndarray = np.ndarray
_FLOAT_KINDS = "fc"


class Size(tuple):
    """torch.Size: a tuple that prints as torch does."""

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self) -> int:
        n = 1
        for d in self:
            n *= d
        return n


def _as_array(out):
    """numpy reductions return numpy scalars; tensors always hold arrays (or tracers)."""
    t = type(out)
    if t is _ndarray or isinstance(out, Tracer):
        return out
    return np.asarray(out)


def make_tensor(data, requires_grad=False, grad_fn=None, output_nr=0, box=None, base=None):
    if type(data) is not _ndarray and not isinstance(data, Tracer):
        data = np.asarray(data)
    t = Tensor.__new__(Tensor)
    t._data = data
    t._requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._grad = None
    t._box = Storage() if box is None else box
    t._base = base
    t._view_chain = None
    t._retains_grad = False
    t._hooks = None
    t._acc = None
    t._inference = _grad_mode()[1]
    return t


def _edge(t):
    """Where a gradient for `t` goes: its grad_fn's output, or its leaf accumulator."""
    fn = t._grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    acc = t._acc() if t._acc is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return (acc, 0)


def apply_op(name, fn, inputs, static=(), *, saves_result=False, view=False, multi=False):
    """Run `fn(*arrays, **static)` and wrap the result, recording a node when needed.

    `inputs` holds Tensors and raw values (Python scalars already turned into 0-d arrays by the
    caller). `static` is a tuple of (name, value) pairs: hashable, part of the vjp cache key.
    """
    datas = []
    req = False
    for x in inputs:
        if isinstance(x, Tensor):
            datas.append(x._data)
            if x._requires_grad:
                req = True
        else:
            datas.append(x)
    out = fn(*datas, **dict(static)) if static else fn(*datas)
    scalar_view = view and isinstance(out, np.generic)
    outs = tuple(_as_array(o) for o in out) if multi else (_as_array(out),)
    if req and _grad_mode()[0] and outs[0].dtype.kind in _FLOAT_KINDS:
        node = _record(name, fn, static, inputs, datas, outs, multi)
    else:
        node = None
    results = []
    for nr, o in enumerate(outs):
        if view:
            src = inputs[0]
            if (type(o) is _ndarray and type(src._data) is _ndarray and not scalar_view
                    and not np.may_share_memory(o, src._data)):
                view_of = None  # the function had to copy: not an alias in fact
            else:
                view_of = src
        else:
            view_of = None
            if type(o) is _ndarray:
                for d in datas:
                    if o is d or (o.base is not None and type(d) is _ndarray
                                  and np.may_share_memory(o, d)):
                        o = o.copy()
                        break
        if view_of is not None:
            base = view_of._base if view_of._base is not None else view_of
            t = make_tensor(o, node is not None, node, nr, view_of._box, base)
            chain = view_of._view_chain or ()
            t._view_chain = chain + ((fn, static),)
        else:
            t = make_tensor(o, node is not None, node, nr)
        results.append(t)
    if node is not None and saves_result:
        # torch keeps the result instead of (saves_result=True) or besides ("also") the inputs.
        node.checks = (node.checks if saves_result == "also" and node.checks else []) + [
            (t._box, t._box.version, t._data.shape, t._data.dtype, node._name, t._output_nr, True,
             None)
            for t in results
        ]
    return tuple(results) if multi else results[0]


def _record(name, fn, static, inputs, datas, outs, multi):
    in_avals = tuple((d.shape, d.dtype) for d in datas)
    edges = []
    diff = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x._requires_grad:
            edges.append(_edge(x))
            diff.append(i)
        else:
            edges.append(None)
    diff = tuple(diff)
    out_avals = tuple((o.shape, o.dtype) for o in outs)
    entry = vjp_entry(fn, static, in_avals, diff, out_avals, multi)
    needed = entry.needed
    slots = []
    checks = None
    for i, (x, d) in enumerate(zip(inputs, datas)):
        if needed[i]:
            s = Saved(d, None)
            if isinstance(x, Tensor):
                x._box.protect(s)
                if checks is None:
                    checks = []
                fn_ = x._grad_fn
                checks.append(
                    (x._box, x._box.version, d.shape, d.dtype,
                     None if fn_ is None else fn_._name, x._output_nr, False, weakref.ref(x))
                )
            slots.append(s)
        elif edges[i] is None:
            slots.append(Saved(d, None))  # a constant operand: kept for to_jaxpr
        else:
            slots.append(None)
    node = Node(name, fn, static, tuple(edges), diff, slots, entry, out_avals, multi,
                user_frame(3))
    # next_functions lists the floating-point operands only (not indices or masks), as torch
    node.shown = tuple(i for i, d in enumerate(datas) if d.dtype.kind in _FLOAT_KINDS)
    node.checks = checks
    return node


class Tensor(TensorOps):
    """A torch-style tensor. Construct with compat.torch.tensor(...) and friends."""

    __slots__ = (
        "_data",
        "_requires_grad",
        "_grad_fn",
        "_output_nr",
        "_grad",
        "_box",
        "_base",
        "_view_chain",
        "_retains_grad",
        "_hooks",
        "_acc",
        "_inference",
        "__weakref__",
    )
    __array_priority__ = 2000

    def __init__(self, data=None, *args, **kwargs):
        from compat.torch._creation import tensor

        t = tensor([] if data is None else data)
        for name in Tensor.__slots__[:-1]:
            setattr(self, name, getattr(t, name))

    # ----- basic attributes ------------------------------------------------------------
    @property
    def dtype(self):
        return _dtypes.from_numpy_dtype(self._data.dtype)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[dim]

    def dim(self) -> int:
        return self._data.ndim

    ndim = property(dim)

    def numel(self) -> int:
        n = 1
        for d in self._data.shape:
            n *= d
        return n

    nelement = numel

    @property
    def aval(self):
        """fgrad's abstract value, so fgrad code can read this tensor's shape and dtype."""
        from fgrad.extend import get_aval

        return get_aval(self._data)

    @property
    def device(self):
        return "cpu"

    @property
    def is_cuda(self) -> bool:
        return False

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def element_size(self) -> int:
        return self._data.dtype.itemsize

    def is_inference(self) -> bool:
        return self._inference

    def is_contiguous(self) -> bool:
        d = self._data
        return type(d) is not _ndarray or d.flags.c_contiguous

    @property
    def _version(self) -> int:
        return self._box.version

    # ----- graph state -----------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True):
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return self
        if requires_grad and self._data.dtype.kind not in _FLOAT_KINDS:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead. See "
                "github.com/pytorch/pytorch/pull/30531 for more information.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None and tuple(value.shape) != tuple(self._data.shape):
            raise RuntimeError(
                "assigned grad has data of a different size"
            )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Make backward fill `.grad` of this non-leaf tensor (torch's opt-in)."""
        if self._grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        node = self._grad_fn
        if node.retain_hooks is None:
            node.retain_hooks = {}
        node.retain_hooks[self._output_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """hook(grad) runs when the gradient for this tensor is computed; a non-None return
        replaces the gradient."""
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient"
            )
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            self._hooks.append(hook)
            return RemovableHandle(self._hooks, hook)
        node = self._grad_fn
        if node.tensor_pre_hooks is None:
            node.tensor_pre_hooks = {}
        lst = node.tensor_pre_hooks.setdefault(self._output_nr, [])
        lst.append(hook)
        return RemovableHandle(lst, hook)

    def detach(self):
        """The same storage and version counter, cut from the graph."""
        t = make_tensor(self._data, False, None, 0, self._box, self._base)
        t._view_chain = self._view_chain
        return t

    def detach_(self):
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead."
            )
        self._grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        t = make_tensor(self._data)
        return t

    @data.setter
    def data(self, value) -> None:
        self._data = value._data

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from compat.torch._engine import backward

        backward(
            (self,),
            None if gradient is None else (gradient,),
            retain_graph,
            create_graph,
            inputs=inputs,
        )

    # ----- conversion ------------------------------------------------------------------
    def numpy(self, *, force: bool = False):
        if self._requires_grad and not force:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return self._data

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        d = self._data
        if isinstance(d, Tracer):
            return d.item()
        return d.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        return np.asarray(self._data, dtype=dtype)

    def _scalar(self, kind: str):
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        return self._data.reshape(()).item() if type(self._data) is _ndarray else self._data

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._scalar("index"))

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._scalar("bool"))

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter([self[i] for i in range(self._data.shape[0])])

    def __hash__(self):
        return id(self)

    def __repr__(self) -> str:
        d = self._data
        if not isinstance(d, _ndarray):
            return f"tensor({d!r})"
        fn = self._grad_fn
        return format_tensor(
            d,
            self.dtype.name,
            requires_grad=self._requires_grad,
            grad_fn_name=None if fn is None else fn._name,
        )

    __str__ = __repr__

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return repr(self)

    def __reduce_ex__(self, proto):
        from compat.torch._creation import tensor

        return (tensor, (self._data.copy(),), None)

    def __deepcopy__(self, memo):
        t = make_tensor(np.array(self._data, copy=True), self._requires_grad)
        if self._grad is not None:
            t._grad = make_tensor(np.array(self._grad._data, copy=True))
        return t
