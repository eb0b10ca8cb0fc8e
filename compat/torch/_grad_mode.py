"""Grad mode: whether ops record graph nodes. The one piece of global state of compat.

A ContextVar (not a module flag) so that threads and asyncio tasks each have their own mode,
as torch's thread-local grad mode does. The value is a pair (grad enabled, inference mode).
"""

from __future__ import annotations

import functools
from contextvars import ContextVar

__all__ = [
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
]

_MODE: ContextVar[tuple[bool, bool]] = ContextVar("compat_torch_grad_mode", default=(True, False))
_get = _MODE.get


def is_grad_enabled() -> bool:
    return _get()[0]


def is_inference_mode_enabled() -> bool:
    return _get()[1]


class _Mode:
    """Base of the grad-mode managers: usable with `with` and as a decorator, like torch's."""

    _target: tuple[bool, bool]

    def __enter__(self):
        self._token = _MODE.set(self._target)
        return None

    def __exit__(self, *exc):
        _MODE.reset(self._token)
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(*self._args):
                return func(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__(*self._args)


class no_grad(_Mode):
    def __init__(self):
        self._args = ()
        self._target = (False, _get()[1])

    def __enter__(self):
        self._target = (False, _get()[1])
        return super().__enter__()


class enable_grad(_Mode):
    def __init__(self):
        self._args = ()

    def __enter__(self):
        self._target = (True, _get()[1])
        return super().__enter__()


class set_grad_enabled(_Mode):
    """Takes effect on construction (torch's function-call form) as well as in `with`."""

    def __init__(self, mode: bool):
        self._args = (bool(mode),)
        self._prev = _get()
        self._target = (bool(mode), self._prev[1])
        _MODE.set(self._target)

    def __enter__(self):
        self._token = None
        return None

    def __exit__(self, *exc):
        _MODE.set(self._prev)
        return False

    def __call__(self, func):
        _MODE.set(self._prev)
        return super().__call__(func)


class inference_mode(_Mode):
    """no_grad that also marks the tensors it creates as inference tensors."""

    def __init__(self, mode: bool = True):
        self._args = (bool(mode),)
        self.mode = bool(mode)

    def __enter__(self):
        self._target = (False, True) if self.mode else (_get()[0], False)
        return super().__enter__()
