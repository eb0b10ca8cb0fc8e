"""fgrad in one page: the reference tutorial's examples (../shared/SEED.md), in functional form.

torch computes y = (x + w) * (w + 1) and calls y.backward(); fgrad differentiates the function
itself, so each derivative is a call, and nested calls give higher derivatives.
"""

import numpy as np

import fgrad
import fgrad.numpy as fnp


def y(w, x):
    a = x + w  # a = x + w
    b = w + 1  # b = w + 1
    return a * b  # y = a * b


# dy/dw = b + a = 2 + 3 = 5 and dy/dx = b = 2 at w = 1, x = 2.
dy_dw, dy_dx = fgrad.grad(y, argnums=(0, 1))(1.0, 2.0)
print("dy/dw =", dy_dw, " dy/dx =", dy_dx)


# Two outputs weighted by a cotangent (torch's `gradient=` argument): y0 = a * b, y1 = a + b,
# loss = stack([y0, y1]) pulled back with [1, 1] gives 5 + 2 = 7 for w and 2 + 1 = 3 for x.
def two_outputs(w, x):
    a, b = x + w, w + 1
    return fnp.stack([a * b, a + b])


loss, pullback = fgrad.vjp(two_outputs, 1.0, 2.0)
gw, gx = pullback(np.array([1.0, 1.0]))
print("loss =", loss, " weighted grads:", gw, gx)


# Higher order: d/dx x**2 = 2x = 6 at x = 3, and d2/dx2 = 2.
square = lambda x: x**2  # noqa: E731
print("first derivative:", fgrad.grad(square)(3.0))
print("second derivative:", fgrad.grad(fgrad.grad(square))(3.0))

# The IR behind it: the gradient of y as a jaxpr.
print(fgrad.make_jaxpr(fgrad.grad(y))(1.0, 2.0))
