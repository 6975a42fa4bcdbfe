"""Where the course is published: ONE setting, ``repository`` in ``_config.yml``.

Jupyter Book builds the Binder and Colab launch buttons from ``repository.url`` and
``repository.branch``; the first code cell of every notebook (the setup cell, which
installs the package on Colab) is generated here from the same two values, so moving the
course elsewhere is one edit of ``_config.yml`` followed by ``initlab setup-cells``.

    read_repository(root) -> (url, branch)     from _config.yml
    setup_source(url, branch) -> str           the setup cell's source
    notebooks(root) -> list[Path]              book/, solutions/, exercises/
    sync(root, check=False) -> list[str]       rewrite (or, with check, list) stale cells

The rewrite is idempotent: a notebook whose setup cell is already right is not touched,
and only the source of that one cell changes (its id, tags and the other cells stay).
A first code cell that is not a setup cell (no ``find_spec("initlab")``) is reported,
never overwritten.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

NOTEBOOK_DIRS = ("book", "solutions", "exercises")
MARKER = 'find_spec("initlab")'
TEMPLATE = (
    "import importlib.util\n"
    'if importlib.util.find_spec("initlab") is None:  # Colab: the package is not installed yet\n'
    '    %pip install -q "initlab @ git+{url}@{branch}"'
)


def read_repository(root: Path) -> tuple[str, str]:
    """``repository.url`` (without a trailing ``/`` or ``.git``) and ``branch`` of _config.yml."""
    import yaml

    config = yaml.safe_load((Path(root) / "_config.yml").read_text(encoding="utf-8"))
    repo = config.get("repository") or {}
    url = str(repo.get("url") or "").rstrip("/")
    url = url.removesuffix(".git")
    if not url.startswith("https://"):
        raise ValueError("_config.yml: repository.url must be an https:// address")
    return url, str(repo.get("branch") or "main")


def setup_source(url: str, branch: str) -> str:
    return TEMPLATE.format(url=url, branch=branch)


def notebooks(root: Path) -> list[Path]:
    root = Path(root)
    return sorted(p for d in NOTEBOOK_DIRS if (root / d).is_dir()
                  for p in (root / d).rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)


def _setup_cell(nb):
    return next((c for c in nb.cells if c.cell_type == "code"), None)


def sync(root: Path, check: bool = False) -> list[str]:
    """Make every setup cell follow _config.yml; return one line per stale (or foreign) cell."""
    root = Path(root)
    source = setup_source(*read_repository(root))
    problems = []
    for path in notebooks(root):
        nb = nbformat.read(path, as_version=4)
        cell = _setup_cell(nb)
        rel = path.relative_to(root)
        if cell is None or MARKER not in cell.source:
            problems.append(f"{rel}: первая ячейка кода — не ячейка установки")
            continue
        if cell.source == source:
            continue
        problems.append(f"{rel}: ячейка установки не совпадает с _config.yml" if check
                        else f"{rel}: ячейка установки переписана")
        if not check:
            cell.source = source
            path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return problems


# ------------------------------------------------------------------------- CLI

def add_arguments(p: argparse.ArgumentParser) -> None:
    from .cli import add_check_and_root

    add_check_and_root(p, "ячейки установки устарели",
                       "ближайшая папка выше текущей, в которой есть _config.yml")


def find_config_root(start: Path | None = None) -> Path:
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "_config.yml").is_file():
            return folder
    return start


def run(args: argparse.Namespace) -> int:
    root = args.root or find_config_root()
    if not (root / "_config.yml").is_file():
        print(f"initlab setup-cells: нет файла {root / '_config.yml'}", file=sys.stderr)
        return 2
    lines = sync(root, check=args.check)
    foreign = [line for line in lines if "не ячейка установки" in line]
    for line in lines:
        print(line, file=sys.stderr if (args.check or line in foreign) else sys.stdout)
    if args.check:
        return 1 if lines else 0
    if not lines:
        print("все ячейки установки уже совпадают с _config.yml")
    return 1 if foreign else 0
