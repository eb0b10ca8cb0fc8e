"""Errors about the user's program name the user's file and line and a concrete fix (issue 7,
item 3). compat keeps torch's exact message in str(e) and adds its account as an exception
note, which tracebacks print below the message."""

from __future__ import annotations

import traceback

import numpy as np
import pytest

import compat.torch as torch
import fgrad
import fgrad.numpy as fnp
from fgrad.core.trace import ConcretizationError, EscapedTracerError
from fgrad.custom_derivatives import CustomRuleError

HERE = rf"{__file__}:\d+"


def test_concretization_names_the_line_and_the_fixes():
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(ConcretizationError, match=HERE + r" \(f\).*fnp\.where.*lax\.cond") as e:
        fgrad.jit(f)(1.0)
    assert "static_argnums" in str(e.value)


def test_escaped_tracer_names_where_it_is_used_and_where_the_transform_ran():
    saved = []

    def f(x):
        saved.append(x)
        return x * 2

    fgrad.grad(f)(1.0)
    with pytest.raises(EscapedTracerError) as e:
        saved[0] + 1
    msg = str(e.value)
    assert msg.count(__file__) == 2  # the use, and the grad call
    assert "Return the value from the function" in msg


def test_custom_jvp_tangent_shape_names_rule_and_function_lines():
    @fgrad.custom_jvp
    def f(x):
        return fnp.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        (x,), _ = primals, tangents
        return f(x), fnp.ones(3)

    with pytest.raises(CustomRuleError) as e:
        fgrad.grad(lambda x: f(x).sum())(np.ones(2))
    msg = str(e.value)
    assert msg.count(__file__) == 2 and "f_jvp" in msg
    assert "primal f64[2] and tangent f64[3]" in msg and "Return a tangent" in msg


def test_custom_vjp_cotangent_shape_names_the_fix():
    @fgrad.custom_vjp
    def f(x):
        return fnp.sin(x)

    f.defvjp(lambda x: (f(x), x), lambda r, g: (fnp.ones(3),))
    with pytest.raises(CustomRuleError) as e:
        fgrad.grad(lambda x: f(x).sum())(np.ones(2))
    msg = str(e.value)
    assert msg.count(__file__) == 2 and "sum the cotangent over the broadcast axes" in msg


def test_broadcast_mismatch_under_jit_names_the_line():
    def f(x):
        return (x + fnp.ones(3)).sum()

    with pytest.raises(ValueError, match=HERE + r" \(f\)\)\. Align the shapes"):
        fgrad.jit(f)(np.ones(2))


def _note(exc) -> str:
    (note,) = exc.__notes__
    assert note in "".join(traceback.format_exception(exc))  # shown by tracebacks
    return note


def test_compat_errors_keep_torch_text_and_add_line_and_fix_as_a_note():
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        x.add_(1)
    assert str(e.value) == (
        "a leaf Variable that requires grad is being used in an in-place operation."
    )
    assert __file__ in _note(e.value) and "torch.no_grad()" in _note(e.value)

    with pytest.raises(RuntimeError) as e:
        torch.ones(2).sum().backward()
    assert str(e.value) == "element 0 of tensors does not require grad and does not have a grad_fn"
    assert __file__ in _note(e.value) and "requires_grad=True" in _note(e.value)

    with pytest.raises(RuntimeError) as e:
        (x * 2).backward()
    assert str(e.value) == "grad can be implicitly created only for scalar outputs"
    assert "[2]" in _note(e.value) and "torch.ones_like(y)" in _note(e.value)

    y = x * x
    z = y * y
    y.add_(1)
    with pytest.raises(RuntimeError) as e:
        z.sum().backward()
    assert str(e.value).startswith("one of the variables needed for gradient computation")
    assert _note(e.value).count(__file__) == 2 and ".clone()" in _note(e.value)
