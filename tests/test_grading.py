"""`initlab grade`: submissions made here, graded once (module fixture), then checked.

The fixture course has one assignment ``99_fix`` whose checks live in a small module
written by the test (``gradefix_checks``, on PYTHONPATH), so these tests do not depend
on the real chapters; ``test_real_masters`` grades the real solutions/ when present.
"""

from __future__ import annotations

import copy
import csv
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from gradefix import (
    ASSIGNMENT,
    PARTIAL,
    WRONG,
    _meta,
    make_master,
    nbgrader,
    nbgrader_course,
    nbgrader_scores,
    solutions_of,
    submission,
    write_course,
)
from gradefix import (
    SETUP as SETUP_CELL,
)

ROOT = Path(__file__).resolve().parent.parent

def _drop_meta(nb):
    del nb.metadata["initlab"]


def _edit_checks(nb):
    """A student rewrites one check, deletes another, strips nbgrader metadata."""
    for cell in list(nb.cells):
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid == "f-check":
            cell.source = 'print("Верно!")'
        elif gid == "v-check":
            nb.cells.remove(cell)


def _other_course():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata=_meta("q1", solution=True)),
        nbformat.v4.new_code_cell("assert x == 1", metadata=_meta("q1-test", grade=True,
                                                                  points=5))])
    nb.metadata["course"] = "Другой курс"
    return nbformat.writes(nb)


# name -> (file content, expected status(es), expected points per task or total)
CASES = {
    "ivanov/99_fix.ipynb": (submission(), {"ok"}, {"a-check": 1, "f-check": 2, "v-check": 4}),
    "petrov_99_fix.ipynb": (
        submission(PARTIAL), {"ok"}, {"a-check": 1, "f-check": 0, "v-check": 2}),
    "sidorov/99_fix.ipynb": (submission(blank=True), {"ok"},
                             {"a-check": 0, "f-check": 0, "v-check": 0}),
    "nometa/99_fix.ipynb": (submission(edit=_drop_meta), {"ok"}, {"total": 7}),
    "editor/99_fix.ipynb": (submission(WRONG | {"a-answer": "a = 42"}, edit=_edit_checks),
                            {"ok"}, {"a-check": 1, "f-check": 0, "v-check": 0}),
    "empty/99_fix.ipynb": ("", {"not a notebook"}, None),
    "broken/99_fix.ipynb": ('{"cells": [', {"not a notebook"}, None),
    "jsonobj/99_fix.ipynb": ('{"hello": 1}', {"not a notebook"}, None),
    "binary/99_fix.ipynb": (b"\x89PNG\r\n\x1a\n\x00\xff", {"not a notebook"}, None),
    "stranger/hw3.ipynb": (_other_course(), {"unknown assignment"}, None),
    "loop/99_fix.ipynb": (submission({"v-answer": "while True:\n    pass\nv = [1, 2, 3, 4]"}),
                          {"timeout"}, {"a-check": 1, "f-check": 2, "v-check": 0}),
    "stubborn/99_fix.ipynb": (
        submission({"f-answer": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                                "while True:\n    pass"}),
        {"timeout"}, {"a-check": 1, "f-check": 0, "v-check": 0}),
    "exiter/99_fix.ipynb": (submission({"f-answer": "import os\nos._exit(1)"}),
                            {"kernel died"}, {"a-check": 1, "f-check": 0, "v-check": 0}),
    "segfault/99_fix.ipynb": (submission({"f-answer": "import ctypes\nctypes.string_at(0)"}),
                              {"kernel died"}, {"a-check": 1, "f-check": 0, "v-check": 0}),
    "hog/99_fix.ipynb": (
        submission({"f-answer": "chunks = []\nwhile True:\n"
                                "    chunks.append(bytearray(64 * 2**20))"}),
        {"ok", "kernel died"}, {"a-check": 1, "f-check": 0}),
    "raiser/99_fix.ipynb": (submission({"f-answer": "def f(x):\n    return x * x\n1 / 0",
                                        "a-answer": "raise ValueError('не знаю')"}),
                            {"ok"}, {"a-check": 0, "f-check": 2, "v-check": 4}),
    "chatty/99_fix.ipynb": (
        submission({"a-answer": "a = 42\nprint('x' * 2_000_000)\n"
                                "for i in range(20_000):\n    print(i)"}),
        {"ok"}, {"a-check": 1, "f-check": 2, "v-check": 4}),
    "writer/99_fix.ipynb": (
        submission({"a-answer": "a = 42\nimport os, pathlib\n"
                                "pathlib.Path('hacked.txt').write_text('x')\n"
                                "for p in pathlib.Path('.').glob('*.ipynb'):\n"
                                "    p.write_text('')\n"
                                "os.makedirs(os.path.expanduser('~/junk'), exist_ok=True)"}),
        {"ok"}, {"a-check": 1, "f-check": 2, "v-check": 4}),
    # tampering: every answer is wrong, so any successful trick would raise the score
    "patcher/99_fix.ipynb": (submission(WRONG | {"a-answer": (
        "a = 0\n"
        "import gradefix_checks as c, sys, builtins\n"
        "c.check_a = lambda *args, **kw: None\n"
        "del c.check_f\n"
        "c.partial_v = lambda v: 4.0\n"
        "c.float = lambda x: 42.0\n"
        "c.np.isclose = lambda *args, **kw: True\n"
        "sys.modules['gradefix_checks'] = type(sys)('gradefix_checks')\n"
        "builtins.AssertionError = type('AssertionError', (Exception,), {})\n"
        "builtins.float = lambda x: 42.0\n")}), {"ok"}, {"total": 0}),
    "shadower/99_fix.ipynb": (submission(WRONG | {"a-answer": (
        "a = 0\n"
        "class Fake:\n"
        "    def __getattr__(self, name):\n"
        "        return lambda *args, **kw: 4.0 if name == 'partial_v' else None\n"
        "checks = Fake()\n"
        "print = lambda *args, **kw: None\n"
        "AssertionError = ZeroDivisionError\n"
        "__builtins__ = {}\n")}), {"ok"}, {"total": 0}),
    "hooker/99_fix.ipynb": (submission(WRONG | {"a-answer": (
        "a = 0\n"
        "import sys\n"
        "ip = get_ipython()\n"
        "ip.showtraceback = lambda *args, **kw: None\n"
        "sys.excepthook = lambda *args: None\n"
        "ip.events.register('pre_run_cell', lambda info: None)\n")}),
        {"ok"}, {"total": 0}),
    "runcell/99_fix.ipynb": (submission(WRONG | {"a-answer": (
        "a = 0\n"
        "ip = get_ipython()\n"
        "async def quiet(*args, **kw):\n"
        "    return None\n"
        "ip.run_cell_async = quiet\n"
        "type(ip).run_cell = lambda *args, **kw: None\n")}), {"ok", "timeout"}, {"total": 0}),
    "sneaky/99_fix.ipynb": (submission(WRONG | {"f-answer": (
        "def f(x):\n"
        "    import gradefix_checks as c\n"
        "    c.CheckFailed = type('CheckFailed', (BaseException,), {})\n"
        "    c.partial_v = lambda v: 4.0\n"
        "    return x * x\n")}), {"ok"}, {"total": 0}),
}


