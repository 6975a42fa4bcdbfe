"""`initlab grade`: a battery of hostile and honest submissions made from the real master
``06_init``, graded in one sandboxed run with ``--jobs 2`` (module fixture), each with its
expected row; then reruns, an interrupted run, the refusal without bubblewrap, the
nbgrader-style assembly and the judge, and the agreement with the real nbgrader.
"""

from __future__ import annotations

import csv
import hashlib
import json
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
    MASTER,
    MAXIMUM,
    PROBE_MIME,
    ROOT,
    colab,
    extra_imports,
    helper_cells,
    insert_after,
    lab4,
    moved_and_deleted,
    nbgrader,
    nbgrader_course,
    nbgrader_scores,
    student,
    text,
)

HAS_BWRAP = shutil.which("bwrap") is not None
needs_bwrap = pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap is not installed "
                                 "(bash tools/install-bubblewrap.sh)")
TASKS = [f"t{i}-check" for i in range(1, 10)]


def _grade_cmd():
    return [sys.executable, "-m", "initlab.cli", "grade"]


def _env():
    return dict(os.environ, PYTHONPATH=str(ROOT))


def _run_grade(sub: Path, out: Path, masters: Path, *extra: str, timeout: int = 600):
    cmd = [*_grade_cmd(), str(sub), "--out", str(out), "--masters", str(masters),
           "--no-progress", *extra]
    return subprocess.run(cmd, check=False, capture_output=True, text=True, env=_env(),
                          timeout=timeout)


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8-sig") as f:
        return {r["file"]: r for r in csv.DictReader(f)}


