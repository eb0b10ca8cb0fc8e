"""fgrad.jit figures, measured side by side in one process (medians):

1. the overhead of a cached jit call (jitted one-op function minus the bare numpy op);
2. staging + code generation + compile() of a 10,000-equation function;
3. jit(value_and_grad) of the 784-512-512-10 tanh MLP with softmax cross-entropy (batch 128,
   float64) against the same forward + backward written by hand in numpy.

Run: python benchmarks/jit_overhead.py [--quick] [--single-thread]

--single-thread pins BLAS to one thread for both sides. On a shared or small machine a
multi-threaded BLAS that competes with other processes makes matmul times swing by 5-10x,
which drowns the difference being measured; both sides run the same BLAS calls either way.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

if "--single-thread" in sys.argv:  # must happen before numpy loads its BLAS
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"

import numpy as np  # noqa: E402

import fgrad  # noqa: E402
from fgrad import lax as P  # noqa: E402


def _median_time(fn, repeat: int, number: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return statistics.median(times)


def cached_call_overhead(repeat: int) -> dict:
    x = np.linspace(-1.0, 1.0, 8)
    one_op = fgrad.jit(lambda x: P.sin(x))
    identity = fgrad.jit(lambda x: x)
    two_args = fgrad.jit(lambda x, y: P.mul(x, y))
    one_op(x), identity(x), two_args(x, x)
    bare = _median_time(lambda: np.sin(x), repeat, 2000)
    jitted = _median_time(lambda: one_op(x), repeat, 2000)
    ident = _median_time(lambda: identity(x), repeat, 2000)
    bare2 = _median_time(lambda: np.multiply(x, x), repeat, 2000)
    jitted2 = _median_time(lambda: two_args(x, x), repeat, 2000)
    return {
        "np.sin (us)": bare * 1e6,
        "jit(sin) (us)": jitted * 1e6,
        "overhead one-op (us)": (jitted - bare) * 1e6,
        "jit(identity) (us)": ident * 1e6,
        "overhead two-arg mul (us)": (jitted2 - bare2) * 1e6,
    }


def _chain(n: int):
    def f(x, c):
        y = x
        for i in range(n):
            k = i % 4
            if k == 0:
                y = P.sin(y)
            elif k == 1:
                y = P.mul(y, c)
            elif k == 2:
                y = P.add(y, x)
            else:
                y = P.tanh(y)
        return y

    return f


def compile_10k(repeat: int) -> dict:
    x, c = np.linspace(-1, 1, 10), np.linspace(0.5, 1.5, 10)
    f = _chain(10_000)

    def stage_and_compile():
        lowered = fgrad.jit(f).lower(x, c)  # a fresh jit: no cache hit
        lowered.compile()
        return lowered

    lowered = stage_and_compile()
    n_eqns = len(lowered.jaxpr.eqns)
    t = _median_time(stage_and_compile, repeat)
    t_stage = _median_time(lambda: fgrad.jit(f).lower(x, c), repeat)
    return {"equations": n_eqns, "stage+compile (s)": t, "stage only (s)": t_stage}


# ----- the MLP -------------------------------------------------------------------------------

SIZES = (784, 512, 512, 10)
BATCH = 128


def mlp_data(seed: int = 2):
    r = np.random.default_rng(seed)
    params = {}
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:]), start=1):
        params[f"W{i}"] = r.normal(0.0, 1.0 / np.sqrt(fan_in), (fan_in, fan_out))
        params[f"b{i}"] = r.normal(0.0, 0.1, fan_out)
    x = r.normal(0.0, 1.0, (BATCH, SIZES[0]))
    y = np.eye(SIZES[-1])[r.integers(0, SIZES[-1], BATCH)]
    return params, x, y


def mlp_numpy(p, x, y):
    h1 = np.tanh(x @ p["W1"] + p["b1"])
    h2 = np.tanh(h1 @ p["W2"] + p["b2"])
    z = h2 @ p["W3"] + p["b3"]
    shifted = z - np.max(z, axis=1, keepdims=True)
    e = np.exp(shifted)
    s = np.sum(e, axis=1, keepdims=True)
    prob, logp = e / s, shifted - np.log(s)
    loss = -np.mean(np.sum(y * logp, axis=1))
    dz = (prob - y) / x.shape[0]
    da2 = (dz @ p["W3"].T) * (1.0 - h2 * h2)
    da1 = (da2 @ p["W2"].T) * (1.0 - h1 * h1)
    grads = {
        "W1": x.T @ da1,
        "b1": da1.sum(0),
        "W2": h1.T @ da2,
        "b2": da2.sum(0),
        "W3": h2.T @ dz,
        "b3": dz.sum(0),
    }
    return loss, grads


def _dense(h, W, b):
    """h @ W + b with the explicit broadcast fgrad.numpy would insert."""
    z = P.dot_general(h, W, (((1,), (0,)), ((), ())))
    return P.add(z, P.broadcast_in_dim(b, z.shape, (1,)))


def mlp_loss_lax(p, x, y):
    """The workload's loss written with fgrad.lax: max-shifted log-softmax, mean NLL."""
    h1 = P.tanh(_dense(x, p["W1"], p["b1"]))
    h2 = P.tanh(_dense(h1, p["W2"], p["b2"]))
    z = _dense(h2, p["W3"], p["b3"])
    m = P.broadcast_in_dim(P.reduce_max(z, (1,)), z.shape, (0,))
    shifted = P.sub(z, m)
    lse = P.log(P.reduce_sum(P.exp(shifted), (1,)))
    logp = P.sub(shifted, P.broadcast_in_dim(lse, z.shape, (0,)))
    return P.neg(P.div(P.reduce_sum(P.mul(y, logp), (0, 1)), float(z.shape[0])))


