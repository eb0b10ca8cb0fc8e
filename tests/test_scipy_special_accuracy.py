"""fgrad.scipy.special against mpmath at 40 digits: the accuracy fgrad claims for its own
kernels (~1e-15 relative, a few ulp)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from special_checks import assert_close, check_grads, geom, neg_nonint

import fgrad
import fgrad.scipy.special as fs

warnings.filterwarnings("ignore", category=RuntimeWarning)

mp = pytest.importorskip("mpmath")
mp.mp.dps = 40


def _mp_ref(fn, *args):
    args = np.broadcast_arrays(*[np.asarray(a, np.float64) for a in args])
    flat = [fn(*[mp.mpf(float(v)) for v in vals]) for vals in zip(*[a.ravel() for a in args])]
    return np.array([float(v) for v in flat]).reshape(args[0].shape), args


def _log_ndtr_mp(x):
    return mp.log(mp.ncdf(x)) if x < 0 else mp.log1p(-mp.ncdf(-x))


def _ndtri_mp(p):
    if p > 1e-10:
        return mp.sqrt(2) * mp.erfinv(2 * p - 1)
    return mp.findroot(lambda x: mp.log(mp.ncdf(x)) - mp.log(p), -mp.sqrt(-2 * mp.log(p)))


# name: (fgrad function, mpmath function, arguments, rtol)
MP_CASES = {
    "erf": (fs.erf, mp.erf, (np.linspace(-6, 6, 151),), 1e-15),
    "erfc": (fs.erfc, mp.erfc, (np.linspace(-6, 27, 151),), 1e-15),
    "erfcx": (fs.erfcx, lambda x: mp.exp(x * x) * mp.erfc(x), (np.linspace(-20, 40, 151),),
              1e-15),
    "erfinv": (fs.erfinv, mp.erfinv, (np.concatenate([np.linspace(-0.99, 0.99, 101),
                                                       1 - geom(1e-15, 0.01, 30)]),), 1e-15),
    "ndtr": (fs.ndtr, mp.ncdf, (np.linspace(-38, 8, 151),), 1e-15),
    "log_ndtr": (fs.log_ndtr, _log_ndtr_mp, (np.concatenate([np.linspace(-60, 30, 151),
                                                              -geom(60, 1e100, 20)]),), 1e-15),
    "ndtri": (fs.ndtri, _ndtri_mp, (np.concatenate([np.linspace(0.01, 0.99, 99),
                                                     geom(1e-300, 0.01, 40)]),), 1e-15),
    "gammaln": (fs.gammaln, mp.loggamma, (np.concatenate([
        np.linspace(0.05, 12, 151), geom(1e-100, 1e100, 40), 1 + geom(1e-12, 0.1, 10),
        1 - geom(1e-12, 0.1, 10), 2 + geom(1e-12, 0.1, 10), 2 - geom(1e-12, 0.1, 10)]),),
        1e-15),
    "gamma": (fs.gamma, mp.gamma, (np.concatenate([np.linspace(0.05, 170, 151),
                                                    neg_nonint(0.05, 60, 97)]),), 1e-15),
    "digamma": (fs.digamma, mp.digamma, (np.concatenate([np.linspace(0.05, 12, 151),
                                                          geom(1e-100, 1e100, 40)]),), 1e-15),
    "polygamma": (fs.polygamma, lambda n, x: mp.polygamma(int(n), x),
                  (np.array([1, 2, 5])[:, None], geom(0.01, 1e4, 40)[None]), 1e-15),
    "zeta": (fs.zeta, mp.zeta, (np.array([1.5, 2, 3.3, 10])[:, None], geom(0.01, 1e3, 30)[None]),
             1e-15),
    "betaln": (fs.betaln, lambda a, b: mp.log(mp.beta(a, b)),
               (geom(1e-3, 1e6, 14)[:, None], geom(1e-3, 1e6, 15)[None]), 1e-14),
    "gammainc": (fs.gammainc, lambda a, x: mp.gammainc(a, 0, x, regularized=True),
                 (geom(1e-2, 300, 12)[:, None], geom(1e-2, 500, 13)[None]), 1e-13),
    "gammaincc": (fs.gammaincc, lambda a, x: mp.gammainc(a, x, mp.inf, regularized=True),
                  (geom(1e-2, 300, 12)[:, None], geom(1e-2, 500, 13)[None]), 1e-13),
    "i0e": (fs.i0e, lambda x: mp.besseli(0, x) * mp.exp(-abs(x)), (np.linspace(-45, 45, 151),),
            2e-15),
    "i1e": (fs.i1e, lambda x: mp.besseli(1, x) * mp.exp(-abs(x)), (np.linspace(-45, 45, 151),),
            2e-15),
    "betainc": (fs.betainc, lambda a, b, x: mp.betainc(a, b, 0, x, regularized=True),
                (np.array([0.05, 0.7, 3.0, 40.0])[:, None, None],
                 np.array([0.05, 0.7, 3.0, 40.0])[None, :, None],
                 np.array([1e-6, 0.05, 0.3, 0.5, 0.7, 0.95, 1 - 1e-6])[None, None]), 2e-13),
    "kl_div": (fs.kl_div, lambda p, q: p * mp.log(p / q) - p + q,
               (np.linspace(0.05, 3, 25)[:, None], np.linspace(0.1, 3, 23)[None]), 1e-14),
}


@pytest.mark.parametrize("name", sorted(MP_CASES))
def test_accuracy_vs_mpmath(name):
    """Relative error against 40-digit references: ~1e-15 (a few ulp). gammainc's tolerance
    is its conditioning: a relative perturbation eps of a or x moves P(a, x) by ~|log P| eps."""
    f, ref_fn, args, rtol = MP_CASES[name]
    want, args = _mp_ref(ref_fn, *args)
    assert_close(f(*args), want, rtol, 0, name)


def test_gammainc_derivative_in_a():
    """dP/da (forward-mode derivative of P's own algorithms) against mpmath (differentiating
    the upper function where P is close to 1, which 40 digits could not resolve), first-order
    check_grads in a, and the clear error for the second derivative in a (JAX has none)."""
    a = np.array([0.05, 0.7, 2.0, 9.0, 30.0, 300.0])[:, None]
    x = np.array([0.01, 0.5, 2.5, 12.0, 60.0, 400.0])[None]
    a, x = np.broadcast_arrays(a, x)

    def ref(a, x):
        if x < a:
            return mp.diff(lambda t: mp.gammainc(t, 0, x, regularized=True), a)
        return -mp.diff(lambda t: mp.gammainc(t, x, mp.inf, regularized=True), a)

    want, _ = _mp_ref(ref, a, x)
    assert_close(fgrad.vmap(fgrad.grad(fs.gammainc))(a.ravel(), x.ravel()), want.ravel(),
                  3e-13, 1e-300, "dP/da")
    assert_close(fgrad.vmap(fgrad.grad(fs.gammaincc))(a.ravel(), x.ravel()), -want.ravel(),
                  3e-13, 1e-300, "dQ/da")
    if check_grads is not None:
        check_grads(fs.gammainc, (np.array([0.5, 3.0, 20.0]), np.array([0.7, 2.0, 26.0])), 1)
        check_grads(lambda x: fgrad.grad(fs.gammainc)(2.5, x), (np.array(1.5),), order=1)
    with pytest.raises(NotImplementedError, match="second derivative"):
        fgrad.grad(fgrad.grad(fs.gammainc))(2.0, 1.0)
    with pytest.raises(ValueError, match="order n"):
        fgrad.grad(lambda n: fs.polygamma(n, np.array(2.0)))(1.0)


