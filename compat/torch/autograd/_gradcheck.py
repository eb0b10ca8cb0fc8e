"""gradcheck / gradgradcheck: compat's backward against central finite differences, the way
torch checks a function's analytical Jacobian (float64 inputs recommended)."""

from __future__ import annotations

import numpy as np

from compat.torch import _engine
from compat.torch import _tensor as _t

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    pass


def _outputs(out):
    return (out,) if isinstance(out, _t.Tensor) else tuple(out)


def _numerical(func, inputs, i, eps):
    x = inputs[i]
    base = x._data
    cols = []
    for k in range(base.size):
        vals = []
        for sign in (1, -1):
            d = base.copy()
            d.reshape(-1)[k] += sign * eps
            args = list(inputs)
            args[i] = _t.make_tensor(d, x._requires_grad)
            vals.append([np.asarray(o._data, np.float64).reshape(-1)
                         for o in _outputs(func(*args))])
        cols.append([(a - b) / (2 * eps) for a, b in zip(*vals)])
    return [np.stack([c[j] for c in cols], axis=1) if cols else None
            for j in range(len(cols[0]) if cols else 0)]


def _analytical(func, inputs, i):
    outs = _outputs(func(*inputs))
    res = []
    for o in outs:
        rows = []
        for k in range(o.numel()):
            ct = np.zeros(o._data.shape, o._data.dtype)
            ct.reshape(-1)[k] = 1
            (g,) = _engine.grad((o,), (inputs[i],), (_t.make_tensor(ct),), retain_graph=True,
                                allow_unused=True, materialize_grads=True)
            rows.append(np.asarray(g._data, np.float64).reshape(-1))
        res.append(np.stack(rows) if rows else np.zeros((0, inputs[i].numel())))
    return res


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, **_):
    inputs = (inputs,) if isinstance(inputs, _t.Tensor) else tuple(inputs)
    for i, x in enumerate(inputs):
        if not (isinstance(x, _t.Tensor) and x.requires_grad):
            continue
        num = _numerical(func, inputs, i, eps)
        ana = _analytical(func, inputs, i)
        for j, (n, a) in enumerate(zip(num, ana)):
            if not np.allclose(a, n, atol=atol, rtol=rtol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n"
                )
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **_):
    inputs = (inputs,) if isinstance(inputs, _t.Tensor) else tuple(inputs)
    outs = _outputs(func(*inputs))
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        grad_outputs = tuple(_t.make_tensor(rng.standard_normal(o._data.shape).astype(
            o._data.dtype)) for o in outs)
    diff = [x for x in inputs if isinstance(x, _t.Tensor) and x.requires_grad]

    def first_grad(*xs):
        outs = _outputs(func(*xs))
        ds = [x for x in xs if isinstance(x, _t.Tensor) and x.requires_grad]
        return _engine.grad(outs, ds, grad_outputs, create_graph=True, allow_unused=True,
                            materialize_grads=True)

    _ = diff
    return gradcheck(first_grad, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