def _grade_cmd() -> list[str]:
    """`initlab grade` (through initlab.cli when it has the subcommand)."""
    cli = ROOT / "initlab" / "cli.py"
    if cli.exists() and "grade" in cli.read_text(encoding="utf-8"):
        return [sys.executable, "-c", "import sys; from initlab.cli import main; sys.exit(main())",
                "grade"]
    return [sys.executable, "-m", "initlab.grading"]


def _run_grade(sub, out, *extra, base=None, timeout=300):
    base = base or sub.parent
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(base / "pkg"), os.environ.get("PYTHONPATH", "")]))
    if "--masters" not in extra:
        extra = ("--masters", str(base / "masters"), *extra)
    cmd = [*_grade_cmd(), str(sub), "--out", str(out), "--no-progress", *extra]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, env=env, timeout=timeout)


def _snapshot(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as f:
        return {r["file"]: r for r in csv.DictReader(f)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    sub = write_course(base, CASES)
    before = _snapshot(sub)
    out = base / "results"
    t0 = time.monotonic()
    proc = _run_grade(sub, out, "--jobs", "2", "--timeout-cell", "3", "--memory-mb", "1024")
    return {"base": base, "sub": sub, "out": out, "proc": proc, "before": before,
            "seconds": time.monotonic() - t0}


def test_command_succeeds_and_summarises(graded):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"Проверено работ: {len(CASES)}" in proc.stdout
    assert "Средний балл «99_fix»" in proc.stdout


def test_one_row_per_submission(graded):
    rows = _rows(graded["out"])
    assert sorted(rows) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_status_and_points(graded, name):
    row = _rows(graded["out"])[name]
    _content, statuses, points = CASES[name]
    assert row["status"] in statuses, row
    if points is None:
        assert row["total"] == "0" and row["message"], row
        return
    for key, value in points.items():
        assert float(row[key]) == value, (key, row)
    if "total" not in points and len(points) == 3:
        assert float(row["total"]) == sum(points.values())
    assert row["maximum"] == "7"
    assert (graded["out"] / row["feedback"]).is_file()


def test_submissions_untouched(graded):
    assert _snapshot(graded["sub"]) == graded["before"]
    assert not (graded["sub"] / "hacked.txt").exists()


def test_student_ids_and_columns(graded):
    rows = _rows(graded["out"])
    assert rows["ivanov/99_fix.ipynb"]["student"] == "ivanov"
    assert rows["petrov_99_fix.ipynb"]["student"] == "petrov"
    with open(graded["out"] / "grades.csv", encoding="utf-8-sig") as f:
        header = f.readline().strip().split(",")
    assert header[:3] == ["file", "student", "assignment"]
    assert header[3:6] == ["a-check", "f-check", "v-check"]
    assert header[6:] == ["total", "maximum", "status", "message", "feedback", "sha256"]


def test_feedback_in_russian(graded):
    out = graded["out"]
    good = (out / "feedback" / "ivanov_99_fix.md").read_text(encoding="utf-8")
    assert "Баллы: **7 из 7**" in good and "Верно! a = 42." in good
    assert "[initlab:" not in good
    part = (out / "feedback" / "petrov_99_fix.md").read_text(encoding="utf-8")
    assert "Неверно: f(2) должно быть 4." in part and "частично" in part
    assert "Верных элементов: 2 из 4." in part
    blank = (out / "feedback" / "sidorov_99_fix.md").read_text(encoding="utf-8")
    assert "Ответ ещё не введён: a" in blank and "Traceback" not in blank
    raiser = (out / "feedback" / "raiser_99_fix.md").read_text(encoding="utf-8")
    assert "ValueError: не знаю" in raiser
    chatty = (out / "feedback" / "chatty_99_fix.md").read_bytes()
    assert len(chatty) < 50_000
    assert "обрезан" in _rows(out)["chatty/99_fix.ipynb"]["message"]
    sneaky = (out / "feedback" / "sneaky_99_fix.md").read_text(encoding="utf-8")
    assert "подменены проверяющие функции" in sneaky
    empty = (out / "feedback" / "empty_unknown.md").read_text(encoding="utf-8")
    assert "не удалось прочитать" in empty.lower()


def test_rerun_skips_then_force_regrades(graded, tmp_path):
    """A rerun resumes: it grades only new or changed submissions; --force regrades."""
    small = {k: CASES[k] for k in ("ivanov/99_fix.ipynb", "empty/99_fix.ipynb")}
    sub = write_course(tmp_path, small)
    out = tmp_path / "results"
    shutil.copytree(graded["out"], out)  # the module run's gradebook, minus other files
    first = _run_grade(sub, out)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "пропущено уже проверенных: 2" in first.stdout  # same paths, same contents
    assert sorted(_rows(out)) == sorted(small)  # rows of vanished files are dropped
    # change one submission, add another: only those two are graded
    (sub / "ivanov" / "99_fix.ipynb").write_text(submission(WRONG), encoding="utf-8")
    (sub / "new_99_fix.ipynb").write_text(submission(), encoding="utf-8")
    second = _run_grade(sub, out)
    assert "пропущено уже проверенных: 1" in second.stdout, second.stdout
    rows = _rows(out)
    assert rows["ivanov/99_fix.ipynb"]["total"] == "0" and rows["new_99_fix.ipynb"]["total"] == "7"
    third = _run_grade(sub, out, "--force")
    assert "пропущено уже проверенных: 0" in third.stdout
    assert _rows(out) == rows


def test_interrupted_run_loses_nothing(tmp_path):
    """SIGINT during a run: the rows written so far stay; a rerun finishes the rest."""
    cases = {"a_first.ipynb": CASES["ivanov/99_fix.ipynb"],
             "b_stubborn.ipynb": CASES["loop/99_fix.ipynb"]}
    sub = write_course(tmp_path, cases)
    out = tmp_path / "results"
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "pkg"))
    cmd = [*_grade_cmd(), str(sub), "--out", str(out), "--masters", str(tmp_path / "masters"),
           "--jobs", "1", "--timeout-cell", "20", "--no-progress"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                (out / "grades.csv").exists() and len(_rows(out)) == 1):
            time.sleep(0.2)
        time.sleep(1.0)  # now inside the infinite loop of the second notebook
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    rows = _rows(out)
    assert list(rows) == ["a_first.ipynb"] and rows["a_first.ipynb"]["total"] == "7"
    again = _run_grade(sub, out, "--timeout-cell", "2")
    assert "пропущено уже проверенных: 1" in again.stdout, again.stdout + again.stderr
    assert _rows(out)["b_stubborn.ipynb"]["status"] == "timeout"


