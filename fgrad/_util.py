"""Small helpers shared by every layer; imports nothing from fgrad."""

from __future__ import annotations

import sys
from typing import Any, Callable, Iterable, TypeVar

T = TypeVar("T")

__all__ = ["safe_map", "safe_zip", "split_list", "unzip2", "user_frame", "FGradError"]


class FGradError(Exception):
    """Base for fgrad's own errors, so callers can catch all of them at once."""


def safe_map(f: Callable[..., T], *seqs: Iterable[Any]) -> list[T]:
    """map that refuses sequences of unequal length, which would silently truncate."""
    lists = [list(s) for s in seqs]
    n = len(lists[0])
    for s in lists[1:]:
        if len(s) != n:
            raise ValueError(f"length mismatch: {[len(x) for x in lists]}")
    return list(map(f, *lists))


def safe_zip(*seqs: Iterable[Any]) -> list[tuple[Any, ...]]:
    lists = [list(s) for s in seqs]
    n = len(lists[0])
    for s in lists[1:]:
        if len(s) != n:
            raise ValueError(f"length mismatch: {[len(x) for x in lists]}")
    return list(zip(*lists))


def split_list(xs: list[T], sizes: Iterable[int]) -> list[list[T]]:
    out, i = [], 0
    for n in sizes:
        out.append(xs[i : i + n])
        i += n
    out.append(xs[i:])
    return out


def unzip2(pairs: Iterable[tuple[Any, Any]]) -> tuple[list[Any], list[Any]]:
    a, b = [], []
    for x, y in pairs:
        a.append(x)
        b.append(y)
    return a, b


_LIBRARY_PREFIXES = ("fgrad.", "compat.", "contextlib", "fgrad", "compat")


def user_frame() -> tuple[str, int, str] | None:
    """The innermost frame outside the library: where the user wrote the operation.

    Equations and errors point there, so messages name the user's line, not ours.
    """
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not (name.startswith(_LIBRARY_PREFIXES[:3]) or name in _LIBRARY_PREFIXES[3:]):
            code = frame.f_code
            return (code.co_filename, frame.f_lineno, code.co_name)
        frame = frame.f_back
    return None


def format_frame(info: tuple[str, int, str] | None) -> str:
    if info is None:
        return "<unknown location>"
    return f"{info[0]}:{info[1]} ({info[2]})"
