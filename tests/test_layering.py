"""The import rules of ARCHITECTURE.md ("Layers (imports point only down)"), read with ast.

Every import counts, including function-level (lazy) ones. A module may import its own layer
and those below; compat imports only fgrad's public modules; fgrad never imports compat.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# path prefix (relative to the repo) -> layer, first match wins: fgrad/jit*.py stand for
# fgrad/jit.py (jit_call.py holds the call primitive, a higher-order one), fgrad/api*.py for api
LAYERS = [
    ("fgrad/_util.py", 0), ("fgrad/tree_util.py", 0), ("fgrad/core/", 1), ("fgrad/prims/", 2),
    ("fgrad/interpreters/", 3), ("fgrad/control_flow/", 4), ("fgrad/custom_derivatives.py", 4),
    ("fgrad/checkpoint.py", 4), ("fgrad/jit_call.py", 4), ("fgrad/api", 5), ("fgrad/jit", 5),
    ("fgrad/numpy/", 6), ("fgrad/lax.py", 6), ("fgrad/scipy/", 6), ("fgrad/test_util.py", 6),
    ("fgrad/extend.py", 6),
    ("fgrad/viz.py", 6), ("fgrad/debug.py", 6),  # user-facing tools, not yet in ARCHITECTURE.md
    ("fgrad/__init__.py", 7),
]
COMPAT_MAY_IMPORT = {"fgrad", "fgrad.numpy", "fgrad.extend", "fgrad.tree_util", "fgrad.lax",
                     "fgrad.scipy", "fgrad.viz"}


def layer(rel: str):
    return next((n for prefix, n in LAYERS if rel.startswith(prefix)), None)


def module_path(name: str) -> str:
    p = name.replace(".", "/")
    return f"{p}/__init__.py" if (ROOT / p).is_dir() else f"{p}.py"


def imported_modules(path: Path):
    """Absolute names of the modules a file imports (`from pkg import sub` names pkg.sub)."""
    package = path.relative_to(ROOT).parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            mod = ".".join(x for x in (base, node.module) if x)
            for a in node.names:
                sub = f"{mod}.{a.name}"
                yield sub if (ROOT / sub.replace(".", "/")).is_dir() or (
                    ROOT / f"{sub.replace('.', '/')}.py").is_file() else mod


def test_layers():
    errors = []
    for path in sorted((ROOT / "fgrad").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        own = layer(rel)
        if own is None:
            errors.append(f"{rel} belongs to no layer; add it to ARCHITECTURE.md and LAYERS")
            continue
        for mod in imported_modules(path):
            if mod.split(".")[0] == "compat":
                errors.append(f"{rel} imports {mod}: fgrad never imports compat")
            elif mod.split(".")[0] == "fgrad" and (layer(module_path(mod)) or 0) > own:
                errors.append(f"{rel} (L{own}) imports {mod} (L{layer(module_path(mod))})")
    for path in sorted((ROOT / "compat").rglob("*.py")):
        for mod in imported_modules(path):
            public = mod in COMPAT_MAY_IMPORT or (
                mod.startswith(("fgrad.numpy.", "fgrad.scipy."))
                and not any(p.startswith("_") for p in mod.split(".")))
            if mod.split(".")[0] == "fgrad" and not public:
                errors.append(f"{path.relative_to(ROOT)} imports {mod}, not a public module")
    assert not errors, "import rules broken:\n  " + "\n  ".join(errors)