def mlp_loss_fnp(p, x, y):
    import fgrad.numpy as fnp

    h1 = fnp.tanh(x @ p["W1"] + p["b1"])
    h2 = fnp.tanh(h1 @ p["W2"] + p["b2"])
    z = h2 @ p["W3"] + p["b3"]
    shifted = z - fnp.max(z, axis=1, keepdims=True)
    logp = shifted - fnp.log(fnp.sum(fnp.exp(shifted), axis=1, keepdims=True))
    return -fnp.mean(fnp.sum(y * logp, axis=1))


def mlp(repeat: int) -> dict:
    p, x, y = mlp_data()
    out = {}
    ref_loss, ref_grads = mlp_numpy(p, x, y)
    variants = {"lax": mlp_loss_lax}
    try:
        fgrad.jit(fgrad.value_and_grad(mlp_loss_fnp))(p, x, y)
        variants["fgrad.numpy"] = mlp_loss_fnp
    except Exception as e:  # fgrad.numpy is being written alongside
        out["fgrad.numpy variant"] = f"skipped ({type(e).__name__}: {str(e)[:60]})"
    for label, loss in variants.items():
        step = fgrad.jit(fgrad.value_and_grad(loss))
        val, grads = step(p, x, y)
        assert np.allclose(val, ref_loss, rtol=1e-12)
        for k in grads:
            assert np.allclose(grads[k], ref_grads[k], rtol=1e-9, atol=1e-14), k
        t_np, t_jit = [], []
        for _ in range(repeat):  # interleaved, so drifting machine load hits both alike
            t0 = time.perf_counter()
            mlp_numpy(p, x, y)
            t1 = time.perf_counter()
            step(p, x, y)
            t2 = time.perf_counter()
            t_np.append(t1 - t0)
            t_jit.append(t2 - t1)
        a, b = statistics.median(t_np), statistics.median(t_jit)
        out[f"[{label}] numpy (ms)"] = a * 1e3
        out[f"[{label}] jit(value_and_grad) (ms)"] = b * 1e3
        out[f"[{label}] ratio"] = b / a
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    sections = [
        ("cached call", lambda: cached_call_overhead(5 if quick else 15)),
        ("10k-equation compile", lambda: compile_10k(2 if quick else 5)),
        ("MLP 784-512-512-10", lambda: mlp(20 if quick else 100)),
    ]
    for title, run in sections:
        print(f"== {title}")
        for k, v in run().items():
            print(f"  {k:40s} {v:.4g}" if isinstance(v, float) else f"  {k:40s} {v}")


if __name__ == "__main__":
    main()
