"""The backward engine: dependency-counted traversal of the graph from the outputs.

Each node runs once all its consumers have delivered their gradients (summed per output).
Without create_graph the gradients are plain arrays and each node's staged vjp runs on numpy.
With create_graph the same staged vjp runs on Tensors under `TapeTrace`, an fgrad trace that
records every primitive the backward binds as a graph node (mul -> MulBackward0, ...), so the
gradients carry a graph of their own and can be differentiated again by the same machinery.
"""

from __future__ import annotations

import re
import weakref

import numpy as np

from compat.torch import _grad_mode
from compat.torch._graph import (
    AccumulateGrad,
    format_frame,
    run_vjp,
    tensor_type_name,
    torch_error,
    user_frame,
)
from compat.torch._tensor import Tensor, _edge, apply_op, make_tensor
from fgrad.extend import Trace, bind, current_trace, set_current_trace

__all__ = ["backward", "grad", "TapeTrace"]

_PRIM_NAMES = {
    "add": "AddBackward0", "add_any": "AddBackward0", "sub": "SubBackward0",
    "mul": "MulBackward0", "div": "DivBackward0", "neg": "NegBackward0", "exp": "ExpBackward0",
    "log": "LogBackward0", "sin": "SinBackward0", "cos": "CosBackward0", "tan": "TanBackward0",
    "tanh": "TanhBackward0", "integer_pow": "PowBackward0", "pow": "PowBackward1",
    "sqrt": "SqrtBackward0", "rsqrt": "RsqrtBackward0", "logistic": "SigmoidBackward0",
    "abs": "AbsBackward0", "sign": "SignBackward0", "broadcast_in_dim": "ExpandBackward0",
    "reshape": "ViewBackward0", "transpose": "PermuteBackward0", "squeeze": "SqueezeBackward1",
    "expand_dims": "UnsqueezeBackward0", "reduce_sum": "SumBackward1",
    "reduce_max": "AmaxBackward0", "reduce_min": "AminBackward0", "reduce_prod": "ProdBackward1",
    "select": "WhereBackward0", "convert_element_type": "ToCopyBackward0",
    "dot_general": "MmBackward0", "concatenate": "CatBackward0", "slice": "SliceBackward0",
    "pad": "ConstantPadNdBackward0", "gather": "IndexBackward0",
    "scatter_add": "IndexPutBackward0", "max": "MaximumBackward0", "min": "MinimumBackward0",
    "log1p": "Log1PBackward0", "expm1": "Expm1Backward0", "cumsum": "CumsumBackward0",
    "rev": "FlipBackward0", "atan": "AtanBackward0",
}


def _prim_name(prim) -> str:
    n = _PRIM_NAMES.get(prim.name)
    if n is None:
        n = "".join(p.capitalize() for p in prim.name.split("_")) + "Backward0"
    return n


def _identity(a):
    return a


def _bind_prim(*xs, prim, params):
    return bind(prim, *xs, **dict(params))


class TapeTrace(Trace):
    """Records the primitives of a create_graph backward as compat graph nodes.

    A primitive with a Tensor among its arguments runs on the arrays inside (through the
    parent trace) and, when grad mode is on and an input requires grad, gets a Node whose
    function is the primitive itself: its own gradient comes from fgrad's rules again.
    """

    __slots__ = ()

    def __init__(self, parent):
        super().__init__(parent, "compat.torch create_graph backward")

    def process_primitive(self, prim, args, params):
        for a in args:
            if isinstance(a, Tensor):
                break
        else:
            return self.parent.process_primitive(prim, args, params)
        static = (("prim", prim), ("params", tuple(sorted(params.items()))))
        with set_current_trace(self.parent):
            return apply_op(_prim_name(prim), _bind_prim, args, static,
                            multi=prim.multiple_results)


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _shape_str(shape) -> str:
    return f"torch.Size({list(shape)})"


