"""Text rendering of tensors that matches torch 2.x ``repr`` character for character.

People paste printed tensors into doctests, bug reports and notebooks and compare them with what
real torch printed, so this module aims for exact agreement with torch's default print options
rather than for its own idea of pretty output. Every value arrives as a plain numpy array plus the
torch dtype name it stands for; nothing here knows about autograd beyond the two suffixes that
``repr`` shows.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["DTYPE_ALIASES", "format_str", "format_tensor"]

# Canonical torch dtype names that numpy can hold, so the digits come out as they would for a
# tensor of that dtype (float32 rounding decides whether 1e-4 prints in scientific notation).
_NUMPY_DTYPES: dict[str, type[np.generic]] = {
    "bool": np.bool_,
    "uint8": np.uint8,
    "uint16": np.uint16,
    "uint32": np.uint32,
    "uint64": np.uint64,
    "int8": np.int8,
    "int16": np.int16,
    "int32": np.int32,
    "int64": np.int64,
    "float16": np.float16,
    "float32": np.float32,
    "float64": np.float64,
    "complex64": np.complex64,
    "complex128": np.complex128,
}

# torch accepts these spellings as attributes (torch.long, torch.double, ...) but always prints
# the canonical name, so callers may pass either and the suffix still reads like torch's.
DTYPE_ALIASES: dict[str, str] = {
    "half": "float16",
    "float": "float32",
    "double": "float64",
    "short": "int16",
    "int": "int32",
    "long": "int64",
    "cfloat": "complex64",
    "cdouble": "complex128",
}

_PREFIX = "tensor("


def _canonical_dtype(name: str) -> str:
    """Accept ``torch.float32``, ``float32`` or ``float`` so callers need not normalise first."""
    bare = name.removeprefix("torch.")
    bare = DTYPE_ALIASES.get(bare, bare)
    if bare not in _NUMPY_DTYPES:
        raise ValueError(f"unsupported dtype for printing: {name!r}")
    return bare


class _Options:
    """The subset of ``torch.set_printoptions`` that changes a plain CPU tensor's text."""

    __slots__ = ("edgeitems", "linewidth", "precision", "sci_mode", "threshold")

    def __init__(
        self,
        precision: int,
        sci_mode: bool | None,
        linewidth: int,
        threshold: float,
        edgeitems: int,
    ) -> None:
        self.precision = precision
        self.sci_mode = sci_mode
        self.linewidth = linewidth
        self.threshold = threshold
        self.edgeitems = edgeitems


class _Formatter:
    """Decides one common width and notation for all elements, as torch aligns columns.

    The decision looks only at nonzero finite values: zeros, infinities and NaNs neither force
    scientific notation nor widen the columns (so ``-0.0000`` can end up one character wider than
    its neighbours, exactly as in torch).
    """

    def __init__(self, sample: np.ndarray, opts: _Options) -> None:
        self.floating = sample.dtype.kind == "f"
        self.precision = opts.precision
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        if not self.floating:
            for value in sample.tolist():
                self.width = max(self.width, len(str(value)))
            return
        picked = sample[np.isfinite(sample) & (sample != 0)]
        if picked.size == 0:
            return
        magnitudes = np.abs(picked).astype(np.float64)
        smallest = float(magnitudes.min())
        largest = float(magnitudes.max())
        self.int_mode = bool(np.all(picked == np.ceil(picked)))
        if opts.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = opts.sci_mode
        values = picked.tolist()
        if self.sci_mode:
            texts = [f"{v:.{self.precision}e}" for v in values]
        elif self.int_mode:
            # The trailing "." that marks a float is appended later, so reserve room for it.
            texts = [f"{v:.0f}." for v in values]
        else:
            texts = [f"{v:.{self.precision}f}" for v in values]
        self.width = max(self.width, *(len(t) for t in texts))

    def format(self, value: float) -> str:
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{self.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{self.precision}f}"
        return text.rjust(self.width)


def _edge_sample(arr: np.ndarray, edgeitems: int) -> np.ndarray:
    """Flatten only the elements a summarised print shows, so hidden ones cannot sway widths."""
    if arr.ndim == 0:
        return arr.reshape(-1)
    if arr.ndim > 1 and edgeitems == 0:
        return arr.reshape(-1)[:0]
    rows = arr
    if arr.shape[0] > 2 * edgeitems:
        # arr[-0:] is the whole axis; torch has the same quirk for edgeitems=0 on vectors.
        rows = np.concatenate([arr[:edgeitems], arr[-edgeitems:]])
    if arr.ndim == 1:
        return rows
    return np.concatenate([_edge_sample(row, edgeitems) for row in rows])


