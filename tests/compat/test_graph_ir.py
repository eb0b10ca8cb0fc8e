"""One IR behind both APIs: compat's recorded graph as a jaxpr, fgrad's transforms applied to
code written with compat.torch, and saved arrays released after backward."""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import compat.torch as torch
import fgrad


def test_to_jaxpr_prints_and_evaluates_the_graph():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor(3.0, requires_grad=True)
    y = (x * w + 1).sin().sum()
    j = torch.autograd.graph.to_jaxpr(y)
    assert str(j) == (
        "{ lambda ; a:f32[2] b:f32[]. let\n"
        "    c:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] b\n"
        "    d:f32[2] = mul a c\n"
        "    e:f32[2] = broadcast_in_dim[broadcast_dimensions=() shape=(2,)] 1.0:f32[]\n"
        "    f:f32[2] = add d e\n"
        "    g:f32[2] = sin f\n"
        "    h:f32[] = reduce_sum[axes=(0,)] g\n"
        "  in (h,) }"
    )
    assert torch.autograd.graph.leaves(y) == [x, w]
    (val,) = j(np.array([1.0, 2.0], np.float32), np.float32(3.0))
    assert np.allclose(val, y.item())
    # the jaxpr is an ordinary fgrad function: its gradient equals compat's backward
    y.backward()
    gx, gw = fgrad.grad(lambda a, b: j(a, b)[0], (0, 1))(
        np.array([1.0, 2.0], np.float32), np.float32(3.0)
    )
    assert np.allclose(gx, x.grad.numpy()) and np.allclose(gw, w.grad.numpy())
    # equations carry the user's line
    assert all(e.source and e.source[0] == __file__ for e in j.eqns)


def test_to_jaxpr_after_free_raises():
    x = torch.tensor([1.0], requires_grad=True)
    c = torch.tensor([2.0])
    y = (x + c).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="freed"):
        torch.autograd.graph.to_jaxpr(y)


def _loss(t):
    return (torch.sin(t) * 2 + t.square()).sum()


def test_func_grad_and_fgrad_transforms_on_compat_code():
    x = torch.tensor([0.0, 1.0])
    g = torch.func.grad(_loss)(x)
    assert isinstance(g, torch.Tensor)
    assert np.allclose(g.numpy(), 2 * np.cos([0.0, 1.0]) + 2 * np.array([0.0, 1.0]))
    v = fgrad.vmap(lambda t: torch.exp(t).sum())(torch.ones(3, 2))
    assert np.allclose(v.numpy(), 2 * np.e)
    jac = fgrad.jacrev(lambda t: t * t)(torch.tensor([1.0, 2.0]))
    assert np.allclose(jac.numpy(), np.diag([2.0, 4.0]))
    out, tan = fgrad.jvp(lambda t: torch.tanh(t), (torch.tensor([0.0]),), (torch.tensor([1.0]),))
    assert np.allclose(tan.numpy(), 1.0)
    if hasattr(fgrad, "jit"):
        r = fgrad.jit(lambda t: (t * 2).relu())(torch.tensor([-1.0, 1.0]))
        assert r.tolist() == [0.0, 2.0]
    # the same pure function, written with compat, differentiated by fgrad and by backward
    xs = torch.tensor([0.3, -0.7], requires_grad=True)
    _loss(xs).backward()
    assert np.allclose(xs.grad.numpy(), torch.func.grad(_loss)(xs.detach()).numpy())


def test_saved_arrays_are_released_after_backward():
    x = torch.tensor(np.linspace(0, 1, 1000), requires_grad=True)
    h = x * 2
    saved = weakref.ref(h._data)  # sin saves its input
    y = h.sin().sum()
    del h
    gc.collect()
    assert saved() is not None
    y.backward()
    gc.collect()
    assert saved() is None  # freed with the graph's saved values


def test_retain_graph_keeps_and_then_frees_memory():
    tracemalloc.start()
    try:
        x = torch.ones(200_000, dtype=torch.float64, requires_grad=True)
        base = tracemalloc.get_traced_memory()[0]
        y = (x * 2).exp().sin().sum()
        held = tracemalloc.get_traced_memory()[0] - base
        y.backward(retain_graph=True)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - base
        y.backward()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    mb = 200_000 * 8
    assert held >= 2 * mb  # intermediates saved for backward
    assert kept >= 2 * mb  # retain_graph keeps them (plus x.grad)
    assert after <= kept - 2 * mb  # the second backward released them


def test_backward_twice_error_names_lines():
    x = torch.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError) as e:
        y.backward()
    msg = str(e.value)
    assert msg.startswith("Trying to backward through the graph a second time")
    assert msg.endswith("after calling backward.")  # torch's text alone; compat's is a note
    (note,) = e.value.__notes__
    assert "MulBackward0, created at" in note and __file__ in note and "retain_graph=True" in note


def test_version_error_names_lines():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    a = torch.tensor([1.0])
    b = x * a
    a.add_(1)
    with pytest.raises(RuntimeError) as e:
        b.sum().backward()
    msg = str(e.value)
    assert msg.startswith("one of the variables needed for gradient computation has been "
                          "modified by an inplace operation: [torch.FloatTensor [1]] is at "
                          "version 1; expected version 0 instead.")
    (note,) = e.value.__notes__
    assert "last modified in place at" in note and __file__ in note and ".clone()" in note


def test_exp_input_modified_later_gives_correct_grad():
    # torch saves exp's result, so modifying its input is allowed; compat keeps a private copy
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    c = x * 1
    d = c.exp().sum()
    c.mul_(100)
    d.backward()
    assert np.allclose(x.grad.numpy(), np.exp([1.0, 2.0]))


def test_nonleaf_grad_warning():
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


def test_float64_and_int_promotion_grads():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    d = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
    y = (x * d).sum()
    assert y.dtype is torch.float64
    y.backward()
    assert x.grad.dtype is torch.float32 and d.grad.dtype is torch.float64
    i = torch.tensor([1, 2])
    z = (i * x).sum()
    assert z.dtype is torch.float32
