"""Master notebooks: their graded tasks and the checks each graded cell calls.

A graded cell (nbgrader ``grade: true``, not a ``solution``) of a master must consist of
calls of self-checks, one per statement, each written with its module:
``checks.ch06.uniform_variance(var_w)`` or ``lectures1.clip_global(clip_global,
thorough=True)``. Keyword arguments must be literals (they are read here, not in the
kernel). The grader resolves every call to the :class:`initlab.checks.core.Check` of the
grader's own package and judges the data the kernel hands back with it; a graded cell
that is not of this form cannot be judged outside the kernel and is reported as a
problem of the master (its task scores 0).
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ..checks.core import Check


def nbg(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


@dataclass
class CheckCall:
    """One call of a self-check in a master's graded cell."""

    module: str  # initlab.checks.<module>
    name: str
    options: dict
    check: Check

    @property
    def label(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass
class Task:
    """A graded (autograded) cell of a master."""

    grade_id: str
    points: float
    index: int  # index of the cell in the master
    title: str  # the nearest heading above it, for the feedback
    calls: list[CheckCall] = field(default_factory=list)
    problem: str = ""  # why the cell cannot be judged outside the kernel


@dataclass
class Master:
    assignment: str
    path: Path
    nb: nbformat.NotebookNode
    tasks: list[Task]
    answer_ids: set[str]
    grade_ids: set[str]
    sha256: str = ""

    @property
    def maximum(self) -> float:
        return sum(t.points for t in self.tasks)


_MODULE = re.compile(r"[a-z][a-z0-9_]*")


def _chain(node) -> list[str] | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def parse_calls(src: str) -> tuple[list[CheckCall], str]:
    """The check calls of a graded cell, or a problem (in Russian) why it has none."""
    try:
        tree = ast.parse(src)
    except SyntaxError as exc:
        return [], f"синтаксическая ошибка в ячейке эталона: {exc.msg}"
    calls = []
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        chain = _chain(call.func) if isinstance(call, ast.Call) else None
        if not chain or len(chain) < 2 or not _MODULE.fullmatch(chain[-2]) or chain[-2] == "core":
            return [], ("ячейка эталона содержит не только вызовы проверок "
                        f"(строка {stmt.lineno}); такую ячейку нельзя проверить вне ядра")
        module, name = chain[-2], chain[-1]
        try:
            check = getattr(importlib.import_module(f"initlab.checks.{module}"), name)
        except (ImportError, AttributeError):
            return [], f"в эталоне вызвана неизвестная проверка {module}.{name}"
        if not isinstance(check, Check):
            return [], f"{module}.{name} не является проверкой вида Check(probe, judge)"
        try:
            options = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
        except ValueError:
            return [], f"параметры вызова {module}.{name} в эталоне должны быть константами"
        if None in options:
            return [], f"вызов {module}.{name} в эталоне использует **kwargs"
        calls.append(CheckCall(module, name, options, check))
    if not calls:
        return [], "в ячейке эталона нет вызова проверки"
    return calls, ""


def load_master(path: Path) -> Master:
    data = path.read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    assignment = nb.metadata.get("initlab", {}).get("assignment") or path.stem
    tasks, answers, ids, heading = [], set(), set(), ""
    for i, cell in enumerate(nb.cells):
        meta = nbg(cell)
        if cell.cell_type == "markdown":
            for line in source(cell).splitlines():
                if line.lstrip().startswith("#"):
                    heading = line.strip().lstrip("#").strip()
        gid = meta.get("grade_id")
        if not gid:
            continue
        ids.add(gid)
        if meta.get("solution"):
            answers.add(gid)
        elif meta.get("grade") and cell.cell_type == "code":
            calls, problem = parse_calls(source(cell))
            tasks.append(Task(gid, float(meta.get("points", 0) or 0), i, heading or gid,
                              calls, problem))
    return Master(assignment, path, nb, tasks, answers, ids, hashlib.sha256(data).hexdigest())


def load_masters(directory: Path) -> dict[str, Master]:
    masters: dict[str, Master] = {}
    if directory.is_dir():
        for path in sorted(directory.glob("*.ipynb")):
            master = load_master(path)
            masters[master.assignment] = master
    return masters
