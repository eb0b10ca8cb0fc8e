"""Per-example gradients with vmap(grad): one gradient per data point, in one batched call.

Useful for differential privacy (clip each example's gradient) and for gradient-noise
statistics; a loop over examples would run the model once per example.
"""

import numpy as np

import fgrad
import fgrad.numpy as fnp


def loss(w, x, y):
    """Squared error of a linear model on one example."""
    return (fnp.dot(x, w) - y) ** 2


rng = np.random.default_rng(0)
X = rng.normal(size=(8, 3))
w_true = np.array([1.0, -2.0, 0.5])
Y = X @ w_true + 0.1 * rng.normal(size=8)
w = np.zeros(3)

per_example = fgrad.vmap(fgrad.grad(loss), in_axes=(None, 0, 0))(w, X, Y)
print("per-example gradients, shape", per_example.shape)
print(per_example)

loop = np.stack([fgrad.grad(loss)(w, x, y) for x, y in zip(X, Y)])
assert np.allclose(per_example, loop)

# clip each example's gradient to norm 1 and average: DP-SGD's core step
norms = np.linalg.norm(per_example, axis=1, keepdims=True)
clipped = per_example / np.maximum(norms, 1.0)
print("clipped mean gradient:", clipped.mean(axis=0))
