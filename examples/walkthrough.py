"""From tracing to transpose, in the order fgrad does it, with a picture of each step.

1. Tracing: calling f on tracers records each primitive as an equation: a jaxpr.
2. jvp: the same function run on (primal, tangent) pairs; its jaxpr has the tangent equations.
3. linearize: partial evaluation keeps only the tangent equations, a linear jaxpr.
4. transpose: running that linear jaxpr backwards gives the vjp, i.e. reverse mode.

Run `python examples/walkthrough.py [output_dir]`; it writes one HTML picture per step.
"""

import os
import sys
import tempfile

import numpy as np

import fgrad
import fgrad.numpy as fnp
from fgrad import viz


def f(x):
    return fnp.sum(fnp.tanh(x) * x)


x = np.array([0.5, -1.0, 2.0])
out_dir = sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="fgrad_walkthrough_")


def save(name, jaxpr, values=None):
    path = os.path.join(out_dir, f"{name}.html")
    with open(path, "w") as fh:
        fh.write(viz.to_html(jaxpr, values, title=name))
    print(f"--- {name}: {len(jaxpr.eqns)} equations -> {path}")
    print(jaxpr)


# 1. tracing: the jaxpr of f, pictured with the values of one evaluation
traced = fgrad.make_jaxpr(f)(x)
save("1_trace", traced, values=(x,))

# 2. forward mode: jvp pushes a tangent alongside each primal
jvp_jaxpr = fgrad.make_jaxpr(lambda x, t: fgrad.jvp(f, (x,), (t,)))(x, np.ones(3))
save("2_jvp", jvp_jaxpr)

# 3. linearize: only the tangent (linear) part remains, with residuals as constants
y, f_lin = fgrad.linearize(f, x)
save("3_linearized", f_lin.jaxpr)

# 4. transpose: the linear map run backwards is the vjp; its jaxpr is the backward pass
vjp_jaxpr = fgrad.make_jaxpr(lambda x: fgrad.vjp(f, x)[1](1.0))(x)
save("4_vjp", vjp_jaxpr)

(g,) = fgrad.vjp(f, x)[1](1.0)
assert np.allclose(g, fgrad.grad(f)(x))
assert np.allclose(f_lin(np.ones(3)), g.sum())  # <grad, ones> = directional derivative
print("gradient:", g)
