"""Newton's method with `hessian`: minimise the Rosenbrock function in a handful of steps.

Each step solves H(x) dx = -g(x); fgrad.hessian is forward-over-reverse (jacfwd of jacrev),
so one call gives the full matrix of second derivatives.
"""

import numpy as np

import fgrad


def rosenbrock(p):
    x, y = p[0], p[1]
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


grad = fgrad.jit(fgrad.grad(rosenbrock))
hess = fgrad.jit(fgrad.hessian(rosenbrock))

p = np.array([-1.2, 1.0])
for step in range(50):
    g = grad(p)
    if np.linalg.norm(g) < 1e-10:
        break
    p = p - np.linalg.solve(hess(p), g)
    print(f"step {step:2d}: p = {p}, f = {rosenbrock(p):.3e}")
assert np.allclose(p, [1.0, 1.0]), p
print("minimum at", p, "after", step, "steps")
