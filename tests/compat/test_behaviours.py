"""Each case of torch_cases.py prints, through compat.torch, exactly what torch 2.13 printed
(torch_expected.py holds those outputs, generated once from a real torch). Where torch is
installed the same cases also run against it live."""

from __future__ import annotations

import pytest
from torch_cases import CASES, run_case
from torch_expected import EXPECTED

import compat.torch as torch


@pytest.mark.parametrize("name", sorted(CASES))
def test_prints_what_torch_prints(name):
    assert run_case(torch, name) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_live_torch(name):
    real = pytest.importorskip("torch")
    assert run_case(torch, name) == run_case(real, name)
