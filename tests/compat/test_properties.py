"""Properties: compat's `.grad` equals `fgrad.grad` of the same pure function on random
programs; and a state machine mixing graph building, backward with and without retain_graph,
zero_, grad=None, in-place writes and hooks agrees with a small reference model after every step.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import compat.torch as torch
import fgrad
import fgrad.numpy as fnp

# ----- random programs ---------------------------------------------------------------------
UNARY = {
    "sin": (torch.sin, fnp.sin),
    "cos": (torch.cos, fnp.cos),
    "tanh": (torch.tanh, fnp.tanh),
    "sigmoid": (torch.sigmoid, lambda a: 1 / (1 + fnp.exp(-a))),
    "square": (torch.square, lambda a: a * a),
    "neg": (torch.neg, lambda a: -a),
    "scale": (lambda t: t * 0.5, lambda a: a * 0.5),
    "shift": (lambda t: 1.5 - t, lambda a: 1.5 - a),
}
BINARY = {
    "add": (torch.add, fnp.add),
    "sub": (torch.sub, fnp.subtract),
    "mul": (torch.mul, fnp.multiply),
    "max": (torch.maximum, fnp.maximum),
}
SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1)]

step = st.one_of(
    st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), st.integers(0, 10)),
    st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), st.integers(0, 10),
              st.integers(0, 10)),
)


def run_program(prog, inputs, lib):
    vals = list(inputs)
    for op in prog:
        if op[0] == "u":
            f = UNARY[op[1]][lib]
            vals.append(f(vals[op[2] % len(vals)]))
        else:
            f = BINARY[op[1]][lib]
            vals.append(f(vals[op[2] % len(vals)], vals[op[3] % len(vals)]))
    out = vals[-1]
    return out.sum() if lib == 0 else fnp.sum(out)


@settings(max_examples=40)
@given(
    prog=st.lists(step, min_size=1, max_size=8),
    shapes=st.tuples(st.sampled_from(SHAPES), st.sampled_from(SHAPES)),
    seed=st.integers(0, 2**16),
)
def test_grad_equals_fgrad_grad(prog, shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s) for s in shapes]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        shapes = (shapes[0], shapes[0])
        arrays = [rng.normal(size=s) for s in shapes]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    run_program(prog, ts, 0).backward()
    expected = fgrad.grad(lambda *xs: run_program(prog, xs, 1), (0, 1))(*arrays)
    for t, g in zip(ts, expected):
        got = np.zeros(t.shape) if t.grad is None else t.grad.numpy()
        assert got.shape == np.shape(g)
        np.testing.assert_allclose(got, g, rtol=1e-9, atol=1e-12)


# ----- stateful: backward / retain_graph / zero_ / in-place / hooks -------------------------
KINDS = {
    # kind: (build, derivative of sum at x0, keeps x for backward)
    "add": (lambda x: x + 2.0, lambda v: np.ones_like(v), False),
    "mul": (lambda x: x * x, lambda v: 2 * v, True),
    "sin": (lambda x: x.sin(), np.cos, True),
    "exp": (lambda x: x.exp(), np.exp, False),  # torch saves exp's result, not x
}


class Autograd(RuleBasedStateMachine):
    @initialize(v=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
    def setup(self, v):
        self.x = torch.tensor(v, dtype=torch.float64, requires_grad=True)
        self.value = np.array(v)
        self.expected = None
        self.outputs = []  # [loss tensor, kind, x0, version at build, freed]
        self.hooks = []  # (handle, factor)

    @rule(kind=st.sampled_from(sorted(KINDS)))
    def build(self, kind):
        y = KINDS[kind][0](self.x).sum()
        self.outputs.append([y, kind, self.value.copy(), self.x._version, False])

    @precondition(lambda self: self.outputs)
    @rule(i=st.integers(0, 100), retain=st.booleans())
    def backward(self, i, retain):
        out = self.outputs[i % len(self.outputs)]
        y, kind, x0, version, freed = out
        saves = KINDS[kind][2] or kind == "exp"
        if freed and saves:
            expect = "Trying to backward through the graph a second time"
        elif KINDS[kind][2] and self.x._version != version:
            expect = "one of the variables needed for gradient computation"
        else:
            expect = None
        try:
            y.backward(retain_graph=retain)
        except RuntimeError as e:
            assert expect is not None and str(e).startswith(expect), str(e)
            return
        assert expect is None
        g = KINDS[kind][1](x0)
        for _, factor in self.hooks:
            g = g * factor
        self.expected = g if self.expected is None else self.expected + g
        if not retain:
            out[4] = True

    @precondition(lambda self: self.x.grad is not None)
    @rule()
    def zero(self):
        self.x.grad.zero_()
        self.expected = np.zeros(3)

    @rule()
    def set_none(self):
        self.x.grad = None
        self.expected = None

    @rule(delta=st.floats(-1, 1))
    def inplace_under_no_grad(self, delta):
        with torch.no_grad():
            self.x.add_(delta)
        self.value = self.value + np.float64(delta)

    @rule()
    def inplace_leaf_refused(self):
        try:
            self.x.mul_(2)
        except RuntimeError as e:
            assert str(e).startswith("a leaf Variable that requires grad")
        else:
            raise AssertionError("in-place on a leaf requiring grad must fail")

    @precondition(lambda self: len(self.hooks) < 3)
    @rule(factor=st.sampled_from([2.0, -1.0, 0.5]))
    def add_hook(self, factor):
        self.hooks.append((self.x.register_hook(lambda g, f=factor: g * f), factor))

    @precondition(lambda self: self.hooks)
    @rule()
    def remove_hook(self):
        handle, _ = self.hooks.pop()
        handle.remove()

    @invariant()
    def grad_matches_model(self):
        if not hasattr(self, "x"):
            return
        assert np.allclose(self.x.detach().numpy(), self.value)
        if self.expected is None:
            assert self.x.grad is None
        else:
            np.testing.assert_allclose(self.x.grad.numpy(), self.expected, rtol=1e-12)


Autograd.TestCase.settings = settings(max_examples=30, stateful_step_count=25, deadline=None)
TestAutograd = Autograd.TestCase
