"""torch.nn: only `functional` and Parameter."""
from compat.torch.nn import functional

__all__ = ["functional"]
