"""The generator of student versions: stub rules, hidden tests, determinism, nbgrader
compatibility, and the committed exercises/ in sync with solutions/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from initlab import authoring as asg
from initlab.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
MASTERS = sorted(SOLUTIONS.glob("*.ipynb"))


def master(*cells, assignment="99_test"):
    nb = nbformat.v4.new_notebook(cells=list(cells))
    nb.metadata = {"initlab": {"assignment": assignment},
                   "kernelspec": {"name": "python3", "display_name": "Python 3",
                                  "language": "python"}}
    return nb


def exercise_source(source: str, grade_id: str = "t1-answer") -> str:
    nb = asg.make_exercise(master(asg.answer_cell(grade_id, source)))
    return nb.cells[0].source


# ------------------------------------------------------------------ stub rules

def test_assignment_becomes_a_stub():
    src = "### BEGIN SOLUTION\nvar_w = 1 / (3 * 256)\n### END SOLUTION"
    assert exercise_source(src) == "var_w = ...  # впишите ответ"


def test_several_and_tuple_assignments_give_one_line_per_name():
    src = ("x = 1\n### BEGIN SOLUTION\nimport math\na, (b, *c) = 1, (2, 3)\nd: float = 4.0\n"
           "a = 5\ne += 1\nf.g = 2\nh = k = 0\n### END SOLUTION\nprint(x)")
    assert exercise_source(src) == (
        "x = 1\n"
        "a = ...  # впишите ответ\nb = ...  # впишите ответ\nc = ...  # впишите ответ\n"
        "d = ...  # впишите ответ\nh = ...  # впишите ответ\nk = ...  # впишите ответ\n"
        "print(x)")


def test_function_body_becomes_ellipsis_at_its_indentation():
    src = ('def f(rng, n):\n    """Doc."""\n    ### BEGIN SOLUTION\n    a = 2\n'
           '    return rng.normal(0, a, n)\n    ### END SOLUTION\n')
    out = exercise_source(src)
    assert out == 'def f(rng, n):\n    """Doc."""\n    ...  # ваше решение\n'
    namespace: dict = {}
    exec(out, namespace)  # noqa: S102 — the test's own generated stub: it runs, returns None
    assert namespace["f"](None, 3) is None


def test_region_without_assignment_becomes_ellipsis():
    assert exercise_source("### BEGIN SOLUTION\nprint(42)\n### END SOLUTION") == (
        "...  # ваше решение")


def test_several_regions_in_one_cell():
    src = ("### BEGIN SOLUTION\na = 1\n### END SOLUTION\nb = a + 1\n"
           "def g():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION")
    assert exercise_source(src) == (
        "a = ...  # впишите ответ\nb = a + 1\ndef g():\n    ...  # ваше решение")


@pytest.mark.parametrize("src,error", [
    ("### BEGIN SOLUTION\na = 1", "without '### END SOLUTION'"),
    ("a = 1\n### END SOLUTION", "without '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ("a = 1", "answer cell without '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\na = = 1\n### END SOLUTION", "does not parse"),
    ("### BEGIN SOLUTION\ndef f():\n    return 1\n### END SOLUTION", "keep the `def` line outside"),
])
def test_malformed_masters_are_rejected(src, error):
    with pytest.raises(asg.MasterError, match=error):
        asg.make_exercise(master(asg.answer_cell("t1-answer", src)))


def test_master_metadata_is_validated():
    with pytest.raises(asg.MasterError, match="initlab.assignment"):
        nb = master(asg.answer_cell("a", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
        nb.metadata.pop("initlab")
        asg.make_exercise(nb)
    with pytest.raises(asg.MasterError, match="duplicate grade_id"):
        second = asg.check_cell("c", "g()")
        second["id"] = "c2"
        asg.make_exercise(master(asg.check_cell("c", "f()"), second))
    bad = asg.check_cell("c", "f()")
    del bad.metadata["nbgrader"]["points"]
    with pytest.raises(asg.MasterError, match="points"):
        asg.make_exercise(master(bad))
    with pytest.raises(asg.MasterError, match="hidden tests in a cell that is not graded"):
        asg.make_exercise(master(nbformat.v4.new_code_cell(
            "### BEGIN HIDDEN TESTS\nf()\n### END HIDDEN TESTS")))


# ----------------------------------------------------- hidden tests, tags, lock

def full_master():
    md = nbformat.v4.new_markdown_cell("## Задача")
    md["id"] = "task"
    setup = nbformat.v4.new_code_cell("x = 1")
    setup["id"] = "setup"
    setup.outputs = [nbformat.v4.new_output("stream", text="noise")]
    setup.execution_count = 3
    setup.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    answer = asg.answer_cell("t1-answer", "### BEGIN SOLUTION\ny = 2\n### END SOLUTION")
    check = asg.check_cell(
        "t1-check", "check(y)\n### BEGIN HIDDEN TESTS\nassert y == 2\n### END HIDDEN TESTS\n",
        points=2)
    check.metadata["tags"] = ["keep-me"]
    nb = master(md, setup, answer, check)
    nb.metadata["widgets"] = {"state": {}}
    return nb


def test_hidden_tests_removed_outputs_cleared_cells_tagged_and_locked():
    nb = asg.make_exercise(full_master())
    _md, setup, answer, check = nb.cells
    assert check.source == "check(y)"
    assert "HIDDEN" not in asg.notebook_bytes(nb).decode()
    assert "assert y == 2" not in asg.notebook_bytes(nb).decode()
    assert setup.outputs == [] and setup.execution_count is None
    assert "execution" not in setup.metadata and "widgets" not in nb.metadata
    assert check.metadata.tags == ["keep-me", "raises-exception"]
    assert "tags" not in answer.metadata  # answers run (stubs) and are not tagged
    assert check.metadata.deletable is False and check.metadata.editable is False
    assert answer.metadata.deletable is False and "editable" not in answer.metadata
    assert "deletable" not in setup.metadata
    assert check.metadata.nbgrader["points"] == 2
    assert check.metadata.nbgrader["cell_type"] == "code"
    assert [c.id for c in nb.cells] == ["task", "setup", "t1-answer", "t1-check"]
    assert nb.metadata.initlab.assignment == "99_test"


def test_master_is_not_modified():
    nb = full_master()
    before = asg.notebook_bytes(nb)
    asg.make_exercise(nb)
    assert asg.notebook_bytes(nb) == before


def test_checksums_agree_with_nbgrader():
    from nbgrader import utils
    from nbgrader.nbgraderformat import MetadataValidator

    for path in [*MASTERS, None]:
        nb = asg.make_exercise(asg.read_notebook(path) if path else full_master())
        MetadataValidator().validate_nb(nb)
        for cell in nb.cells:
            if "checksum" in cell.metadata.get("nbgrader", {}):
                assert cell.metadata.nbgrader.checksum == utils.compute_checksum(cell)


# ----------------------------------------------------------------- determinism

def test_generation_is_deterministic(tmp_path):
    nb = full_master()
    for cell in nb.cells:
        cell.pop("id")  # ids are then derived deterministically
    first = asg.notebook_bytes(asg.make_exercise(nb))
    second = asg.notebook_bytes(asg.make_exercise(nb))
    assert first == second
    assert first.endswith(b"\n") and b"\r" not in first
    path = tmp_path / "x.ipynb"
    assert asg.write_notebook(asg.make_exercise(nb), path) is True
    assert asg.write_notebook(asg.make_exercise(nb), path) is False  # unchanged: not rewritten
    assert path.read_bytes() == first
    assert asg.notebook_bytes(asg.read_notebook(path)) == first  # reading and writing is stable


# --------------------------------------------------------- the committed files

@pytest.mark.parametrize("path", MASTERS, ids=[p.name for p in MASTERS])
def test_committed_exercise_equals_the_generated_one(path):
    """Every solutions/*.ipynb (also those added later) has its exercises/ twin, byte-equal."""
    target = EXERCISES / path.name
    assert target.exists(), f"{target} is missing: run `make exercises`"
    expected = asg.notebook_bytes(asg.make_exercise(asg.read_notebook(path), path.name))
    assert target.read_bytes() == expected, f"{target} is stale: run `make exercises`"


def test_exercises_in_sync_and_no_orphans():
    assert MASTERS, "solutions/ holds no master notebook"
    assert asg.check_all(SOLUTIONS, EXERCISES) == []


def test_cli_check_reports_differences(tmp_path, capsys):
    shutil.copytree(SOLUTIONS, tmp_path / "solutions")
    (tmp_path / "exercises").mkdir()
    assert cli_main(["exercises", "--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert all(f"{p.name}: missing" in err for p in MASTERS)
    assert cli_main(["exercises", "--root", str(tmp_path)]) == 0
    assert cli_main(["exercises", "--check", "--root", str(tmp_path)]) == 0
    first = MASTERS[0].name
    (tmp_path / "exercises" / first).write_text("{}", encoding="utf-8")
    (tmp_path / "exercises" / "zz_orphan.ipynb").write_text("{}", encoding="utf-8")
    assert cli_main(["exercises", "--check", "--root", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert f"{first}: differs" in err and "zz_orphan.ipynb: no master" in err


def test_console_script_is_installed():
    exe = Path(sys.executable).with_name("initlab")
    result = subprocess.run([str(exe), "exercises", "--check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not MASTERS, reason="no masters")
def test_exercise_equals_nbgrader_release_except_stubs(tmp_path):
    """The real `nbgrader generate_assignment` gives the same notebook, up to the solution
    stubs (nbgrader writes `raise NotImplementedError()`) and our `raises-exception` tag."""
    path = MASTERS[0]
    name = path.stem
    (tmp_path / "source" / name).mkdir(parents=True)
    shutil.copy(path, tmp_path / "source" / name / path.name)
    (tmp_path / "nbgrader_config.py").write_text('c = get_config()\nc.CourseDirectory.root = "."\n')
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    subprocess.run([str(Path(sys.executable).with_name("nbgrader")), "generate_assignment", name, "--force",
                    f'--CourseDirectory.db_assignments=[{{"name": "{name}"}}]'],
                   cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300)
    theirs = nbformat.read(tmp_path / "release" / name / path.name, as_version=4)
    ours = asg.make_exercise(asg.read_notebook(path), path.name)
    assert [c.id for c in theirs.cells] == [c.id for c in ours.cells]
    assert theirs.metadata == ours.metadata
    for a, b in zip(theirs.cells, ours.cells):
        meta_b = dict(b.metadata)
        tags = [t for t in meta_b.pop("tags", []) if t != asg.CHECK_TAG]
        if tags:
            meta_b["tags"] = tags
        if asg.is_solution(a):
            assert asg.BEGIN_SOLUTION not in b.source
            a.metadata.nbgrader.pop("checksum")
            meta_b["nbgrader"] = {k: v for k, v in meta_b["nbgrader"].items() if k != "checksum"}
        else:
            assert a.source == b.source
        assert dict(a.metadata) == meta_b
