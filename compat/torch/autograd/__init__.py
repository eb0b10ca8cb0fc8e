"""torch.autograd: backward, grad, the graph module, functional transforms and gradcheck."""

from compat.torch._engine import backward, grad
from compat.torch._grad_mode import (
    enable_grad,
    inference_mode,
    no_grad,
    set_grad_enabled,
)
from compat.torch.autograd import functional, graph
from compat.torch.autograd._gradcheck import gradcheck, gradgradcheck

__all__ = [
    "backward",
    "grad",
    "enable_grad",
    "inference_mode",
    "no_grad",
    "set_grad_enabled",
    "functional",
    "graph",
    "gradcheck",
    "gradgradcheck",
]
