"""Every stored notebook is clean (no outputs, no execution counts), and every master and
exercise carries the metadata the grader needs (initlab.assignment, valid nbgrader cells).

The lists are globbed at collection time, so notebooks added later are covered too."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _notebooks(*folders: str) -> list[Path]:
    found = []
    for folder in folders:
        found += [p for p in sorted((ROOT / folder).rglob("*.ipynb"))
                  if ".ipynb_checkpoints" not in p.parts]
    return found


ALL = _notebooks("book", "solutions", "exercises")
GRADED = _notebooks("solutions", "exercises")


def _ids(paths):
    return [str(p.relative_to(ROOT)) for p in paths]


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_stored_without_outputs(path):
    raw = json.loads(path.read_text(encoding="utf-8"))
    nb = nbformat.from_dict(raw)
    nbformat.validate(nb)
    assert raw.get("nbformat") == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", "kernelspec python3"
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, (f"cells {dirty} have outputs or execution counts: "
                       "clear them (Jupyter: Edit → Clear Outputs of All Cells)")
    ids = [c.get("id") for c in nb.cells]
    assert all(ids) and len(set(ids)) == len(ids), "every cell needs a unique id"


@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_first_code_cell_is_the_setup_cell(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if code:
        assert 'find_spec("initlab") is None' in code[0].source, (
            "the first code cell must be the setup cell of CONVENTIONS.md")
        if path.relative_to(ROOT).parts[0] == "book":
            assert "remove-cell" in code[0].metadata.get("tags", [])


@pytest.mark.parametrize("path", GRADED, ids=_ids(GRADED))
def test_assignment_and_nbgrader_metadata(path):
    from nbgrader.nbgraderformat import MetadataValidator

    nb = nbformat.read(path, as_version=4)
    assignment = nb.metadata.get("initlab", {}).get("assignment")
    assert assignment, "notebook metadata initlab.assignment is missing"
    assert assignment == path.stem, "initlab.assignment must equal the file name (NN_slug)"
    MetadataValidator().validate_nb(nb)  # raises on invalid nbgrader metadata
    cells = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    grade_ids = [m["grade_id"] for m in cells]
    assert len(set(grade_ids)) == len(grade_ids), "grade_ids must be unique"
    graded = [m for m in cells if m.get("grade")]
    assert graded, "an assignment needs at least one graded (check) cell"
    for m in graded:
        assert isinstance(m.get("points"), (int, float)) and m["points"] > 0, m["grade_id"]
        assert m.get("locked") is True, f"{m['grade_id']}: check cells are locked"
    for m in cells:
        if m.get("solution"):
            assert m.get("locked") is False, f"{m['grade_id']}: answer cells are not locked"
