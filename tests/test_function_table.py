"""The README's function table lists exactly what fgrad exports, and fgrad covers every function
that HIPS autograd differentiates (issue 4).

Regenerate the table after adding functions: `python tests/test_function_table.py --write`.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- function-table:start (python tests/test_function_table.py --write) -->"
END = "<!-- function-table:end -->"

MODULES = [
    "fgrad.numpy",
    "fgrad.numpy.linalg",
    "fgrad.numpy.fft",
    "fgrad.scipy.special",
    "fgrad.scipy.stats",
    "fgrad.scipy.linalg",
    "fgrad.scipy.signal",
    "fgrad.scipy.integrate",
]

# Every function autograd 1.9.1 registers a derivative for (autograd.core.primitive_vjps),
# by the module it is found in; `astype` is an array method there and here.
AUTOGRAD = {
    "fgrad.numpy": """
        absolute add amax amin angle arccos arccosh arcsin arcsinh arctan arctan2 arctanh array
        array_split atleast_1d atleast_2d atleast_3d broadcast_to clip concatenate conjugate cos
        cosh cross cumsum deg2rad degrees diag diagonal diff divide dot dsplit einsum exp exp2
        expand_dims expm1 fabs fliplr flipud fmax fmin full gradient hsplit hypot imag inner kron
        linspace log log10 log1p log2 logaddexp logaddexp2 matmul max maximum mean min minimum
        moveaxis multiply nan_to_num negative outer pad partition power prod rad2deg radians
        ravel real real_if_close reciprocal remainder repeat reshape roll rollaxis rot90 sin sinc
        sinh sort split sqrt square squeeze std subtract sum swapaxes tan tanh tensordot tile
        trace transpose tril triu var vsplit where""",
    "fgrad.numpy.linalg": "cholesky det eig eigh inv norm pinv slogdet solve svd",
    "fgrad.numpy.fft": """fft fft2 fftn fftshift ifft ifft2 ifftn ifftshift irfft irfft2 irfftn
        rfft rfft2 rfftn""",
    "fgrad.scipy.special": """beta betainc betaln digamma erf erfc erfcinv erfinv expit gamma
        gammainc gammaincc gammaln gammasgn i0 i1 iv ive j0 j1 jn jv logit logsumexp
        multigammaln polygamma psi rgamma y0 y1 yn""",
    "fgrad.scipy.stats": """norm.pdf norm.cdf norm.logpdf norm.logcdf norm.sf norm.logsf t.pdf
        t.cdf t.logpdf t.logcdf gamma.pdf gamma.cdf gamma.logpdf beta.pdf beta.cdf beta.logpdf
        poisson.pmf poisson.logpmf poisson.cdf chi2.pdf chi2.cdf chi2.logpdf dirichlet.pdf
        dirichlet.logpdf multivariate_normal.pdf multivariate_normal.logpdf
        multivariate_normal.entropy""",
    "fgrad.scipy.linalg": "solve_banded solve_sylvester solve_triangular sqrtm",
    "fgrad.scipy.signal": "convolve",
    "fgrad.scipy.integrate": "odeint",
}


def _is_function(obj) -> bool:
    return callable(obj) and not isinstance(obj, type)


def public_functions(modname: str) -> list[str]:
    """The functions a module exports (its __all__, or its public callables); for
    fgrad.scipy.stats, `distribution.function` for each distribution module."""
    mod = importlib.import_module(modname)
    if modname == "fgrad.scipy.stats":
        out = []
        for dist in _exported(mod):
            sub = getattr(mod, dist)
            if isinstance(sub, types.ModuleType):
                out += [f"{dist}.{n}" for n in _exported(sub) if _is_function(getattr(sub, n))]
        return sorted(out)
    return sorted(n for n in _exported(mod) if _is_function(getattr(mod, n)))


def _exported(mod) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:
        names = [n for n in vars(mod) if not n.startswith("_")]
    return list(names)


def render() -> str:
    lines = [START, "", "| module | functions | |", "|---|---:|---|"]
    for modname in MODULES:
        try:
            names = public_functions(modname)
        except ImportError:
            continue
        listed = ", ".join(f"`{n}`" for n in names)
        lines.append(f"| `{modname}` | {len(names)} | {listed} |")
    lines += ["", END]
    return "\n".join(lines)


def readme_block() -> str:
    text = README.read_text()
    m = re.search(re.escape(START) + r".*?" + re.escape(END), text, re.S)
    assert m, f"README.md has no function table between {START!r} and {END!r}"
    return m.group(0)


def test_readme_table_lists_exactly_the_exported_functions():
    assert readme_block() == render(), (
        "README.md's function table is out of date: run `python tests/test_function_table.py "
        "--write`"
    )


def test_every_function_autograd_differentiates_is_here():
    missing = []
    for modname, names in AUTOGRAD.items():
        try:
            have = set(public_functions(modname))
        except ImportError:
            have = set()
        missing += [f"{modname}.{n}" for n in names.split() if n not in have]
    assert not missing, f"autograd differentiates these and fgrad lacks them: {missing}"


if __name__ == "__main__":
    if "--write" in sys.argv:
        text = README.read_text()
        if START in text:
            text = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda _: render(),
                          text, flags=re.S)
        else:
            text = text.rstrip("\n") + "\n\n## Functions\n\n" + render() + "\n"
        README.write_text(text)
    else:
        print(render())
