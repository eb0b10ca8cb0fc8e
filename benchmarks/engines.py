"""Engine loading.

An engine is a ``Backend``: the autodiff module, its numpy-like module and how to move data in
and results out. fgrad and JAX go through one constructor, ``make_jaxlike_engine``, so the code
that benchmarks fgrad is the same code that is validated against JAX.
Imports are lazy: a missing optional engine becomes a SKIP with a note, never a crash.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from benchmarks.run import ENGINE_NAMES


class EngineUnavailable(Exception):
    """Raised by a loader when an engine cannot run here; the message becomes the SKIP note."""


@dataclass
class Backend:
    """Everything the runner and the workload builders need to know about one engine."""

    name: str
    family: str  # "numpy" | "jaxlike" | "autograd" | "torch"
    jit: bool = False
    ad: Any = None  # fgrad / jax / autograd / torch
    xnp: Any = None  # fgrad.numpy / jax.numpy / autograd.numpy
    version: str = ""
    block: Callable[[Any], Any] = field(default=lambda out: out)
    leaf_to_numpy: Callable[[Any], np.ndarray] = np.asarray

    def missing(
        self, needs: tuple[str, ...], np_needs: tuple[str, ...], jit_needs: tuple[str, ...]
    ) -> list[str]:
        """Names a workload uses that this engine lacks (fgrad is being written incrementally)."""
        if self.family not in ("jaxlike", "autograd"):
            return []
        needs = needs + (jit_needs if self.jit else ())
        ad_name = self.ad.__name__
        out = [f"{ad_name}.{n}" for n in needs if not hasattr(self.ad, n)]
        out += [f"{self.xnp.__name__}.{n}" for n in np_needs if not hasattr(self.xnp, n)]
        if self.family == "autograd":  # autograd has no jit/vmap/make_jaxpr; workloads adapt
            out = [m for m in out if m.split(".")[-1] not in ("vmap", "make_jaxpr", "jit")]
        return out


def make_jaxlike_engine(
    name: str,
    ad: Any,
    np_module: Any,
    jit: bool,
    block: Callable[[Any], Any] | None = None,
) -> Backend:
    """Wrap any module pair with JAX's API (``ad.grad``, ``ad.jit``, ... and a numpy namespace).

    ``block`` forces asynchronous results to be computed before the clock stops; by default
    ``ad.block_until_ready`` is used when the module has it.
    """
    if block is None:
        block = getattr(ad, "block_until_ready", None) or (lambda out: out)
    return Backend(
        name=name,
        family="jaxlike",
        jit=jit,
        ad=ad,
        xnp=np_module,
        version=str(getattr(ad, "__version__", "")),
        block=block,
    )


def _import(module: str, engine: str) -> Any:
    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or any error raised while an in-progress lib loads
        raise EngineUnavailable(f"{engine}: import {module} failed ({type(exc).__name__}: {exc})")


def _load_fgrad(name: str) -> Backend:
    ad = _import("fgrad", name)
    fnp = _import("fgrad.numpy", name)
    return make_jaxlike_engine(name, ad, fnp, jit=name.endswith("_jit"))


def _load_jax(name: str) -> Backend:
    jax = _import("jax", name)
    jax.config.update("jax_enable_x64", True)  # float64, like fgrad and the numpy floor
    jnp = _import("jax.numpy", name)
    return make_jaxlike_engine(
        name, jax, jnp, jit=name.endswith("_jit"), block=jax.block_until_ready
    )


def _load_autograd(name: str) -> Backend:
    ag = _import("autograd", name)
    anp = _import("autograd.numpy", name)
    try:
        from importlib.metadata import version

        ver = version("autograd")
    except Exception:
        ver = ""
    return Backend(name=name, family="autograd", ad=ag, xnp=anp, version=ver)


def _load_torch(name: str) -> Backend:
    torch = _import("torch", name)
    torch.set_default_dtype(torch.float64)
    return Backend(
        name=name,
        family="torch",
        ad=torch,
        version=f"{torch.__version__} ({torch.get_num_threads()} threads)",
        leaf_to_numpy=lambda t: t.detach().cpu().numpy() if hasattr(t, "detach") else np.asarray(t),
    )


def load_engine(name: str) -> Backend:
    """Load one engine by name, raising EngineUnavailable with a human-readable reason."""
    if name == "numpy":
        return Backend(name="numpy", family="numpy", version=np.__version__)
    if name in ("fgrad", "fgrad_jit"):
        return _load_fgrad(name)
    if name in ("jax", "jax_jit"):
        return _load_jax(name)
    if name == "autograd":
        return _load_autograd(name)
    if name == "torch":
        return _load_torch(name)
    raise EngineUnavailable(f"unknown engine {name!r}; choose from {', '.join(ENGINE_NAMES)}")
