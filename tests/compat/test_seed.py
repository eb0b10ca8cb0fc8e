"""shared/SEED.md, the user's reference tutorial: every example prints exactly what torch 2.13
printed (pasted below from a real run), through `import compat.torch as torch`."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys
from pathlib import Path

import pytest

import compat.torch as torch

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "seed_tutorial.py"


def _load():
    spec = importlib.util.spec_from_file_location("seed_tutorial", _EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["seed_tutorial"] = mod
    spec.loader.exec_module(mod)
    return mod


seed = _load()


def _run(fn, module=torch) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        fn(module)
    return buf.getvalue()


def test_backward_section():
    assert _run(seed.section_backward) == "tensor([5.]) tensor([2.])\ntensor([7.]) tensor([3.])\n"


def test_grad_section_create_graph():
    assert _run(seed.section_grad) == (
        "(tensor([6.], grad_fn=<MulBackward0>),)\n(tensor([2.], grad_fn=<MulBackward0>),)\n"
    )


def test_things_to_note():
    assert _run(seed.section_notes) == (
        "tensor([5.]) tensor([2.])\n" * 4
        + "tensor([5.])\ntensor([10.])\ntensor([15.])\ntensor([20.])\n"
        + "True True True\n"
        + "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation.\n"
        + "False\nTrue tensor([3.])\n"
    )


def test_retain_graph_allows_second_backward_and_accumulates():
    w = torch.tensor([1.0], requires_grad=True)
    x = torch.tensor([2.0], requires_grad=True)
    y = torch.mul(torch.add(w, x), torch.add(w, 1))
    y.backward(retain_graph=True)
    y.backward()
    assert repr((w.grad, x.grad)) == "(tensor([10.]), tensor([4.]))"


def test_example_script_runs():
    out = _run(seed.main)
    assert out.splitlines()[0] == "tensor([5.]) tensor([2.])"


def test_same_output_as_real_torch():
    real = pytest.importorskip("torch")
    assert _run(seed.main) == _run(seed.main, real)
