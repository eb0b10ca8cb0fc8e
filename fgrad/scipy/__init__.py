"""fgrad.scipy: scipy's special functions (and, built on them, distributions) on values that
may be traced. Only numpy is needed at run time: the numerical methods are fgrad's own."""

from fgrad.scipy import integrate, linalg, signal, special, stats

__all__ = ["integrate", "linalg", "signal", "special", "stats"]
