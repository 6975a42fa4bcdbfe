"""The package's layers, read from the source (``ast``), and the names the notebooks use.

Layers, one direction only (a module may import its own layer and the layers to its left):

    numerics  →  text (text.py, demos.py)  →  figures (figures/*, display.py)  →  explorers

``checks`` and ``grading`` stand apart: they import no text/demos, figures or explorers.
Numerics import no matplotlib, ipywidgets, tqdm or IPython and hold no Russian text.
No allow-list: every module of ``initlab`` is classified by its path.
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "initlab"
CYRILLIC = re.compile("[\u0400-\u04ff]")
PRIVATE_APIS = ("FT2Font", "_render_glyph", "._layout(", "_lastKey", "ctypes", "_set_transform")

CHAIN = ("numerics", "text", "figures", "explorers")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def layer(name: str) -> str:
    """The layer of a module ``initlab.…`` (every module has one)."""
    parts = name.split(".")
    if len(parts) == 1:
        return "package"
    top = parts[1]
    if top in ("numerics", "figures", "explorers", "checks"):
        return top
    if top == "text" or top.startswith("demos"):
        return "text"
    if top == "display":
        return "figures"
    if top in ("grading", "_grading_guard", "_kernel"):
        return "grading"
    return "tools"           # cli, bench, authoring: commands, may use anything


MODULES = sorted(PKG.rglob("*.py"))
NAMES = {module_name(p): p for p in MODULES}


def imports(path: Path) -> set[str]:
    """Absolute names of everything ``path`` imports (relative imports resolved)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module
            out.add(mod)
            for a in node.names:                 # «from . import x»: x may be a module
                if f"{mod}.{a.name}" in NAMES:
                    out.add(f"{mod}.{a.name}")
    return out


def test_every_module_has_a_layer():
    assert {layer(n) for n in NAMES} <= set(CHAIN) | {"checks", "grading", "tools", "package"}
    assert any(layer(n) == "numerics" for n in NAMES)


@pytest.mark.parametrize("name", sorted(NAMES))
def test_imports_run_one_way(name):
    mine = layer(name)
    bad = []
    for imp in imports(NAMES[name]):
        if not imp.startswith("initlab.") or imp not in NAMES and \
                imp.rpartition(".")[0] not in NAMES:
            continue
        target = imp if imp in NAMES else imp.rpartition(".")[0]
        theirs = layer(target)
        if mine in CHAIN and theirs in CHAIN:
            if CHAIN.index(theirs) > CHAIN.index(mine):
                bad.append(f"{imp} ({theirs})")
        elif mine in CHAIN and theirs in ("tools", "checks", "grading") or mine in ("checks", "grading") and theirs in ("text", "figures", "explorers",
                                                          "tools"):
            bad.append(f"{imp} ({theirs})")
    assert not bad, f"{name} ({mine}) imports against the direction: {bad}"


@pytest.mark.parametrize("name", sorted(n for n in NAMES if layer(n) == "numerics"))
def test_numerics_are_plain_numpy(name):
    banned = ("matplotlib", "ipywidgets", "tqdm", "IPython", "PIL")
    bad = [i for i in imports(NAMES[name]) if i.split(".")[0] in banned]
    assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize("name", sorted(n for n in NAMES if layer(n) == "numerics"))
def test_numerics_hold_no_russian_text(name):
    lines = [f"{i}: {line.strip()}" for i, line in
             enumerate(NAMES[name].read_text(encoding="utf-8").splitlines(), 1)
             if CYRILLIC.search(line)]
    assert not lines, f"{name} holds Russian text (it belongs in initlab.text):\n" + \
        "\n".join(lines[:10])


@pytest.mark.parametrize("name", sorted(NAMES))
def test_no_private_library_apis(name):
    src = NAMES[name].read_text(encoding="utf-8")
    assert not [p for p in PRIVATE_APIS if p in src]


def test_no_module_is_named_after_a_chapter():
    bad = [n for n in NAMES if re.search(r"(lecture|ch\d|chapter|lesson)", n.split(".")[-1])
           and not n.startswith("initlab.checks.")]   # check modules keep handed-out names
    assert not bad


# ------------------------------------------------------------------ notebooks' names

NOTEBOOKS = sorted([*ROOT.glob("book/**/*.ipynb"), *ROOT.glob("solutions/*.ipynb"),
                    *ROOT.glob("exercises/*.ipynb")])


def _code(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    cells = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    # IPython magics (%pip …) are not Python: a «pass» at their indentation keeps the block
    return "\n".join(re.sub(r"^(\s*)[%!].*$", r"\1pass", line)
                     for c in cells for line in c.splitlines())


def _used_names(tree):
    """(alias → module) of ``initlab`` imports, and every attribute read on an alias."""
    aliases, direct = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.split(".")[0] == "initlab":
            for a in node.names:
                aliases[a.asname or a.name] = (node.module, a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "initlab":
                    aliases[a.asname or a.name.split(".")[0]] = (a.name, None)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and \
                node.value.id in aliases:
            direct.append((node.value.id, node.attr))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and \
                isinstance(node.value.value, ast.Name) and node.value.value.id in aliases:
            direct.append((f"{node.value.value.id}.{node.value.attr}", node.attr))
    return aliases, direct


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_every_initlab_name_a_notebook_uses_exists(nb):
    import importlib

    aliases, uses = _used_names(ast.parse(_code(nb)))
    objects = {}
    for alias, (module, name) in aliases.items():
        mod = importlib.import_module(module)
        if name is None:
            objects[alias] = mod
        elif hasattr(mod, name):
            objects[alias] = getattr(mod, name)
        else:
            objects[alias] = importlib.import_module(f"{module}.{name}")
    missing = []
    for owner, attr in uses:
        head, _, sub = owner.partition(".")
        obj = objects[head]
        if sub:
            if not hasattr(obj, sub):
                missing.append(owner)
                continue
            obj = getattr(obj, sub)
        if not hasattr(obj, attr):
            missing.append(f"{owner}.{attr}")
    assert not missing, f"{nb.name} uses names initlab does not have: {missing}"


def test_nbgrader_is_imported_only_when_exercises_are_generated():
    """nbgrader is an authoring/test dependency: no module imports it at import time."""
    for name, path in NAMES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        mods = {a.name for n in top if isinstance(n, ast.Import) for a in n.names} | \
            {n.module or "" for n in top if isinstance(n, ast.ImportFrom)}
        assert not any(m.split(".")[0] == "nbgrader" for m in mods), name