def _snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, bytecode caches aside: other processes of the
    test run (a second pytest-xdist worker, notebook kernels) import modules of the package
    for the first time and write ``__pycache__/*.pyc`` while the battery runs."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.relative_to(folder).parts}


def _alive(marker: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmd and "pytest" not in cmd:
            found.append(cmd)
    return found


# ------------------------------------------------------------------ the battery

def _hostile(base: Path) -> dict[str, tuple[str, dict]]:
    """name -> (notebook text, expected row fields)."""
    sub, out, masters = base / "submissions", base / "results", base / "masters"
    victim = sub / "honest_full" / f"{ASSIGNMENT}.ipynb"
    pkg = ROOT / "initlab" / "checks"
    blank = {"blank": True}
    forge = (
        "from IPython.display import publish_display_data\n"
        "def forge(check, data):\n"
        f"    publish_display_data({{{PROBE_MIME!r}: {{'v': 1, 'check': check, 'options': {{}},"
        " 'ok': True, 'data': data}})\n"
        "for name in ['uniform_variance', 'layer_ratio', 'uniform_bound', 'normal_variance']:\n"
        "    forge(name, {'answer': 'Верно'})\n"
        "print('Верно! Var(w) = (2/√n_in)²/12 = 1/(3·n_in) = 1/768.')\n"
    )
    attacks = {
        # forging a pass without the answer
        "always_equal": (dict(blank, answers={
            "t1-answer": "class Eq(float):\n    def __eq__(self, other):\n        return True\n"
                         "    __ne__ = lambda self, other: False\nvar_w = Eq(0.5)",
            "t2-answer": "class Any:\n    __eq__ = lambda self, other: True\n"
                         "    __float__ = lambda self: 0.5\n"
                         "ratio = Any()",
            "t6-answer": "import numpy as np\nclass W(np.ndarray):\n"
                         "    __eq__ = lambda self, other: True\n"
                         "def xavier_uniform(rng, n_in, n_out):\n"
                         "    return np.zeros((n_in, n_out)).view(W)"}), {"total": "0"}),
        "monkeypatch": (dict(blank, edits=[insert_after("t1-answer",
            "import builtins, numpy as np\nimport initlab.checks.core as core\n"
            "core.judge_number = lambda *a, **k: 'Верно'\n"
            "core.Check.__call__ = lambda self, *a, **k: print('Верно!')\n"
            "np.isclose = lambda *a, **k: True\nnp.allclose = lambda *a, **k: True\n"
            "builtins.abs = lambda x: 0\nbuiltins.round = lambda *a: 0")]),
            {"total": "0"}),
        "sys_modules": (dict(blank, edits=[insert_after("t1-answer",
            "import sys, types\nfake = types.ModuleType('initlab.checks.ch06')\n"
            "fake.__getattr__ = lambda name: (lambda *a, **k: print('Верно!'))\n"
            "sys.modules['initlab.checks.ch06'] = fake\nchecks.ch06 = fake\n"
            "sys.modules['initlab.checks.core'] = fake")]), {"total": "0"}),
        "introspection": (dict(blank, edits=[insert_after("t1-answer",
            "import gc, sys, initlab.checks.core as core\n"
            "for obj in gc.get_objects():\n"
            "    if isinstance(obj, core.Check):\n"
            "        obj.judge = lambda data: 'Верно'\n"
            "        obj.probe = lambda *a, **k: {}\n"
            "frames = []\nf = sys._getframe()\nwhile f is not None:\n"
            "    frames.append(f.f_locals.keys())\n    f = f.f_back\n"
            "secrets = [o for o in gc.get_objects() if isinstance(o, str) and 'initlab:' in o]")]),
            {"total": "0"}),
        "forged_records": (dict(blank, edits=[insert_after("t1-answer", forge)], answers={
            "t6-answer": forge + "def xavier_uniform(rng, n_in, n_out):\n"
                         "    forge('xavier_uniform', {'calls': []})\n"
                         "    return rng.uniform(-1, 1, (n_in, n_out))"}), {"total": "0"}),
        # damage and escape: the full solution plus the attack; any success zeroes t1
        "vandal": ({"edits": [insert_after("t1-answer",
            "import pathlib, initlab\nhits = []\n"
            f"targets = [{str(victim)!r}, {str(out / 'grades.csv')!r}, {str(out / 'evil.txt')!r},"
            f" {str(masters / (ASSIGNMENT + '.ipynb'))!r}, {str(masters / 'evil.ipynb')!r},"
            f" {str(pkg / 'evil.py')!r}, {str(pkg / 'ch06.py')!r},"
            " str(pathlib.Path(initlab.__file__).parent / 'checks' / 'evil.py'),"
            " str(pathlib.Path(initlab.__file__).parent / 'checks' / 'ch06.py')]\n"
            "for t in targets:\n"
            "    try:\n"
            "        with open(t, 'a') as f:\n"
            "            f.write('hacked')\n"
            "        hits.append(t)\n"
            "    except OSError:\n"
            "        pass\n"
            "try:\n"
            f"    hidden = open({str(MASTER)!r}).read()\n"
            "    hits.append('read master')\n"
            "except OSError:\n"
            "    pass\n"
            "if hits:\n    var_w = 0\nprint(hits)")]}, {"total": "11"}),
        "fork_bomb": ({"edits": [insert_after("t1-answer",
            "import os\npids = []\nfor _ in range(300):\n"
            "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
            "    if pid == 0:\n        os.execvp('sleep', ['sleep', '4242.5'])\n"
            "    pids.append(pid)\nprint('forks', len(pids))\nif len(pids) >= 300:\n"
            "    var_w = 0\nfor pid in pids[3:]:  # three are left to the grader\n"
            "    os.kill(pid, 9)\n    os.waitpid(pid, 0)")]},
            {"total": "11"}),
        "setsid": ({"edits": [insert_after("t1-answer",
            "import subprocess\nsubprocess.Popen(['setsid', 'sleep', '4243.5'])")]},
            {"total": "11"}),
        "network": ({"edits": [insert_after("t1-answer",
            "import socket\nnames = [n for _, n in socket.if_nameindex()]\nprint(names)\n"
            "if names != ['lo']:\n    var_w = 0\n"
            "try:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    var_w = 0\n"
            "except OSError:\n    pass")]}, {"total": "11"}),
        "disk": ({"edits": [insert_after("t1-answer",
            "written = 0\nchunk = b'0' * 2**24\n"
            "try:\n    with open('big.bin', 'wb') as f:\n"
            "        for _ in range(64):\n            f.write(chunk)\n            f.flush()\n"
            "            written += len(chunk)\nexcept OSError as exc:\n    print(exc)\n"
            "print(written // 2**20, 'MB')\nif written > 600 * 2**20:\n    var_w = 0")]},
            {"total": "11"}),
        "loop": ({"answers": {"t2-answer": "while True:\n    pass"}},
                 {"total": "10", "status": "timeout", "t2-check": "0"}),
        "exit": ({"edits": [insert_after("t1-check", "import os\nos._exit(0)")]},
                 {"total": "1", "status": "kernel died"}),
        "segfault": ({"edits": [insert_after("t1-check", "import ctypes\nctypes.string_at(0)")]},
                     {"total": "1", "status": "kernel died"}),
        "chatty": ({"edits": [insert_after("t1-check", "print('x' * 50_000_000)")]},
                   {"total": "11", "status": "ok", "message": "обрезан"}),
    }
    return {name: (text(student(spec.get("answers"), *spec.get("edits", []),
                                blank=spec.get("blank", False))), expected)
            for name, (spec, expected) in attacks.items()}


def _honest() -> dict[str, tuple[str, dict]]:
    full = {"total": "11", "status": "ok"}
    return {
        "honest_full": (text(student()), full),
        "honest_helper": (text(student(None, helper_cells)), full),
        "honest_moved": (text(student(None, moved_and_deleted)), full),
        "honest_imports": (text(student(None, extra_imports)), full),
        "honest_colab": (text(student(None, colab)), full),
        "honest_lab4": (text(student(None, lab4)), full),
        "honest_blank": (text(student(blank=True)), {"total": "0", "status": "ok"}),
        "garbage": ("{not json", {"status": "not a notebook", "total": "0"}),
    }


@pytest.fixture(scope="module")
def battery(tmp_path_factory):
    if not HAS_BWRAP:
        pytest.skip("bubblewrap is not installed (bash tools/install-bubblewrap.sh)")
    base = tmp_path_factory.mktemp("battery")
    cases = {**_honest(), **_hostile(base)}
    sub = base / "submissions"
    for name, (content, _) in cases.items():
        path = sub / name / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(content, encoding="utf-8")
        (path.parent / "data.txt").write_text(f"файл студента {name}\n", encoding="utf-8")
    (base / "masters").mkdir()
    shutil.copy(MASTER, base / "masters")
    out = base / "results"
    out.mkdir()
    (out / "keep.txt").write_text("преподаватель\n", encoding="utf-8")
    before = {"sub": _snapshot(sub), "masters": _snapshot(base / "masters"),
              "pkg": _snapshot(ROOT / "initlab"), "solutions": _snapshot(ROOT / "solutions")}
    start = time.monotonic()
    proc = _run_grade(sub, out, base / "masters", "--jobs", "2", "--timeout-cell", "8",
                      "--memory-mb", "1024")
    return {"proc": proc, "out": out, "sub": sub, "base": base, "cases": cases,
            "before": before, "seconds": time.monotonic() - start}


@pytest.mark.slow
def test_battery_runs_sandboxed(battery):
    proc = battery["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Песочница: да" in proc.stdout
    rows = _rows(battery["out"])
    assert len(rows) == len(battery["cases"])
    assert {r["sandbox"] for r in rows.values()} == {"да"}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted({**_honest(), **_hostile(Path("/x"))}))
def test_battery_rows(battery, name):
    row = _rows(battery["out"])[f"{name}/{ASSIGNMENT}.ipynb"]
    expected = battery["cases"][name][1]
    expected = {"status": "ok", **expected}
    for key, value in expected.items():
        if key == "message":
            assert value in row["message"], row
        else:
            assert row[key] == value, (key, row)
    if row["status"] != "not a notebook":
        assert row["maximum"] == "11"
        assert sum(float(row[t]) for t in TASKS) == float(row["total"])


@pytest.mark.slow
def test_nothing_outside_the_sandbox_changed(battery):
    before = battery["before"]
    assert _snapshot(battery["sub"]) == before["sub"]
    assert _snapshot(battery["base"] / "masters") == before["masters"]
    assert _snapshot(ROOT / "initlab") == before["pkg"]
    assert _snapshot(ROOT / "solutions") == before["solutions"]
    out = battery["out"]
    assert sorted(p.name for p in out.iterdir()) == ["feedback", "grades.csv", "keep.txt"]
    assert (out / "keep.txt").read_text(encoding="utf-8") == "преподаватель\n"
    assert _alive("4242.5") == [] and _alive("4243.5") == []


@pytest.mark.slow
def test_feedback_one_message_per_check_in_task_order(battery):
    out = battery["out"]
    full = (out / "feedback" / "honest_full_06_init.md").read_text(encoding="utf-8")
    titles = [line for line in full.splitlines() if line.startswith("## ")]
    assert len(titles) == 9 and all(t.endswith("зачтено") for t in titles)
    assert [t.split(".")[0] for t in titles] == [f"## Задача {i}" for i in range(1, 10)]
    assert full.count("Верно!") == 9  # the hidden thorough check adds no second message
    blank = (out / "feedback" / "honest_blank_06_init.md").read_text(encoding="utf-8")
    assert blank.count("Ответ ещё не введён") == 9 and "Traceback" not in blank
    moved = (out / "feedback" / "honest_moved_06_init.md").read_text(encoding="utf-8")
    assert "восстановлена на своём месте" in moved
    forged = (out / "feedback" / "forged_records_06_init.md").read_text(encoding="utf-8")
    assert "лишние данные проверки" in forged


# ------------------------------------------------------------------ reruns

def _small_course(base: Path, names=("a_full", "b_blank")) -> tuple[Path, Path]:
    sub, masters = base / "sub", base / "masters"
    masters.mkdir(parents=True)
    shutil.copy(MASTER, masters)
    for name in names:
        path = sub / name / f"{ASSIGNMENT}.ipynb"
        path.parent.mkdir(parents=True)
        nb = student() if "full" in name else (student({"t2-answer": "while True:\n    pass"})
                                                if "loop" in name else student(blank=True))
        path.write_text(text(nb), encoding="utf-8")
    return sub, masters


@pytest.mark.slow
@needs_bwrap
def test_rerun_regrades_when_the_master_changes(tmp_path):
    sub, masters = _small_course(tmp_path)
    out = tmp_path / "out"
    first = _run_grade(sub, out, masters, "--jobs", "2")
    assert first.returncode == 0, first.stderr[-3000:]
    rows = _rows(out)
    assert {r["total"] for r in rows.values()} == {"11", "0"}
    again = _run_grade(sub, out, masters, "--jobs", "2")
    assert "пропущено уже проверенных: 2" in again.stdout, again.stdout
    nb = nbformat.read(str(masters / MASTER.name), 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "t1-check":
            cell.metadata["nbgrader"]["points"] = 3
    nbformat.write(nb, str(masters / MASTER.name))
    third = _run_grade(sub, out, masters, "--jobs", "2")
    assert "проверено заново из-за изменений эталона, программы проверки или работы: 2" \
        in third.stdout, third.stdout
    rows = _rows(out)
    assert rows[f"a_full/{ASSIGNMENT}.ipynb"]["total"] == "13"
    assert {r["maximum"] for r in rows.values()} == {"13"}
    assert len({r["master_sha256"] for r in rows.values()}) == 1


@pytest.mark.slow
@needs_bwrap
def test_interrupted_run_loses_nothing(tmp_path):
    """SIGINT during a run: the rows written so far stay; a rerun finishes the rest."""
    sub, masters = _small_course(tmp_path, ("a_full", "b_loop"))
    out = tmp_path / "out"
    cmd = [*_grade_cmd(), str(sub), "--out", str(out), "--masters", str(masters),
           "--jobs", "1", "--timeout-cell", "30", "--no-progress"]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not (
                (out / "grades.csv").exists() and len(_rows(out)) == 1):
            time.sleep(0.2)
        time.sleep(3.0)  # now inside the infinite loop of the second notebook
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    rows = _rows(out)
    assert list(rows) == [f"a_full/{ASSIGNMENT}.ipynb"] and rows[f"a_full/{ASSIGNMENT}.ipynb"][
        "total"] == "11"
    again = _run_grade(sub, out, masters, "--timeout-cell", "2")
    assert "пропущено уже проверенных: 1" in again.stdout, again.stdout + again.stderr
    assert _rows(out)[f"b_loop/{ASSIGNMENT}.ipynb"]["status"] == "timeout"


# ------------------------------------------------------------------ without bubblewrap

def test_refuses_without_bubblewrap_unless_no_sandbox(tmp_path):
    sub, masters = _small_course(tmp_path, ("a_full",))
    out = tmp_path / "out"
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(_env(), PATH=str(empty))
    cmd = [*_grade_cmd(), str(sub), "--out", str(out), "--masters", str(masters), "--no-progress"]
    refused = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    assert refused.returncode == 2
    assert "не могу запустить песочницу" in refused.stderr and "bubblewrap" in refused.stderr
    assert "--no-sandbox" in refused.stderr and not out.exists()
    ok = subprocess.run([*cmd, "--no-sandbox"], check=False, capture_output=True, text=True,
                        env=env, timeout=300)
    assert ok.returncode == 0, ok.stderr[-3000:]
    assert "Песочница: НЕТ (--no-sandbox)" in ok.stdout
    row = _rows(out)[f"a_full/{ASSIGNMENT}.ipynb"]
    assert row["sandbox"] == "нет (--no-sandbox)" and row["total"] == "11"


# ------------------------------------------------------------------ assembly and judge

def _kinds(cells):
    return [(c.kind, c.grade_id) for c in cells if c.kind != "code" or c.grade_id]


def test_assembly_keeps_student_cells_and_restores_graded_ones():
    from initlab.grading.assemble import assemble
    from initlab.grading.masters import load_master

    master = load_master(MASTER)
    nb = student(None, helper_cells, moved_and_deleted)
    cells = assemble(master, nb)
    order = [c.grade_id for c in cells if c.grade_id]
    expected = [g for c in master.nb.cells
                if (g := c.metadata.get("nbgrader", {}).get("grade_id")) and c.cell_type == "code"]
    assert order == expected
    sources = [c.source for c in cells]
    assert any("def uniform_var" in s for s in sources)  # the student's helper runs
    check3 = next(c for c in cells if c.grade_id == "t3-check")
    assert check3.source == "checks.ch06.uniform_bound(a)"  # the master's, not the student's
    assert [c.grade_id for c in cells if c.restored] == ["t1-check", "t2-check"]
    t9 = next(c for c in cells if c.grade_id == "t9-check")
    assert "thorough=True" in t9.source  # hidden tests included
    assert sources.index(next(s for s in sources if "def uniform_var" in s)) < \
        order.index("t1-answer") + 3


def _task_and_run(records, outputs=()):
    from initlab.grading.assemble import RunCell
    from initlab.grading.masters import load_master

    task = next(t for t in load_master(MASTER).tasks if t.grade_id == "t6-check")
    run = RunCell("check", "", "t6-check", state="ok", records=list(records),
                  outputs=list(outputs))
    return task, run


def _records(fn):
    from initlab.checks import ch06

    return [json.loads(json.dumps(ch06.xavier_uniform.record(fn))),
            json.loads(json.dumps(ch06.xavier_uniform.record(fn, thorough=True)))]


def _xavier(rng, n_in, n_out):
    a = (6 / (n_in + n_out)) ** 0.5
    return rng.uniform(-a, a, size=(n_in, n_out))


def test_judge_accepts_honest_records_and_rejects_forged_ones():
    from initlab.grading.judge import judge_cell

    good = _records(_xavier)
    assert judge_cell(*_task_and_run(good)) == (True, judge_cell(*_task_and_run(good))[1])
    assert judge_cell(*_task_and_run(good))[0]
    # the visible case only, claimed for the hidden call: the master's thorough=True wins
    easy = [good[0], dict(good[0], options={"thorough": True})]
    ok, msg = judge_cell(*_task_and_run(easy))
    assert not ok and "(1, 4000)" in msg
    # a record too many (the notebook called a check itself), a missing one, a wrong name
    assert not judge_cell(*_task_and_run(good + good[:1]))[0]
    assert "не выполнилась" in judge_cell(*_task_and_run(good[:1]))[1]
    assert not judge_cell(*_task_and_run([dict(good[0], check="he_normal"), good[1]]))[0]
    # malformed data, a pickle smuggled as .npy, a verdict instead of data
    bad = dict(good[0], data={"calls": [{"result": {"__npy__": "gASVAAAA"}}]})
    assert "повреждены" in judge_cell(*_task_and_run([bad, good[1]]))[1] or \
        not judge_cell(*_task_and_run([bad, good[1]]))[0]
    verdict = dict(good[0], data={"verdict": "Верно!"})
    assert not judge_cell(*_task_and_run([verdict, good[1]]))[0]
    # an honest wrong sampler fails with the self-check's own message
    wrong = _records(lambda rng, n_in, n_out: rng.uniform(-1, 1, size=(n_in, n_out)))
    ok, msg = judge_cell(*_task_and_run(wrong))
    assert not ok and msg.startswith("Неверно: дисперсия весов")


def test_gradebook_rows_record_master_and_grader(tmp_path):
    from initlab.grading.gradebook import Gradebook, grader_version
    from initlab.grading.masters import load_masters

    (tmp_path / "m").mkdir()
    shutil.copy(MASTER, tmp_path / "m")
    masters = load_masters(tmp_path / "m")
    book = Gradebook(tmp_path, masters)
    master = masters[ASSIGNMENT]
    row = {"file": "s.ipynb", "student": "s", "assignment": ASSIGNMENT, "points": {"t1-check": "1"},
           "total": "1", "maximum": "11", "status": "ok", "message": "", "feedback": "",
           "sha256": "abc", "master_sha256": master.sha256, "grader": grader_version(),
           "sandbox": "да"}
    book.rows["s.ipynb"] = row
    book.write()
    again = Gradebook(tmp_path, masters)
    assert again.stale("s.ipynb", "abc", master, grader_version(), "да") == ""
    assert again.stale("s.ipynb", "abd", master, grader_version(), "да") == "changed"
    assert again.stale("s.ipynb", "abc", master, "0.0.0+other", "да") == "changed"
    assert again.stale("s.ipynb", "abc", master, grader_version(), "нет (--no-sandbox)") == "changed"
    assert again.stale("t.ipynb", "abc", master, grader_version(), "да") == "new"


# ------------------------------------------------------------------ nbgrader

@pytest.mark.slow
@needs_bwrap
def test_agrees_with_nbgrader(tmp_path):
    """The real nbgrader (generate_assignment, autograde) and `initlab grade` give the same
    points per task on the same honest submissions, helper cells included."""
    students = {"full": (None, [], False),
                "helper": (None, [helper_cells, extra_imports], False),
                "colab": (None, [colab], False), "lab4": (None, [lab4], False),
                "half": ({"t1-answer": "var_w = 1 / 256", "t6-answer": "xavier_uniform = None"},
                         [], False)}
    submitted = nbgrader_course(tmp_path, students)
    nbgrader(tmp_path, "autograde", ASSIGNMENT, "--force")
    theirs = nbgrader_scores(tmp_path)
    out = tmp_path / "initlab"
    proc = _run_grade(submitted, out, tmp_path / "course" / "source" / ASSIGNMENT, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    ours = {r["student"]: r for r in _rows(out).values()}
    assert set(ours) == set(students)
    for name in students:
        for task in TASKS:
            assert float(ours[name][task]) == theirs[name][task], (name, task)
    # half: t1 and t6 wrong, and t2 (ratio = n_in · var_w) follows t1's mistake
    assert float(ours["full"]["total"]) == MAXIMUM and float(ours["half"]["total"]) == MAXIMUM - 4


# ------------------------------------------------------------------ the real masters

def test_every_master_check_cell_can_be_judged_outside_the_kernel():
    """Each graded cell of solutions/ consists of module-qualified check calls that resolve
    to Check objects (a new chapter written otherwise would score 0 in initlab grade)."""
    from initlab.grading.masters import load_master

    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        for task in load_master(path).tasks:
            assert not task.problem, (path.name, task.grade_id, task.problem)
            assert task.calls, (path.name, task.grade_id)


@pytest.mark.slow
@needs_bwrap
def test_real_masters(tmp_path):
    """Every real master scores its maximum; its generated exercise scores 0."""
    from initlab.grading.masters import load_master

    sub = tmp_path / "sub"
    sub.mkdir()
    masters = sorted((ROOT / "solutions").glob("*.ipynb"))
    for m in masters:
        shutil.copy(m, sub / f"master_{m.name}")
        ex = ROOT / "exercises" / m.name
        if ex.exists():
            shutil.copy(ex, sub / f"blank_{m.name}")
    out = tmp_path / "out"
    proc = _run_grade(sub, out, ROOT / "solutions", "--jobs", "2")
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _rows(out)
    for m in masters:
        row = rows[f"master_{m.name}"]
        assert row["status"] == "ok" and float(row["total"]) == load_master(m).maximum, row
        if f"blank_{m.name}" in rows:
            blank = rows[f"blank_{m.name}"]
            assert blank["status"] == "ok" and float(blank["total"]) == 0, blank
