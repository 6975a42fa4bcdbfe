"""Submissions for the grading tests and benchmark (a helper, not a test module).

Built from the real master ``solutions/06_init.ipynb`` and its handed-out version
``exercises/06_init.ipynb``: ``student(answers, edit)`` is the exercise with answer cells
filled in (default: the master's solutions) and then edited. ``nbgrader_course`` grades
notebooks with the real nbgrader.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "06_init"
MASTER = ROOT / "solutions" / f"{ASSIGNMENT}.ipynb"
EXERCISE = ROOT / "exercises" / f"{ASSIGNMENT}.ipynb"
MAXIMUM = 11.0
PROBE_MIME = "application/vnd.initlab.probe+json"


def gid(cell) -> str:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")


def solutions() -> dict[str, str]:
    """grade_id -> source of the master's answer cells (a correct submission)."""
    nb = nbformat.read(str(MASTER), 4)
    return {gid(c): c.source for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def index_of(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if gid(c) == grade_id)


def insert_after(grade_id: str, source: str):
    """An edit: a new code cell (no nbgrader metadata) right after the cell ``grade_id``."""
    def edit(nb):
        nb.cells.insert(index_of(nb, grade_id) + 1, nbformat.v4.new_code_cell(source))
    return edit


def student(answers: dict[str, str] | None = None, *edits, blank: bool = False,
            base=None) -> nbformat.NotebookNode:
    """The exercise with answers (default: the master's; ``blank``: none) and edits."""
    nb = copy.deepcopy(base) if base is not None else nbformat.read(str(EXERCISE), 4)
    given = {} if blank else solutions()
    given.update(answers or {})
    for cell in nb.cells:
        if gid(cell) in given:
            cell.source = given[gid(cell)]
    for edit in edits:
        edit(nb)
    return nb


def text(nb) -> str:
    return nbformat.writes(nb)


def colab(nb):
    """As Google Colab saves a notebook: its metadata, no language_info, cell ids, outputs
    metadata of its own."""
    nb.metadata = {"colab": {"provenance": [], "toc_visible": True},
                   "kernelspec": {"name": "python3", "display_name": "Python 3"},
                   "language_info": {"name": "python"}, "accelerator": "GPU",
                   "initlab": nb.metadata.get("initlab", {})}
    for i, cell in enumerate(nb.cells):
        cell.metadata["id"] = f"c0lab{i:04d}"
        if cell.cell_type == "code":
            cell.metadata["colab"] = {"base_uri": "https://localhost:8080/"}
            cell.metadata["outputId"] = f"0{i:07d}-abcd"


def lab4(nb):
    """As JupyterLab 4 saves it: nbformat 4.5 with cell ids, execution metadata, outputs."""
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.11.7"}
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"lab4-{i}"
        if cell.cell_type == "code":
            cell.execution_count = i + 1
            cell.metadata["execution"] = {"iopub.execute_input": "2026-11-30T10:00:00.000Z",
                                          "shell.execute_reply": "2026-11-30T10:00:01.000Z"}
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="старый вывод\n")]


def helper_cells(nb):
    """A student's helper function and constant, in cells of their own, used by answers."""
    nb.cells.insert(index_of(nb, "t1-answer"), nbformat.v4.new_code_cell(
        "def uniform_var(a):\n    return (2 * a) ** 2 / 12\n\nN_IN = 256"))
    nb.cells[index_of(nb, "t1-answer")].source = "var_w = uniform_var(1 / math.sqrt(N_IN))"
    nb.cells[index_of(nb, "t4-answer")].source = "var_normal = 1 / N_IN"


def extra_imports(nb):
    nb.cells.insert(index_of(nb, "t3-answer"), nbformat.v4.new_code_cell(
        "from math import sqrt\nimport scipy.special\nfrom numpy import random as npr"))
    nb.cells[index_of(nb, "t3-answer")].source = "a = sqrt(3 / n_in)"


def moved_and_deleted(nb):
    """t1-check moved to the end, t2-check deleted, t3-check rewritten by the student."""
    cell = nb.cells.pop(index_of(nb, "t1-check"))
    nb.cells.append(cell)
    del nb.cells[index_of(nb, "t2-check")]
    nb.cells[index_of(nb, "t3-check")].source = 'print("Верно!")'


# ------------------------------------------------------------------ nbgrader

def _env() -> dict:
    """The course on PYTHONPATH; the venv's scripts on PATH (nbgrader calls `alembic`)."""
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    )


def nbgrader(base: Path, *args: str) -> subprocess.CompletedProcess:
    course = base / "course"
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], check=False, cwd=course,
                          env=_env(), capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def nbgrader_course(base: Path, students: dict[str, tuple]) -> Path:
    """A real nbgrader course from the master: generate_assignment, then one submission per
    student made from nbgrader's own release version by ``student(answers, *edits,
    base=release)`` (students: name -> (answers, edits, blank)). Returns `submitted/`."""
    course = base / "course"
    (course / "source" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.read(str(MASTER), 4),
                   str(course / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        'c.CourseDirectory.course_id = "initlab"\n'
        "c.ExecutePreprocessor.timeout = 120\n", encoding="utf-8")
    nbgrader(base, "generate_assignment", ASSIGNMENT, "--force")
    release = nbformat.read(str(course / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"), 4)
    for name, (answers, edits, blank) in students.items():
        nb = student(answers, *edits, blank=blank, base=release)
        folder = course / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(folder / f"{ASSIGNMENT}.ipynb"))
    return course / "submitted"


def nbgrader_scores(base: Path) -> dict[str, dict[str, float]]:
    """student -> grade_id -> score, read from nbgrader's gradebook after autograde."""
    from nbgrader.api import Gradebook

    course = base / "course"
    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sub in gb.assignment_submissions(ASSIGNMENT):
            for nb in sub.notebooks:
                for grade in nb.grades:
                    scores.setdefault(sub.student.id, {})[grade.name] = grade.score
    return scores
