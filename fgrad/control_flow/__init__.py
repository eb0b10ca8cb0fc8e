"""L4: control flow as higher-order primitives whose bodies are staged jaxprs."""

from fgrad.control_flow.common import ControlFlowTypeError
from fgrad.control_flow.cond import cond, cond_p, switch
from fgrad.control_flow.loops import ReverseModeWhileError, fori_loop, while_loop, while_p
from fgrad.control_flow.scan import map, scan, scan_p

__all__ = [
    "ControlFlowTypeError",
    "ReverseModeWhileError",
    "cond",
    "cond_p",
    "fori_loop",
    "map",
    "scan",
    "scan_p",
    "switch",
    "while_loop",
    "while_p",
]