def _make_grads(outputs, grads, create):
    out = []
    for i, t in enumerate(outputs):
        if not isinstance(t, Tensor):
            raise TypeError(f"element {i} of tensors is not a Tensor")
        if not t._requires_grad:
            raise torch_error(
                f"element {i} of tensors does not require grad and does not have a grad_fn",
                f"At {format_frame(user_frame())}: this output does not depend on any tensor "
                "with requires_grad=True. Create the inputs with requires_grad=True (or call "
                ".requires_grad_()) before computing it, and check that no torch.no_grad() "
                "block or .detach() cut it from them.",
            )
        g = None if grads is None else grads[i]
        if g is None:
            if t.numel() != 1:
                raise torch_error(
                    "grad can be implicitly created only for scalar outputs",
                    f"At {format_frame(user_frame())}: the output has shape "
                    f"{list(t._data.shape)}. Reduce it first (y.sum().backward()) or pass the "
                    "gradient of the loss with respect to it (y.backward(torch.ones_like(y))).",
                )
            if t._data.dtype.kind != "f":
                raise RuntimeError("grad can be implicitly created only for real scalar outputs")
            g = np.ones(t._data.shape, t._data.dtype)
            out.append(make_tensor(g) if create else g)
            continue
        if not isinstance(g, Tensor):
            g = make_tensor(np.asarray(g, t._data.dtype))
        if tuple(g._data.shape) != tuple(t._data.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {_shape_str(g.shape)} and "
                f"output[{i}] has a shape of {_shape_str(t.shape)}."
            )
        if g._data.dtype != t._data.dtype and g._data.dtype.kind in "fc":
            g = g.to(t.dtype)
        out.append(g if create else g._data)
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' `.grad` (torch.autograd.backward)."""
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors if grad_tensors is not None else grad_variables)
    if grads is not None and len(grads) != len(tensors):
        raise RuntimeError(
            f"got {len(grads)} tensors and {len(tensors)} gradients"
        )
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
    roots = _make_grads(tensors, grads, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    _run(tensors, roots, bool(retain_graph), create_graph, inputs, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of outputs w.r.t. inputs, returned (torch.autograd.grad)."""
    outputs = _as_tuple(outputs)
    single = isinstance(inputs, Tensor)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but "
            "got: allow_unused=False."
        )
    for x in inputs:
        if not x._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _as_tuple(grad_outputs)
    if grads is not None and len(grads) != len(outputs):
        raise RuntimeError(
            f"grad requires one grad_output per output: got {len(grads)} and {len(outputs)}"
        )
    roots = _make_grads(outputs, grads, create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    res = _run(outputs, roots, bool(retain_graph), create_graph, inputs, accumulate=False)
    out = []
    for i, (x, g) in enumerate(zip(inputs, res)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in "
                    "the graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = make_tensor(np.zeros(x._data.shape, x._data.dtype))
        elif not isinstance(g, Tensor):
            g = make_tensor(g)
        out.append(g)
    _ = single
    return tuple(out)


def _children(n):
    if type(n) is AccumulateGrad:
        return ()
    edges = n.edges
    return [edges[i] for i in n.diff]


def _run(roots, root_grads, retain, create, inputs, accumulate):
    src = user_frame(3)
    root_edges = [_edge(t) for t in roots]
    targets = {}
    if inputs is not None:
        for k, x in enumerate(inputs):
            e = _edge(x)
            targets.setdefault((e[0], e[1]), []).append(k)
    target_nodes = {e[0] for e in targets}
    # Discover the graph and a topological order (consumers before producers).
    seen = set()
    order = []
    stack = [(e[0], False) for e in root_edges]
    while stack:
        n, done = stack.pop()
        if done:
            order.append(n)
            continue
        if n in seen:
            continue
        seen.add(n)
        stack.append((n, True))
        for e in _children(n):
            if e is not None and e[0] not in seen:
                stack.append((e[0], False))
    order.reverse()
    if inputs is None:
        live = seen
    else:
        live = set()
        for n in reversed(order):
            if n in target_nodes or any(e[0] in live for e in _children(n) if e is not None):
                live.add(n)
    deps = dict.fromkeys(live, 0)
    for n in live:
        for e in _children(n):
            if e is not None and e[0] in live:
                deps[e[0]] += 1
    buffers = {}
    for e, g in zip(root_edges, root_grads):
        if e[0] in live:
            _add_to(buffers, e[0], e[1], g)
    captured = [None] * (len(inputs) if inputs is not None else 0)
    ready = [n for n in live if deps[n] == 0 and n in buffers]
    mode = _grad_mode._MODE
    token = mode.set((create, mode.get()[1]))
    try:
        while ready:
            n = ready.pop()
            grads = buffers.pop(n, None)
            if grads is None:
                continue
            if type(n) is AccumulateGrad:
                _accumulate_leaf(n, grads, create, targets, captured, accumulate, inputs)
                continue
            grads = _pre_hooks(n, grads, create)
            for nr, g in enumerate(grads):
                ks = targets.get((n, nr))
                if ks:
                    for k in ks:
                        captured[k] = g
            kids = _children(n)
            if any(e is not None and e[0] in live for e in kids):
                in_grads = _node_backward(n, grads, create, src)
                if n.post_hooks:
                    wrapped = tuple(_wrap(g) for g in in_grads)
                    for h in n.post_hooks:
                        r = h(wrapped, tuple(_wrap(g) for g in grads))
                        if r is not None:
                            wrapped = tuple(r)
                    in_grads = [_unwrap(g, create) for g in wrapped]
                for e, g in zip(kids, in_grads):
                    if e is None or e[0] not in live:
                        continue
                    m = e[0]
                    if g is not None:
                        _add_to(buffers, m, e[1], g)
                    deps[m] -= 1
                    if deps[m] == 0:
                        ready.append(m)
            if not retain:
                n.free(src)
    finally:
        mode.reset(token)
    return captured


def _add_to(buffers, node, nr, g):
    buf = buffers.get(node)
    if buf is None:
        n_out = 1 if type(node) is AccumulateGrad else len(node.out_avals)
        buf = buffers[node] = [None] * n_out
    prev = buf[nr]
    buf[nr] = g if prev is None else prev + g


def _wrap(g):
    if g is None or isinstance(g, Tensor):
        return g
    return make_tensor(g)


def _unwrap(g, create):
    if g is None:
        return None
    if create:
        return g if isinstance(g, Tensor) else make_tensor(g)
    return g._data if isinstance(g, Tensor) else g


def _run_hooks(hooks, g, create):
    for h in list(hooks):
        r = h(_wrap(g))
        if r is not None:
            g = _unwrap(r, create)
    return g


def _pre_hooks(n, grads, create):
    grads = list(grads)
    if n.pre_hooks:
        wrapped = tuple(_wrap(g) for g in grads)
        for h in n.pre_hooks:
            r = h(wrapped)
            if r is not None:
                wrapped = tuple(r)
        grads = [_unwrap(g, create) for g in wrapped]
    if n.tensor_pre_hooks:
        for nr, hooks in n.tensor_pre_hooks.items():
            if grads[nr] is not None and hooks:
                grads[nr] = _run_hooks(hooks, grads[nr], create)
    if n.retain_hooks:
        for nr, ref in n.retain_hooks.items():
            t = ref()
            if t is not None and grads[nr] is not None and t._grad_fn is n:
                _store_grad(t, grads[nr], create)
    return grads


def _store_grad(t, g, create):
    """Accumulate g into t.grad the way torch does: in place unless create_graph."""
    old = t._grad
    if old is None:
        if create:
            # torch copies the incoming grad into a fresh buffer (a graph op under
            # create_graph, hence the CopyBackwards grad_fn of such leaf grads)
            g = g if isinstance(g, Tensor) else make_tensor(g)
            t._grad = apply_op("CopyBackwards", _identity, (g,)) if g._requires_grad else g
        else:
            d = g._data if isinstance(g, Tensor) else g
            t._grad = make_tensor(np.array(d, copy=True) if isinstance(d, np.ndarray) else d)
        return
    if create or old._requires_grad or not isinstance(old._data, np.ndarray):
        t._grad = old + (g if isinstance(g, Tensor) else make_tensor(g))
        return
    d = g._data if isinstance(g, Tensor) else g
    if not isinstance(d, np.ndarray) and not np.isscalar(d):
        t._grad = make_tensor(old._data + d)
        return
    np.add(old._data, d, out=old._data, casting="unsafe")
    old._box.version += 1


def _accumulate_leaf(acc, grads, create, targets, captured, accumulate, inputs):
    g = grads[0]
    if acc.pre_hooks:
        r = None
        for h in acc.pre_hooks:
            r = h((_wrap(g),))
            if r is not None:
                g = _unwrap(r[0], create)
    leaf = acc.variable
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, create)
    ks = targets.get((acc, 0))
    if ks:
        for k in ks:
            captured[k] = g
    if accumulate and (inputs is None or ks):
        _store_grad(leaf, g, create)
    if acc.post_hooks:
        for h in acc.post_hooks:
            h((), (_wrap(g),))


def _short(name: str) -> str:
    return re.sub(r"Backward\d*$", "", name)


def _node_backward(n, grads, create, src):
    entry = n.entry
    if n.freed is not None and entry.needs_any:
        raise torch_error(
            "Trying to backward through the graph a second time (or directly access saved "
            "tensors after they have already been freed). Saved intermediate values of the "
            "graph are freed when you call .backward() or autograd.grad(). Specify "
            "retain_graph=True if you need to backward through the graph a second time or if "
            "you need to access saved tensors after calling backward.",
            f"The freed node is {n._name}, created at {format_frame(n.source)}; its saved "
            f"values were freed by the backward call at {format_frame(n.freed)}. Pass "
            "retain_graph=True to that first call, or recompute the forward pass before "
            "calling backward again.",
        )
    if n.checks:
        for box, version, shape, dtype, prod, nr, is_out, ref in n.checks:
            if box.version != version:
                # torch names the saved tensor's producer as it is now (for an input) or the
                # node itself (for a saved output), without the "Backward0" suffix
                cur = ref() if ref is not None else None
                if cur is not None and not is_out:
                    prod = None if cur._grad_fn is None else cur._grad_fn._name
                    nr = cur._output_nr
                who = "" if prod is None else f", which is output {nr} of {_short(prod)},"
                raise torch_error(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{tensor_type_name(dtype)} "
                    f"[{', '.join(map(str, shape))}]]{who} is at version {box.version}; "
                    f"expected version {version} instead. Hint: enable anomaly detection to "
                    "find the operation that failed to compute its gradient, with "
                    "torch.autograd.set_detect_anomaly(True, check_nan=False).",
                    f"The tensor was saved by {n._name}, created at {format_frame(n.source)}, "
                    f"and last modified in place at {format_frame(box.write_src)}. Use the "
                    "out-of-place form there (y = y + 1 instead of y += 1 / y.add_(1)), or "
                    "modify a .clone() of it.",
                )
    cts = []
    for g, (shape, dtype) in zip(grads, n.out_avals):
        if g is None:
            g = np.zeros(shape, dtype)
            if create:
                g = make_tensor(g)
        cts.append(g)
    ins = []
    for i, s in enumerate(n.slots):
        v = None if s is None else s.data
        if create and v is not None:
            e = n.edges[i]
            if e is None:
                v = make_tensor(v)
            elif type(e[0]) is AccumulateGrad:
                v = make_tensor(v, True)
                v._acc = weakref.ref(e[0])
            else:
                v = make_tensor(v, True, e[0], e[1])
        ins.append(v)
    if not create:
        res = run_vjp(entry, n.fn, n.static, n.diff, n.multi, ins, cts)
        return [r if type(r) is np.ndarray or not np.isscalar(r) else np.asarray(r)
                for r in res]
    with set_current_trace(TapeTrace(current_trace())):
        res = run_vjp(entry, n.fn, n.static, n.diff, n.multi, ins, cts)
    return [r if isinstance(r, Tensor) else make_tensor(np.asarray(r) if np.isscalar(r) else r)
            for r in res]
