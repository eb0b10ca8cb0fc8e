"""Small helpers shared by every layer; imports nothing from fgrad."""

from __future__ import annotations

import contextlib
import os
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


_FGRAD_DIR = os.path.dirname(os.path.abspath(__file__))
# The library's own files: fgrad's package and its sibling compat package. Paths, not imports:
# fgrad never imports compat. contextlib's frames belong to `with` blocks inside the library.
_LIBRARY_DIRS = (
    _FGRAD_DIR + os.sep,
    os.path.join(os.path.dirname(_FGRAD_DIR), "compat") + os.sep,
    os.path.dirname(contextlib.__file__) + os.sep + "contextlib.py",
)


# Code objects already seen to be the library's, by id. The dict holds each code object, so
# its id cannot be reused by another object while it is a key. Only library code is kept: it
# is a fixed set of functions, so the dict stops growing once they have all been seen.
_LIBRARY_CODES: dict[int, object] = {}
# One (file, line, function) tuple per user line: the equations staged from a line share it
# (a jaxpr of 100k equations would otherwise hold 100k equal tuples). Bounded, as a user
# program may generate code at run time.
_SOURCES: dict[tuple[str, int, str], tuple[str, int, str]] = {}
_MAX_SOURCES = 1 << 16


def user_frame(skip: int = 0) -> tuple[str, int, str] | None:
    """The innermost frame outside the library: where the user wrote the operation.

    Equations and errors point there, so messages name the user's line, not ours. This runs
    once per staged operation and passes several library frames each time, so a library
    frame costs one dict lookup; only the user's frame compares file-name prefixes. `skip`
    callers above the caller are known to be the library's and are not looked at.
    """
    frame = sys._getframe(1 + skip)
    lib = _LIBRARY_CODES
    while frame is not None:
        code = frame.f_code
        if id(code) not in lib:
            if not code.co_filename.startswith(_LIBRARY_DIRS):
                info = (code.co_filename, frame.f_lineno, code.co_name)
                shared = _SOURCES.get(info)
                if shared is None:
                    if len(_SOURCES) >= _MAX_SOURCES:
                        _SOURCES.clear()
                    shared = _SOURCES[info] = info
                return shared
            lib[id(code)] = code
        frame = frame.f_back
    return None


def format_frame(info: tuple[str, int, str] | None) -> str:
    if info is None:
        return "<unknown location>"
    return f"{info[0]}:{info[1]} ({info[2]})"