class _Renderer:
    """Lays out nested brackets with torch's indentation, wrapping and ``...`` elision."""

    def __init__(self, arr: np.ndarray, opts: _Options, summarize: bool) -> None:
        self.opts = opts
        self.summarize = summarize

        def sample(part: np.ndarray) -> np.ndarray:
            return _edge_sample(part, opts.edgeitems) if summarize else part.reshape(-1)

        if arr.dtype.kind == "c":
            real = _Formatter(sample(arr.real), opts)
            imag = _Formatter(sample(arr.imag), opts)
            self.element_width = real.width + 2 + imag.width + 1
            self.element: Callable[[object], str] = lambda v: _complex_text(v, real, imag)
        else:
            plain = _Formatter(sample(arr), opts)
            self.element_width = plain.width + 2
            self.element = plain.format

    def render(self, arr: np.ndarray, indent: int) -> str:
        if arr.ndim == 0:
            return self.element(arr.item())
        if arr.ndim == 1:
            return self._vector(arr, indent)
        edge = self.opts.edgeitems
        if self.summarize and arr.shape[0] > 2 * edge:
            head = [self.render(arr[i], indent + 1) for i in range(edge)]
            tail = [self.render(arr[i], indent + 1) for i in range(len(arr) - edge, len(arr))]
            parts = [*head, "...", *tail]
        else:
            parts = [self.render(sub, indent + 1) for sub in arr]
        # Deeper tensors get more blank lines between blocks so the nesting stays visible.
        separator = "," + "\n" * (arr.ndim - 1) + " " * (indent + 1)
        return "[" + separator.join(parts) + "]"

    def _vector(self, arr: np.ndarray, indent: int) -> str:
        edge = self.opts.edgeitems
        per_line = max(1, (self.opts.linewidth - indent) // self.element_width)
        if self.summarize and not edge:
            items = ["..."]
        elif self.summarize and arr.shape[0] > 2 * edge:
            head = [self.element(v) for v in arr[:edge].tolist()]
            tail = [self.element(v) for v in arr[-edge:].tolist()]
            # The ellipsis is laid out like an element, so it counts towards the row length.
            items = [*head, " ...", *tail]
        else:
            items = [self.element(v) for v in arr.tolist()]
        rows = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(rows) + "]"


def _complex_text(value: object, real: _Formatter, imag: _Formatter) -> str:
    """Join the two parts so that ``-0.`` and ``nan`` imaginary parts still read as one number."""
    z = complex(value)  # type: ignore[arg-type]
    real_text = real.format(z.real)
    imag_text = (imag.format(z.imag) + "j").lstrip()
    if imag_text[0] in "+-":
        return real_text + imag_text
    return real_text + "+" + imag_text


def _append_suffixes(body: str, suffixes: list[str], indent: int, linewidth: int) -> str:
    """Put keyword suffixes on the last line while they fit, else on a new indented line."""
    pieces = [body]
    # torch counts two more than the last line's length; keep that to wrap where it wraps.
    used = len(body) - body.rfind("\n") + 1
    for suffix in suffixes:
        if used + len(suffix) + 2 > linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            used = indent + len(suffix)
        else:
            pieces.append(", " + suffix)
            used += len(suffix) + 2
    pieces.append(")")
    return "".join(pieces)


def format_tensor(
    values: np.ndarray,
    dtype_name: str,
    *,
    requires_grad: bool = False,
    grad_fn_name: str | None = None,
    default_dtype_name: str = "float32",
    precision: int = 4,
    sci_mode: bool | None = None,
    linewidth: int = 80,
    threshold: float = 1000,
    edgeitems: int = 3,
) -> str:
    """Return what ``repr(t)`` prints in torch 2.x for a strided CPU tensor holding ``values``.

    ``values`` is cast to ``dtype_name`` first, so a float64 array labelled ``float32`` prints
    the float32-rounded digits a real tensor would hold. ``default_dtype_name`` plays the role of
    ``torch.get_default_dtype()``, which decides whether a ``dtype=`` suffix is needed. The
    keyword options after it mirror ``torch.set_printoptions`` and default to torch's defaults.
    A ``grad_fn_name`` such as ``"MulBackward0"`` wins over ``requires_grad``, as in torch.
    """
    dtype = _canonical_dtype(dtype_name)
    default = _canonical_dtype(default_dtype_name)
    if _NUMPY_DTYPES[default]().dtype.kind != "f":
        raise ValueError(f"default dtype must be floating point, got {default_dtype_name!r}")
    if precision < 0 or linewidth < 1 or edgeitems < 0:
        raise ValueError("precision and edgeitems must be >= 0 and linewidth >= 1")
    opts = _Options(precision, sci_mode, linewidth, threshold, edgeitems)
    arr = np.asarray(values).astype(_NUMPY_DTYPES[dtype], copy=False)

    indent = len(_PREFIX)
    suffixes: list[str] = []
    default_complex = "complex128" if default == "float64" else "complex64"
    if arr.size == 0:
        # With no elements to look at, a reader could not tell ints from floats: torch therefore
        # names every non-default dtype here, int64 and bool included.
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype != default:
            suffixes.append(f"dtype=torch.{dtype}")
        body = "[]"
    else:
        if not edgeitems:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype not in (default, default_complex, "int64", "bool"):
            suffixes.append(f"dtype=torch.{dtype}")
        summarize = arr.size > threshold
        body = _Renderer(arr, opts, summarize).render(arr, indent)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _append_suffixes(_PREFIX + body, suffixes, indent, linewidth)


# torch's Tensor.__str__ is Tensor.__repr__, so the two stay one function under two names.
format_str = format_tensor
