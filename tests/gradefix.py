"""Fixture course for the grading tests and benchmark (a helper, not a test module).

One assignment ``99_fix`` with three graded cells (1, 2 and 4 points, the last with
nbgrader-style partial credit) whose checks live in a small module ``gradefix_checks``
written next to the master (put ``<base>/pkg`` on PYTHONPATH). ``nbgrader_course`` grades
the same submissions with the real nbgrader.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat

ASSIGNMENT = "99_fix"

CHECKS = '''
"""Checks of the fixture assignment (a stand-in for initlab.checks.chNN)."""
import numpy as np


class CheckFailed(Exception):
    def _render_traceback_(self):
        return [str(self)]


def _given(value, name):
    if value is ... or value is None:
        raise CheckFailed(f"Ответ ещё не введён: {name}")


def check_a(a):
    _given(a, "a")
    if not np.isclose(float(a), 42.0):
        raise CheckFailed("Неверно: a должно равняться ответу на главный вопрос.")
    print("Верно! a = 42.")


def check_f(f):
    _given(f, "f")
    for x in range(5):
        if f(x) != x * x:
            raise CheckFailed(f"Неверно: f({x}) должно быть {x * x}.")
    print("Верно! f(x) = x².")


def partial_v(v):
    _given(v, "v")
    good = sum(1 for i, x in enumerate(v[:4]) if x == i + 1)
    print(f"Верных элементов: {good} из 4.")
    return float(good)
'''

SETUP = '''import importlib.util
if importlib.util.find_spec("initlab") is None:  # Colab: the package is not installed yet
    %pip install -q "initlab @ git+https://github.com/initlab/initlab"'''


def _meta(gid, *, solution=False, grade=False, points=0):
    m = {"grade": grade, "grade_id": gid, "locked": not solution, "schema_version": 3,
         "solution": solution, "task": False}
    if grade:
        m["points"] = points
    return {"nbgrader": m}


def make_master() -> nbformat.NotebookNode:
    v4 = nbformat.v4
    cells = [
        v4.new_code_cell(SETUP, metadata={"tags": ["remove-cell"]}),
        v4.new_markdown_cell("# Тестовое задание"),
        v4.new_code_cell("import numpy as np\nimport gradefix_checks as checks"),
        v4.new_markdown_cell("## а) Число"),
        v4.new_code_cell("### BEGIN SOLUTION\na = 42\n### END SOLUTION",
                         metadata=_meta("a-answer", solution=True)),
        v4.new_code_cell("checks.check_a(a)", metadata=_meta("a-check", grade=True, points=1)),
        v4.new_markdown_cell("## б) Функция"),
        v4.new_code_cell("def f(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION",
                         metadata=_meta("f-answer", solution=True)),
        v4.new_code_cell("checks.check_f(f)\n### BEGIN HIDDEN TESTS\nassert f(10) == 100\n"
                         "### END HIDDEN TESTS", metadata=_meta("f-check", grade=True, points=2)),
        v4.new_markdown_cell("## в) Частичный балл"),
        v4.new_code_cell("### BEGIN SOLUTION\nv = [1, 2, 3, 4]\n### END SOLUTION",
                         metadata=_meta("v-answer", solution=True)),
        v4.new_code_cell("checks.partial_v(v)", metadata=_meta("v-check", grade=True, points=4)),
    ]
    nb = v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["initlab"] = {"assignment": ASSIGNMENT}
    return nb


def submission(answers: dict[str, str] | None = None, *, blank=False, edit=None) -> str:
    """A student's notebook: the master with the given answer cells (sources)."""
    nb = make_master()
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if blank and gid == "a-answer":
            cell.source = "a = ...  # впишите ответ"
        elif blank and gid == "f-answer":
            cell.source = "def f(x):\n    ...  # ваше решение"
        elif blank and gid == "v-answer":
            cell.source = "v = ...  # впишите ответ"
        elif answers and gid in answers:
            cell.source = answers[gid]
        if gid and gid.endswith("-check"):  # the student version hides the hidden tests
            cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()
    if edit:
        edit(nb)
    return nbformat.writes(nb)


WRONG = {"a-answer": "a = 0", "f-answer": "def f(x):\n    return x", "v-answer": "v = [0, 0, 0, 0]"}


WRONG = {"a-answer": "a = 0", "f-answer": "def f(x):\n    return x", "v-answer": "v = [0, 0, 0, 0]"}
PARTIAL = {"f-answer": "def f(x):\n    return x", "v-answer": "v = [1, 2, 0, 0]"}


def write_course(base: Path, cases: dict) -> Path:
    """base/pkg (the checks), base/masters, base/submissions/<name> for each case."""
    (base / "pkg").mkdir(parents=True, exist_ok=True)
    (base / "pkg" / "gradefix_checks.py").write_text(CHECKS, encoding="utf-8")
    (base / "masters").mkdir(exist_ok=True)
    nbformat.write(make_master(), str(base / "masters" / f"{ASSIGNMENT}.ipynb"))
    sub = base / "submissions"
    for name, (content, *_rest) in cases.items():
        path = sub / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return sub


def _env(base: Path) -> dict:
    """PYTHONPATH with the checks; PATH with the venv's scripts (nbgrader calls `alembic`)."""
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(base / "pkg"), os.environ.get("PYTHONPATH", "")]),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )


def nbgrader(base: Path, *args: str) -> subprocess.CompletedProcess:
    course = base / "course"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], check=False, cwd=course, env=_env(base),
                          capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def nbgrader_course(base: Path, answers: dict[str, dict | None], master=None,
                    assignment: str = ASSIGNMENT) -> Path:
    """A real nbgrader course: generate_assignment from the master (default: the fixture's),
    then one submission per student made from nbgrader's own release version (answers:
    grade_id -> source; None = the release version untouched). Returns `submitted/`."""
    course = base / "course"
    (course / "source" / assignment).mkdir(parents=True, exist_ok=True)
    master = make_master() if master is None else master
    nbformat.write(master, str(course / "source" / assignment / f"{assignment}.ipynb"))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        'c.CourseDirectory.course_id = "initlab"\n'
        "c.ExecutePreprocessor.timeout = 60\n", encoding="utf-8")
    (base / "pkg").mkdir(parents=True, exist_ok=True)
    (base / "pkg" / "gradefix_checks.py").write_text(CHECKS, encoding="utf-8")
    nbgrader(base, "generate_assignment", assignment, "--force")
    release = nbformat.read(str(course / "release" / assignment / f"{assignment}.ipynb"), 4)
    for student, given in answers.items():
        nb = nbformat.from_dict(release)
        for cell in nb.cells:
            gid = cell.metadata.get("nbgrader", {}).get("grade_id")
            if given and gid in given:
                cell.source = given[gid]
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(folder / f"{assignment}.ipynb"))
    return course / "submitted"


def solutions_of(master) -> dict[str, str]:
    """grade_id -> source of the master's answer cells (a correct submission)."""
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in master.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def nbgrader_scores(base: Path, assignment: str = ASSIGNMENT) -> dict[str, dict[str, float]]:
    """student -> grade_id -> score, read from nbgrader's gradebook after autograde."""
    from nbgrader.api import Gradebook

    course = base / "course"
    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores.setdefault(sub.student.id, {})[grade.name] = grade.score
    return scores
