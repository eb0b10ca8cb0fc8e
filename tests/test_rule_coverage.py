"""Every primitive in fgrad.prims has every rule slot it needs, and a row in the test table.

Primitives are discovered by scanning the modules of fgrad.prims for `Primitive` instances, so
a new primitive is covered the moment it exists.
"""

import importlib
import pkgutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from prim_specs import SPEC_BY_NAME, cases, split_diff

import fgrad
import fgrad.prims
from fgrad.core.primitive import Primitive

# Primitives whose jvp applies the primitive itself to the tangent(s): reverse mode transposes
# them, so they need a transpose rule. Every other primitive gets its vjp from its jvp.
LINEAR = {
    "neg": "neg(t)",
    "add": "add(tx, ty)",
    "sub": "sub(tx, ty)",
    "mul": "bilinear: mul(tx, y) + mul(x, ty)",
    "div": "linear in the numerator: div(tx, y)",
    "dot_general": "bilinear: dot_general(tx, y) + dot_general(x, ty)",
    "select": "linear in both branches: select(p, ta, tb)",
    "convert_element_type": "convert(t) between inexact dtypes",
    "broadcast_in_dim": "broadcast_in_dim(t)",
    "reshape": "reshape(t)",
    "transpose": "transpose(t)",
    "squeeze": "squeeze(t)",
    "expand_dims": "expand_dims(t)",
    "rev": "rev(t)",
    "slice": "slice(t)",
    "pad": "jointly linear in operand and padding value: pad(tx, tv)",
    "concatenate": "concatenate(ts)",
    "reduce_sum": "reduce_sum(t)",
    "cumsum": "cumsum(t)",
    "gather": "linear in the operand: gather(t, idx)",
    "scatter_add": "jointly linear in operand and updates: scatter_add(tx, tu, idx)",
    "real": "real(t)",
    "imag": "imag(t)",
    "conj": "conj(t)",
    "complex": "jointly linear in both parts: complex(tx, ty)",
    "fft": "fft(t), of the same type and lengths",
    "triangular_solve": "linear in the right-hand side: triangular_solve(a, tb)",
    "solve": "linear in the right-hand side: solve(a, tb)",
    "expm_frechet": "linear in the direction: expm_frechet(a, te)",
    "sylvester": "linear in the right-hand side: sylvester(a, b, tc)",
}

REQUIRED = ("impl", "abstract_eval", "jvp", "batch")


def all_primitives() -> dict[str, tuple[Primitive, str]]:
    """name -> (primitive, where it is defined), for every Primitive in fgrad.prims."""
    found: dict[str, tuple[Primitive, str]] = {}
    for info in pkgutil.iter_modules(fgrad.prims.__path__):
        module = importlib.import_module(f"fgrad.prims.{info.name}")
        for attr, value in vars(module).items():
            if isinstance(value, Primitive) and value.name not in found:
                found[value.name] = (value, f"{module.__name__}.{attr}")
    return found


# modules outside fgrad.prims that define higher-order primitives (checked for the same four
# slots; they have no table rows, their own test files exercise them)
HIGHER_ORDER_MODULES = ("fgrad.control_flow", "fgrad.custom_derivatives", "fgrad.checkpoint",
                        "fgrad.jit_call", "fgrad.debug")


def _primitives_in(module_names):
    found = {}
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue
        modules = [module]
        if hasattr(module, "__path__"):
            modules += [importlib.import_module(f"{name}.{m.name}")
                        for m in pkgutil.iter_modules(module.__path__)]
        for mod in modules:
            for attr, value in vars(mod).items():
                if isinstance(value, Primitive) and value.name not in found:
                    found[value.name] = (value, f"{mod.__name__}.{attr}")
    return found


def test_higher_order_primitives_have_their_rules():
    first_order = {id(p) for p, _ in all_primitives().values()}
    missing = [
        f"{where} ('{prim.name}') has no {slot} rule"
        for prim, where in _primitives_in(HIGHER_ORDER_MODULES).values()
        if id(prim) not in first_order
        for slot in REQUIRED
        if getattr(prim, slot) is None
    ]
    assert not missing, "missing rule slots:\n  " + "\n  ".join(missing)


def test_primitives_are_discovered():
    prims = all_primitives()
    assert "sin" in prims and "dot_general" in prims, sorted(prims)


def test_every_primitive_has_its_rules():
    missing = [
        f"{where} ('{name}') has no {slot} rule"
        for name, (prim, where) in sorted(all_primitives().items())
        for slot in REQUIRED + (("transpose",) if name in LINEAR else ())
        if getattr(prim, slot) is None
    ]
    assert not missing, "missing rule slots:\n  " + "\n  ".join(missing)


def test_primitives_with_a_transpose_are_listed_linear():
    unlisted = sorted(
        name for name, (prim, _) in all_primitives().items()
        if prim.transpose is not None and name not in LINEAR
    )
    assert not unlisted, f"primitives with a transpose rule missing from LINEAR: {unlisted}"


@pytest.mark.parametrize("name", sorted(SPEC_BY_NAME))
@settings(max_examples=3)
@given(data=st.data())
def test_linear_list_is_complete(name, data):
    """A primitive that shows up in the linear part of its own linearization applies itself to
    the tangent: it is linear, and must be listed (so that its transpose is required)."""
    spec = SPEC_BY_NAME[name]
    args, params = data.draw(cases(spec, spec.grad_dtypes[0]), label="case")
    f, _, xs = split_diff(spec, args, params)
    if spec.order == 0 or not xs:
        return
    _, f_jvp = fgrad.linearize(f, *xs)
    if any(e.prim.name == name for e in f_jvp.jaxpr.eqns):
        assert name in LINEAR, f"{name}'s jvp applies {name} to the tangent; add it to LINEAR"


def test_linear_list_names_real_primitives():
    stale = sorted(set(LINEAR) - set(all_primitives()))
    assert not stale, f"LINEAR names primitives that do not exist: {stale}"


def test_every_primitive_has_a_table_row():
    missing = sorted(set(all_primitives()) - set(SPEC_BY_NAME))
    assert not missing, (
        f"primitives without a row in tests/prim_specs.py: {missing} (add one PrimSpec each: "
        "op, reference, shapes, domain, dtypes, order)"
    )
    extra = sorted(set(SPEC_BY_NAME) - set(all_primitives()))
    assert not extra, f"rows in tests/prim_specs.py for primitives that do not exist: {extra}"
