"""Every example runs to completion (each checks its own result with asserts)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["walkthrough.py", "newton.py", "per_example_grads.py", "torch_training.py"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_runs(name, tmp_path):
    res = subprocess.run([sys.executable, str(ROOT / "examples" / name), str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    if name == "walkthrough.py":
        pages = sorted(p.name for p in tmp_path.glob("*.html"))
        assert pages == ["1_trace.html", "2_jvp.html", "3_linearized.html", "4_vjp.html"]
        assert "<svg" in (tmp_path / "4_vjp.html").read_text()
