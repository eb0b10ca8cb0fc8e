"""fgrad.scipy.stats: jax.scipy.stats's distributions (same functions, signatures and support
conventions: -inf log-densities and 0 densities outside the support), written with
fgrad.numpy and fgrad.scipy.special, so every function is differentiable and batchable."""

from fgrad.scipy.stats import (
    bernoulli,
    beta,
    binom,
    cauchy,
    chi2,
    dirichlet,
    expon,
    gamma,
    geom,
    laplace,
    logistic,
    multivariate_normal,
    norm,
    poisson,
    t,
    uniform,
)

__all__ = [
    "bernoulli", "beta", "binom", "cauchy", "chi2", "dirichlet", "expon", "gamma", "geom",
    "laplace", "logistic", "multivariate_normal", "norm", "poisson", "t", "uniform",
]