def test_several_assignments_use_prefixed_columns(tmp_path):
    from initlab.grading import Gradebook, load_masters

    (tmp_path / "m").mkdir()
    master = make_master()
    nbformat.write(master, str(tmp_path / "m" / "99_fix.ipynb"))
    other = copy.deepcopy(master)
    other.metadata["initlab"]["assignment"] = "98_other"
    nbformat.write(other, str(tmp_path / "m" / "98_other.ipynb"))
    book = Gradebook(tmp_path, load_masters(tmp_path / "m"))
    for a in ("99_fix", "98_other"):
        book.rows[f"s_{a}.ipynb"] = {
            "file": f"s_{a}.ipynb", "student": "s", "assignment": a,
            "points": {"a-check": "1"}, "total": "1", "maximum": "7", "status": "ok",
            "message": "", "feedback": "", "sha256": "x"}
    book.write()
    header = (tmp_path / "grades.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert "98_other/a-check" in header and "99_fix/v-check" in header
    again = Gradebook(tmp_path, load_masters(tmp_path / "m"))  # reads back
    assert again.rows["s_98_other.ipynb"]["points"] == {"a-check": "1"}


def test_real_checks_cannot_be_patched(tmp_path):
    """With the real initlab.checks: the brief's tricks (`c.some_check = lambda *a: None`,
    `del`, patching core) do not raise a score; a right answer still scores."""
    ch06 = pytest.importorskip("initlab.checks.ch06")
    if not hasattr(ch06, "uniform_variance"):
        pytest.skip("initlab.checks.ch06.uniform_variance is gone")
    v4 = nbformat.v4
    master = v4.new_notebook(cells=[
        v4.new_code_cell(SETUP_CELL),
        v4.new_code_cell("from initlab import checks"),
        v4.new_code_cell("### BEGIN SOLUTION\nvar_w = 1 / 768\n### END SOLUTION",
                         metadata=_meta("t1-answer", solution=True)),
        v4.new_code_cell("checks.ch06.uniform_variance(var_w)",
                         metadata=_meta("t1-check", grade=True, points=1))])
    master.metadata["initlab"] = {"assignment": "06_real"}
    (tmp_path / "masters").mkdir()
    nbformat.write(master, str(tmp_path / "masters" / "06_real.ipynb"))
    answers = {
        "right": "var_w = 1 / 768",
        "wrong": "var_w = 1 / 256",
        "blank": "var_w = ...  # впишите ответ",
        "patch": "var_w = 0\nimport initlab.checks.ch06 as c\nc.uniform_variance = lambda *a: None",
        "delete": "var_w = 0\nimport initlab.checks.ch06 as c\ndel c.uniform_variance\n"
                  "import initlab.checks as pkg\npkg.ch06 = None",
        "core": "var_w = 0\nimport initlab.checks.core as core, initlab.checks.ch06 as c\n"
                "core.check_number = c.check_number = lambda *a, **k: None\n"
                "core.CheckFailed.__init__ = lambda self, *a: None",
    }
    sub = tmp_path / "submissions"
    sub.mkdir()
    for name, answer in answers.items():
        nb = copy.deepcopy(master)
        nb.cells[2].source = answer
        nbformat.write(nb, str(sub / f"{name}_06_real.ipynb"))
    out = tmp_path / "out"
    proc = _run_grade(sub, out, "--jobs", "2", base=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {r["student"]: r for r in _rows(out).values()}
    assert {s: rows[s]["total"] for s in answers} == {
        "right": "1", "wrong": "0", "blank": "0", "patch": "0", "delete": "0", "core": "0"}
    assert all(rows[s]["status"] == "ok" for s in answers)
    blank = (out / rows["blank"]["feedback"]).read_text(encoding="utf-8")
    assert "Ответ ещё не введён" in blank and "Traceback" not in blank


@pytest.mark.skipif(not list((ROOT / "solutions").glob("*.ipynb")),
                    reason="no master notebooks in solutions/ yet")
def test_real_masters(tmp_path):
    """Every real master scores its maximum; its generated exercise scores 0."""
    from initlab.grading import load_master

    sub = tmp_path / "sub"
    sub.mkdir()
    masters = sorted((ROOT / "solutions").glob("*.ipynb"))
    for m in masters:
        shutil.copy(m, sub / f"master_{m.name}")
        ex = ROOT / "exercises" / m.name
        if ex.exists():
            shutil.copy(ex, sub / f"blank_{m.name}")
    out = tmp_path / "out"
    cmd = [*_grade_cmd(), str(sub), "--out", str(out), "--masters", str(ROOT / "solutions"),
           "--jobs", "2", "--no-progress"]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _rows(out)
    for m in masters:
        maximum = load_master(m).maximum
        row = rows[f"master_{m.name}"]
        assert row["status"] == "ok" and float(row["total"]) == maximum, row
        if f"blank_{m.name}" in rows:
            blank = rows[f"blank_{m.name}"]
            assert blank["status"] == "ok" and float(blank["total"]) == 0, blank


@pytest.mark.slow
def test_agrees_with_nbgrader(tmp_path):
    """The real nbgrader (generate_assignment, autograde, export) and `initlab grade` give
    the same points per cell on the same honest submissions; a tampering submission
    fools nbgrader but not initlab grade."""
    master = make_master()
    correct = solutions_of(master)
    blank = {"a-answer": "a = ...  # впишите ответ", "f-answer": "def f(x):\n    ...",
             "v-answer": "v = ...  # впишите ответ"}
    tamper = WRONG | {"a-answer": "a = 0\nimport gradefix_checks as c\n"
                                  "c.check_a = lambda *args: None\nc.partial_v = lambda v: 4.0\n"}
    students = {"correct": correct, "partial": PARTIAL | {"a-answer": "a = 42"}, "blank": blank, "untouched": None,
                "tamper": tamper}
    submitted = nbgrader_course(tmp_path, students)
    nbgrader(tmp_path, "autograde", ASSIGNMENT, "--force")
    nbgrader(tmp_path, "export", "--to", str(tmp_path / "nbgrader.csv"))
    theirs = nbgrader_scores(tmp_path)
    with open(tmp_path / "nbgrader.csv", newline="", encoding="utf-8") as f:
        exported = {r["student_id"]: float(r["raw_score"]) for r in csv.DictReader(f)}

    before = _snapshot(submitted)
    out = tmp_path / "initlab"
    proc = _run_grade(submitted, out, "--masters", str(tmp_path / "course" / "source" / ASSIGNMENT),
                      "--jobs", "2", base=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert _snapshot(submitted) == before
    ours = {r["student"]: r for r in _rows(out).values()}
    assert set(ours) == set(students)
    for student in ("correct", "partial", "blank", "untouched"):
        for gid in ("a-check", "f-check", "v-check"):
            assert float(ours[student][gid]) == theirs[student][gid], (student, gid)
        assert float(ours[student]["total"]) == exported[student]
    assert [float(ours[s]["total"]) for s in ("correct", "partial", "blank")] == [7, 3, 0]
    assert exported["tamper"] > 0 and float(ours["tamper"]["total"]) == 0


@pytest.mark.parametrize("source, expected", [
    ("from initlab import checks\nchecks.ch06.uniform_variance(x)", ["ch06"]),
    ("from initlab.checks import lectures1\nlectures1.layer_grad(f)", ["lectures1"]),
    ("from initlab.checks import core, ch07\nimport initlab.checks.lectures2", ["ch07", "lectures2"]),
    ("x = 1", None),
])
def test_only_the_used_check_modules_are_preloaded(source, expected):
    """The guard imports only the check modules a master uses (None: all of them)."""
    from initlab.grading import _check_modules
    assert _check_modules(source) == expected
