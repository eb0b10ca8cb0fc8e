"""fgrad.debug: NaN provenance (forward, jvp, backward, jit), debug.print, disable_jit."""

import warnings

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad.core.ir import dce_jaxpr

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def log_sum(x):
    y = fnp.log(x)  # LOG LINE
    return fnp.sum(y)


def masked_sqrt(x):
    return fnp.sum(fnp.where(x > 0, fnp.sqrt(x), 0.0))  # WHERE LINE


def safe_sqrt(x):
    mask = x > 0
    return fnp.sum(fnp.where(mask, fnp.sqrt(fnp.where(mask, x, 1.0)), 0.0))


def line_of(marker):
    src = open(__file__).read().splitlines()
    return next(i + 1 for i, s in enumerate(src) if s.rstrip().endswith(marker))


def test_forward_nan_names_primitive_and_line():
    with pytest.raises(FloatingPointError) as e:
        with fgrad.debug_nans():
            log_sum(np.array([1.0, -1.0]))
    msg = str(e.value)
    assert "NaN produced by 'log' in the forward pass" in msg
    assert f"test_debug.py:{line_of('# LOG LINE')} (log_sum)" in msg
    assert isinstance(e.value, fgrad.debug.NonFiniteError)


def test_finite_code_runs_unchanged_and_inf_only_when_asked():
    with fgrad.debug_nans():
        assert fgrad.grad(log_sum)(np.array([1.0, 2.0])).tolist() == [1.0, 0.5]
        assert np.isinf(log_sum(np.array([0.0, 1.0])))  # -inf is not a NaN
    with pytest.raises(FloatingPointError, match="Inf produced by 'log'"):
        with fgrad.debug_nans(check_infs=True):
            log_sum(np.array([0.0, 1.0]))


def test_masked_where_backward_nan_suggests_rewrite():
    x = np.array([1.0, 0.0])
    with pytest.raises(FloatingPointError) as e:
        with fgrad.debug_nans():
            fgrad.grad(masked_sqrt)(x)
    msg = str(e.value)
    assert "in the backward pass" in msg
    assert f"cotangent of the operation at {__file__}:{line_of('# WHERE LINE')}" in msg
    assert "fnp.where(mask, f(fnp.where(mask, x, safe)), other)" in msg
    with fgrad.debug_nans():  # the rewrite is clean
        assert fgrad.grad(safe_sqrt)(x).tolist() == [0.5, 0.0]


def test_jvp_phase():
    with pytest.raises(FloatingPointError, match="in a jvp"):
        with fgrad.debug_nans():
            fgrad.jvp(lambda x: fnp.sqrt(x) * 0.0, (np.array([0.0]),), (np.array([1.0]),))


def test_jit_is_rerun_to_find_the_primitive():
    with pytest.raises(FloatingPointError) as e:
        with fgrad.debug_nans():
            fgrad.jit(log_sum)(np.array([1.0, -1.0]))
    msg = str(e.value)
    assert "'log'" in msg and "inside a jitted function" in msg
    assert f":{line_of('# LOG LINE')} (log_sum)" in msg
    with pytest.raises(FloatingPointError, match="'div' in the backward pass"):
        with fgrad.debug_nans():
            fgrad.grad(fgrad.jit(masked_sqrt))(np.array([1.0, 0.0]))


def test_checker_is_scoped():
    with fgrad.debug_nans():
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.isnan(log_sum(np.array([-1.0])))


def show(x):
    fgrad.debug.print("x = {}", x)
    return x * 2.0


def test_debug_print_eager_jit_vmap_grad(capsys):
    x = np.array([1.0, 2.0])
    show(x)
    fgrad.jit(show)(x)
    fgrad.jit(show)(x)
    fgrad.vmap(show)(np.array([[1.0, 2.0], [3.0, 4.0]]))
    fgrad.grad(lambda v: show(v).sum())(x)
    fgrad.vmap(fgrad.jit(show))(np.array([[1.0], [2.0]]))
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["x = [1. 2.]"] * 3 + ["x = [1. 2.]", "x = [3. 4.]", "x = [1. 2.]",
                                            "x = [1.]", "x = [2.]"]


def test_debug_print_survives_dce():
    j = fgrad.make_jaxpr(lambda x: (fgrad.debug.print("{}", x), x + 1.0)[1])(1.0)
    assert [e.prim.name for e in dce_jaxpr(j.jaxpr).eqns] == ["debug_print", "add"]


def test_disable_jit_runs_python():
    seen = []

    @fgrad.jit
    def f(x):
        seen.append(type(x).__name__)
        return x + 1.0

    f(np.ones(2))
    with fgrad.disable_jit():
        f(np.ones(2))
        fgrad.grad(lambda x: f(x).sum())(np.ones(2))
    f(np.ones(2))
    assert seen[0] == "StagedTracer" and seen[1] == "ndarray" and len(seen) == 3
