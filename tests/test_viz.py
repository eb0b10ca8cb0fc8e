"""fgrad.viz: the pictures are checked by parsing them back, node for equation and edge for use."""

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import fgrad
import fgrad.numpy as fnp
from fgrad import viz
from fgrad.core.ir import Var

SVG = "{http://www.w3.org/2000/svg}"


def f(x):
    return fnp.sum(fnp.sin(x) * x**2 + 1.0)


X = np.array([0.5, 1.0, 2.0])


def jaxprs():
    return {
        "make_jaxpr": fgrad.make_jaxpr(f)(X),
        "jvp": fgrad.make_jaxpr(lambda x, t: fgrad.jvp(f, (x,), (t,)))(X, X),
        "vjp": fgrad.make_jaxpr(lambda x: fgrad.vjp(f, x)[1](1.0))(X),
        "hessian": fgrad.make_jaxpr(fgrad.hessian(f))(X),
        "jit": fgrad.make_jaxpr(fgrad.jit(f))(X),
    }


def expected_counts(closed):
    j = closed.jaxpr
    n_nodes = len(j.constvars) + len(j.invars) + len(j.eqns) + len(j.outvars)
    n_edges = sum(type(a) is Var for e in j.eqns for a in e.invars)
    n_edges += sum(type(a) is Var for a in j.outvars)
    return n_nodes, n_edges


def parse_dot(text):
    nodes = re.findall(r"^\s+(\w+) \[label=", text, re.M)
    edges = re.findall(r"^\s+(\w+) -> (\w+)", text, re.M)
    return nodes, edges


@pytest.mark.parametrize("name", list(jaxprs()))
def test_dot_matches_equations(name):
    closed = jaxprs()[name]
    text = viz.to_dot(closed)
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    nodes, edges = parse_dot(text)
    n_nodes, n_edges = expected_counts(closed)
    assert len(nodes) == n_nodes and len(set(nodes)) == n_nodes
    assert len(edges) == n_edges
    assert all(a in nodes and b in nodes for a, b in edges)
    prims = [e.prim.name for e in closed.jaxpr.eqns]
    for i, p in enumerate(prims):
        assert re.search(rf'^\s+e{i} \[label="{re.escape(p)}', text, re.M)


@pytest.mark.parametrize("name", list(jaxprs()))
def test_svg_parses_with_one_box_per_node(name):
    closed = jaxprs()[name]
    root = ET.fromstring(viz.to_svg(closed))
    groups = [g for g in root.iter(SVG + "g") if "node" in g.get("class", "").split()]
    n_nodes, n_edges = expected_counts(closed)
    assert len(groups) == n_nodes
    assert len(list(root.iter(SVG + "rect"))) == n_nodes
    assert len([p for p in root.iter(SVG + "path") if p.get("class") == "edge"]) == n_edges
    # boxes of one row never overlap
    rects = [(float(r.get("x")), float(r.get("y")), float(r.get("width")))
             for r in root.iter(SVG + "rect")]
    for i, (x1, y1, w1) in enumerate(rects):
        for x2, y2, w2 in rects[i + 1:]:
            if y1 == y2:
                assert x1 + w1 <= x2 or x2 + w2 <= x1


def test_values_and_grads_are_shown():
    closed = fgrad.make_jaxpr(f)(X)
    text = viz.to_dot(closed, values=(X,))
    assert "data [0.5, 1. , 2. ]" in text
    assert f"data {f(X):.4f}"[:10] in text
    g = fgrad.grad(f)(X)
    text = viz.to_dot(closed, values=(X,), grads={closed.jaxpr.invars[0]: g})
    assert "grad [" in text


def test_html_contains_svg_and_jaxpr():
    closed = fgrad.make_jaxpr(f)(X)
    page = viz.to_html(closed, title="f")
    assert page.startswith("<!DOCTYPE html>")
    svg = page[page.index("<svg"): page.index("</svg>") + 6]
    ET.fromstring(svg)
    assert "reduce_sum" in page and "test_viz.py" in page  # source lines in the listing


def test_not_a_jaxpr_is_refused():
    with pytest.raises(TypeError, match="make_jaxpr"):
        viz.to_dot(f)


def test_compat_graph_pictures():
    import compat.torch as torch
    from compat.torch.autograd import graph

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (a * a).sin().sum()
    y.backward()
    text = graph.to_dot(y)
    nodes, edges = parse_dot(text)
    closed = graph.to_jaxpr(y)
    assert (len(nodes), len(edges)) == expected_counts(closed)
    assert "sin" in text and "grad [" in text
    ET.fromstring(graph.to_svg(y))
    assert "<svg" in graph.to_html(y)

    b = torch.tensor([0.5, 1.5], requires_grad=True)
    (gb,) = torch.autograd.grad((b * b * b).sum(), b, create_graph=True)
    back = graph.to_dot(gb)  # the backward graph built with create_graph
    nodes, edges = parse_dot(back)
    assert (len(nodes), len(edges)) == expected_counts(graph.to_jaxpr(gb))


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")
def test_html_renders_in_chromium(tmp_path):
    page = tmp_path / "h.html"
    page.write_text(viz.to_html(fgrad.make_jaxpr(fgrad.hessian(f))(X)))
    shot = tmp_path / "h.png"
    subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox",
                    f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri()],
                   check=True, timeout=60, capture_output=True)
    assert shot.stat().st_size > 1000
