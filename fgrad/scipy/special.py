"""fgrad.scipy.special: jax.scipy.special's functions (same signatures and conventions), on
values that may be traced.

Functions that need their own numerical method are primitives in `fgrad.prims.special` and
`fgrad.prims.bessel`; everything else here is a composition of fgrad.numpy / fgrad.lax
functions, so its derivatives come from the rules of the pieces. Where the naive composition
would overflow or produce nan derivatives, the composition is written so that it does not:
logsumexp and softmax subtract a stop_gradient'ed maximum, logit switches formulas around 1/2,
and every `where` feeds the branch it does not take a harmless stand-in input (so no nan leaks
into a gradient through the branch that was not selected).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

import fgrad.numpy as fnp
from fgrad import prims
from fgrad.custom_derivatives import custom_jvp
from fgrad.prims import bessel as _bessel
from fgrad.prims import special as _sp
from fgrad.scipy._common import promote_inexact
from fgrad.scipy._special_bessel_v import iv, jv
from fgrad.scipy._special_extra import erfcinv, rgamma

__all__ = [
    "logsumexp", "softmax", "log_softmax", "expit", "logit",
    "erf", "erfc", "erfcx", "erfinv", "ndtr", "ndtri", "log_ndtr",
    "gamma", "gammaln", "loggamma", "gammasgn", "digamma", "psi", "polygamma", "zeta",
    "multigammaln", "beta", "betaln", "betainc", "gammainc", "gammaincc", "factorial",
    "xlogy", "xlog1py", "entr", "rel_entr", "kl_div",
    "i0", "i0e", "i1", "i1e",
    "j0", "j1", "y0", "y1", "jn", "yn", "ive", "log_expit", "exprel",
    "erfcinv", "rgamma", "iv", "jv",
]


def _unary(name, prim_fn):
    def f(x):
        (x,) = promote_inexact(name, x)
        return prim_fn(x)

    f.__name__ = f.__qualname__ = name
    return f


def _binary(name, prim_fn):
    def f(x, y):
        x, y = promote_inexact(name, x, y)
        return prim_fn(x, y)

    f.__name__ = f.__qualname__ = name
    return f


erf = _unary("erf", _sp.erf)
erfc = _unary("erfc", _sp.erfc)
erfcx = _unary("erfcx", _sp.erfcx)
erfinv = _unary("erfinv", _sp.erf_inv)
ndtr = _unary("ndtr", _sp.ndtr)
ndtri = _unary("ndtri", _sp.ndtri)
log_ndtr = _unary("log_ndtr", _sp.log_ndtr)
gamma = _unary("gamma", _sp.gamma)
gammaln = _unary("gammaln", _sp.lgamma)
digamma = _unary("digamma", _sp.digamma)
psi = digamma
i0e = _unary("i0e", _sp.bessel_i0e)
i1e = _unary("i1e", _sp.bessel_i1e)
expit = _unary("expit", prims.logistic)
betaln = _binary("betaln", _sp.betaln)
gammainc = _binary("gammainc", _sp.igamma)
gammaincc = _binary("gammaincc", _sp.igammac)
xlogy = _binary("xlogy", _sp.xlogy)
xlog1py = _binary("xlog1py", _sp.xlog1py)


def polygamma(n, x):
    """psi^(n)(x), the n-th derivative of digamma. n is an integer order (non-integer or
    negative orders give nan, as in scipy); it carries no derivative."""
    (x,) = promote_inexact("polygamma", x)
    n = fnp.asarray(n)
    if fnp.result_type(n).kind not in "iufb":
        raise TypeError(f"polygamma's order n must be real, got {fnp.result_type(n).name}")
    n, x = promote_inexact("polygamma", fnp.asarray(n, dtype=fnp.result_type(x)), x)
    return _sp.polygamma(n, x)


def betainc(a, b, x):
    """The regularized incomplete beta function I_x(a, b); differentiable in x only (as in
    JAX)."""
    a, b, x = promote_inexact("betainc", a, b, x)
    return _sp.regularized_incomplete_beta(a, b, x)


def zeta(x, q=None):
    """Hurwitz's zeta(x, q) = sum_k (q + k)^-x for x > 1 (Riemann's for q = None means q = 1);
    differentiable in q only."""
    if q is None:
        q = 1.0
    x, q = promote_inexact("zeta", x, q)
    return _sp.zeta(x, q)


def _is_finite(x):
    return fnp.less(fnp.abs(x), np.inf)


def logsumexp(a, axis=None, b=None, keepdims=False, return_sign=False, where=None):
    """log(sum(b * exp(a))) without overflow: the maximum is subtracted first, under
    stop_gradient (its derivative would cancel exactly anyway), so the derivative is the
    softmax weights, computed from exp(a - max) <= 1. Entries equal to -inf, with b == 0, or
    masked out by `where` contribute nothing (and get a zero derivative); a negative sum gives
    nan unless return_sign=True, which returns (log|sum|, sign(sum))."""
    if b is None:
        (a,) = promote_inexact("logsumexp", a)
    else:
        a, b = promote_inexact("logsumexp", a, b)
        a = fnp.where(fnp.not_equal(b, 0), a, -np.inf)
    if where is not None:
        where = fnp.broadcast_to(fnp.asarray(where), fnp.shape(a))
        a = fnp.where(where, a, -np.inf)
    ndim = fnp.ndim(a)
    axes = tuple(range(ndim)) if axis is None else tuple(sorted(normalize_axis_tuple(axis, ndim)))
    if any(fnp.shape(a)[ax] == 0 for ax in axes):
        amax = np.full(tuple(1 if i in axes else s for i, s in enumerate(fnp.shape(a))),
                       -np.inf, fnp.result_type(a))
    else:
        amax = fnp.max(a, axis=axes, keepdims=True)
    amax = prims.stop_gradient(fnp.where(_is_finite(amax), amax, 0))
    e = fnp.exp(fnp.subtract(a, amax))
    if b is not None:
        e = fnp.multiply(e, b)
    s = fnp.sum(e, axis=axes, keepdims=True)
    sign = fnp.sign(s)
    out = fnp.add(fnp.log(fnp.abs(s)), amax)
    if not keepdims:
        out = fnp.squeeze(out, axis=axes)
        sign = fnp.squeeze(sign, axis=axes)
    if return_sign:
        return out, sign
    if b is not None:
        out = fnp.where(fnp.less(sign, 0), np.nan, out)
    return out


def softmax(x, axis=None):
    """exp(x) / sum(exp(x)) over `axis` (all axes for None), with the maximum subtracted first
    (under stop_gradient), so large inputs do not overflow."""
    (x,) = promote_inexact("softmax", x)
    unnormalized = fnp.exp(fnp.subtract(x, prims.stop_gradient(fnp.max(x, axis, keepdims=True))))
    return fnp.true_divide(unnormalized, fnp.sum(unnormalized, axis, keepdims=True))


def log_softmax(x, axis=None):
    """x - logsumexp(x) over `axis`, computed from the shifted x so nothing overflows."""
    (x,) = promote_inexact("log_softmax", x)
    shifted = fnp.subtract(x, prims.stop_gradient(fnp.max(x, axis, keepdims=True)))
    return fnp.subtract(shifted, fnp.log(fnp.sum(fnp.exp(shifted), axis, keepdims=True)))


def logit(x):
    """log(x / (1 - x)). Near 1/2 it is computed as log1p((2x - 1) / (1 - x)), whose
    numerator and denominator are exact there, so the result keeps its relative accuracy
    where it crosses zero; elsewhere log(x / (1 - x)) is accurate."""
    (x,) = promote_inexact("logit", x)
    mid = fnp.logical_and(fnp.greater_equal(x, 0.3), fnp.less_equal(x, 0.65))
    xm = fnp.where(mid, x, 0.5)
    xo = fnp.where(mid, 0.25, x)
    near_half = fnp.log1p(
        fnp.true_divide(fnp.subtract(fnp.multiply(2, xm), 1), fnp.subtract(1, xm))
    )
    far = fnp.log(fnp.true_divide(xo, fnp.subtract(1, xo)))
    return fnp.where(mid, near_half, far)


def gammasgn(x):
    """The sign of Gamma(x): 1 for x > 0, the sign of the zero at x = +-0, alternating between
    the poles for x < 0, nan at the poles. Piecewise constant: its derivative is zero."""
    (x,) = promote_inexact("gammasgn", x)
    x = prims.stop_gradient(x)
    fl = fnp.floor(x)
    neg = fnp.where(fnp.equal(fnp.remainder(fl, 2), 0), 1.0, -1.0)
    out = fnp.where(fnp.greater(x, 0), 1.0, fnp.where(fnp.equal(x, fl), np.nan, neg))
    out = fnp.where(fnp.equal(x, 0), fnp.sign(fnp.true_divide(1, x)), out)
    out = fnp.where(fnp.not_equal(x, x), np.nan, out)
    return fnp.asarray(out, dtype=fnp.result_type(x))


def loggamma(x):
    """scipy's loggamma on real arguments: log(Gamma(x)) for x > 0, nan for x < 0 (where
    Gamma may be negative; gammaln gives log|Gamma|)."""
    (x,) = promote_inexact("loggamma", x)
    neg = fnp.less(x, 0)
    return fnp.where(neg, np.nan, _sp.lgamma(fnp.where(neg, 1.0, x)))


def beta(a, b):
    """B(a, b) = sign * exp(betaln(a, b)), the sign from the three gamma functions."""
    a, b = promote_inexact("beta", a, b)
    sign = fnp.multiply(fnp.multiply(gammasgn(a), gammasgn(b)), gammasgn(fnp.add(a, b)))
    return fnp.multiply(sign, fnp.exp(_sp.betaln(a, b)))


def multigammaln(a, d):
    """log of the multivariate gamma function of dimension d (a static integer):
    d(d-1)/4 log(pi) + sum_{j<d} gammaln(a - j/2)."""
    if isinstance(d, (float, np.floating)) and float(d) != int(d) or int(d) < 1:
        raise ValueError(f"multigammaln needs a positive integer dimension d, got {d!r}")
    d = int(d)
    (a,) = promote_inexact("multigammaln", a)
    total = _sp.lgamma(a)
    for j in range(1, d):
        total = fnp.add(total, _sp.lgamma(fnp.subtract(a, j / 2)))
    return fnp.add(total, d * (d - 1) / 4 * float(np.log(np.pi)))


def factorial(n, exact=False):
    """Gamma(n + 1), and 0 for n < 0 (scipy's convention). exact=True is not supported:
    fgrad computes in floating point."""
    if exact:
        raise NotImplementedError("fgrad.scipy.special.factorial supports exact=False only")
    (n,) = promote_inexact("factorial", n)
    neg = fnp.less(n, 0)
    return fnp.where(neg, 0.0, _sp.gamma(fnp.add(fnp.where(neg, 0.0, n), 1)))


@custom_jvp
def _xlogx(x):
    return _sp.xlogy(x, x)


@_xlogx.defjvp
def _xlogx_jvp(primals, tangents):
    # d (x log x) = (log x + 1) dx, which is -inf at 0 (JAX's convention for entr)
    (x,), (t,) = primals, tangents
    return _xlogx(x), fnp.multiply(t, fnp.add(fnp.log(x), 1))


def entr(x):
    """-x log(x) for x > 0, 0 at 0, -inf for x < 0."""
    (x,) = promote_inexact("entr", x)
    neg = fnp.less(x, 0)
    return fnp.where(neg, -np.inf, fnp.negative(_xlogx(fnp.where(neg, 1.0, x))))


def _log_ratio(p, q):
    """log(p / q) for p, q > 0; through log1p((p - q) / q) when p and q are within a factor
    of 2 (p - q is then exact), so the result keeps relative accuracy as p / q -> 1."""
    near = fnp.less(fnp.abs(fnp.subtract(p, q)), fnp.multiply(0.5, q))
    return fnp.where(near, fnp.log1p(fnp.true_divide(fnp.subtract(p, q), q)),
                     fnp.log(fnp.true_divide(p, q)))


def rel_entr(p, q):
    """p log(p / q) for p, q > 0; 0 for p = 0, q >= 0; inf otherwise."""
    p, q = promote_inexact("rel_entr", p, q)
    both = fnp.logical_and(fnp.greater(p, 0), fnp.greater(q, 0))
    ps, qs = fnp.where(both, p, 1.0), fnp.where(both, q, 1.0)
    zero_p = fnp.logical_and(fnp.equal(p, 0), fnp.greater_equal(q, 0))
    inner = fnp.multiply(ps, _log_ratio(ps, qs))
    return fnp.where(both, inner, fnp.where(zero_p, 0.0, np.inf))


# (1 + u) log1p(u) - u = sum_{k>=2} (-1)^k u^k / (k (k - 1)), for |u| < 1/4 (28 terms)
_KL_SERIES = [(-1.0) ** k / (k * (k - 1)) for k in range(2, 30)]


def kl_div(p, q):
    """p log(p / q) - p + q for p, q > 0; q for p = 0, q >= 0; inf otherwise. Written as
    q ((1 + u) log1p(u) - u) with u = (p - q) / q, by its series where |u| < 1/4: there the
    three terms of the definition cancel to O(u^2) and would lose relative accuracy."""
    p, q = promote_inexact("kl_div", p, q)
    both = fnp.logical_and(fnp.greater(p, 0), fnp.greater(q, 0))
    ps, qs = fnp.where(both, p, 1.0), fnp.where(both, q, 1.0)
    u = fnp.true_divide(fnp.subtract(ps, qs), qs)
    small = fnp.less(fnp.abs(u), 0.25)
    us = fnp.where(small, u, 0.0)
    acc = fnp.zeros_like(us)
    for c in _KL_SERIES[::-1]:
        acc = fnp.add(fnp.multiply(acc, us), c)
    series = fnp.multiply(qs, fnp.multiply(fnp.multiply(us, us), acc))
    direct = fnp.add(fnp.subtract(fnp.multiply(ps, _log_ratio(ps, qs)), ps), qs)
    inner = fnp.where(small, series, direct)
    zero_p = fnp.logical_and(fnp.equal(p, 0), fnp.greater_equal(q, 0))
    return fnp.where(both, inner, fnp.where(zero_p, q, np.inf))


def i0(x):
    """I0(x) = exp(|x|) i0e(x)."""
    (x,) = promote_inexact("i0", x)
    return fnp.multiply(fnp.exp(fnp.abs(x)), _sp.bessel_i0e(x))


def i1(x):
    """I1(x) = exp(|x|) i1e(x)."""
    (x,) = promote_inexact("i1", x)
    return fnp.multiply(fnp.exp(fnp.abs(x)), _sp.bessel_i1e(x))


j0 = _unary("j0", _bessel.bessel_j0)
j1 = _unary("j1", _bessel.bessel_j1)
y0 = _unary("y0", _bessel.bessel_y0)
y1 = _unary("y1", _bessel.bessel_y1)


def _with_order(name, prim_fn):
    def f(n, x):
        kind = fnp.result_type(n).kind
        if kind not in "iufb":
            raise TypeError(f"{name}'s order must be real, got {fnp.result_type(n).name}")
        (x,) = promote_inexact(name, x)
        n, x = promote_inexact(name, fnp.asarray(n, dtype=fnp.result_type(x)), x)
        return prim_fn(n, x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"scipy.special.{name} for integer orders n (other orders give nan); "
                 "differentiable in x (n carries no derivative).")
    return f


jn = _with_order("jn", _bessel.bessel_jn)
yn = _with_order("yn", _bessel.bessel_yn)
ive = _with_order("ive", _bessel.bessel_ive)


@custom_jvp
def _log_expit(x):
    return fnp.negative(fnp.subtract(fnp.log1p(fnp.exp(fnp.negative(fnp.abs(x)))),
                                     fnp.minimum(x, 0)))


@_log_expit.defjvp
def _log_expit_jvp(primals, tangents):
    # d log(expit(x)) = (1 - expit(x)) dx = expit(-x) dx, exact in both tails
    (x,), (t,) = primals, tangents
    return _log_expit(x), fnp.multiply(t, _expit_neg(x))


@custom_jvp
def _expit_neg(x):
    return prims.logistic(fnp.negative(x))


@_expit_neg.defjvp
def _expit_neg_jvp(primals, tangents):
    # d expit(-x) = -expit(x) expit(-x) dx: a product of two accurate factors, where
    # logistic's own rule, ans (1 - ans), cancels to 0 in the tail
    (x,), (t,) = primals, tangents
    e = _expit_neg(x)
    return e, fnp.multiply(t, fnp.negative(fnp.multiply(prims.logistic(x), e)))


def log_expit(x):
    """log(expit(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow, and exact in both tails."""
    (x,) = promote_inexact("log_expit", x)
    return _log_expit(x)


# exprel(x) = sum_k x^k / (k+1)! for |x| < 1: 20 terms reach 1e-19
_EXPREL_SERIES = [1.0 / float(np.prod(np.arange(1.0, k + 2))) for k in range(20)]


def exprel(x):
    """(exp(x) - 1) / x, 1 at x = 0. For |x| < 1 by its Taylor series, so that derivatives do
    not cancel (expm1(x)/x differentiates to (x e^x - expm1(x)) / x^2, which loses everything
    as x -> 0); elsewhere expm1(x) / x."""
    (x,) = promote_inexact("exprel", x)
    small = fnp.less(fnp.abs(x), 1.0)
    xs = fnp.where(small, x, 0.0)
    xd = fnp.where(small, 1.0, x)
    acc = fnp.zeros_like(xs)
    for c in _EXPREL_SERIES[::-1]:
        acc = fnp.add(fnp.multiply(acc, xs), c)
    direct = fnp.where(fnp.equal(xd, np.inf), np.inf, fnp.true_divide(fnp.expm1(xd), xd))
    return fnp.where(small, acc, direct)
