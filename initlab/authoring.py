"""Generate the student versions (``exercises/``) from the master notebooks (``solutions/``).

A master is an nbgrader *source* notebook (see CONVENTIONS.md): answer cells
(``nbgrader.solution``) hold the solution between ``### BEGIN SOLUTION`` and
``### END SOLUTION``; check cells (``nbgrader.grade``, locked, with points) call one
check function and may hold hidden tests between ``### BEGIN HIDDEN TESTS`` and
``### END HIDDEN TESTS``.

The generator is a pipeline of preprocessors; each takes and returns a notebook (a copy is
made first). Where nbgrader has the preprocessor, nbgrader's own runs (``ClearSolutions``
with the course's stubs, ``ClearHiddenTests``, ``LockCells``, ``ComputeChecksums``);
nbgrader is imported only when exercises are generated (an authoring/test dependency, not
in the student's environment). The output is byte-identical to the earlier in-house
pipeline (``initlab exercises --check`` and tests/test_authoring.py):

1. :func:`check_metadata`      the master is well-formed: ``initlab.assignment``, unique
                               ``grade_id``, points on graded cells, markers balanced;
2. :func:`clear_solutions`     each solution region → a stub (the rules below; nbgrader);
3. :func:`clear_hidden_tests`  hidden-test regions are removed (nbgrader);
4. :func:`clear_outputs`       no outputs, no execution counts, no run-time metadata;
5. :func:`tag_check_cells`     graded code cells get the tag ``raises-exception``
                               (nbval then accepts that they fail until answered);
6. :func:`lock_cells`          ``deletable``/``editable``: nbgrader's ``LockCells``;
7. :func:`compute_checksums`   ``nbgrader.checksum`` and ``nbgrader.cell_type``: nbgrader's
                               ``ComputeChecksums`` (the exercise is a valid nbgrader
                               release notebook);
8. :func:`normalise`           deterministic cell ids and notebook format.

Stub rules (CONVENTIONS.md): a region at the cell's top level (its ``### BEGIN
SOLUTION`` line is not indented) gives one line ``name = ...  # впишите ответ`` per name
assigned at its top level (``a, b = …`` gives one line per name, in order). A region
that is indented (inside a ``def``), contains a top-level ``return`` or assigns no name
is a function body: it becomes ``...  # ваше решение`` at the region's indentation, so
the stubbed function returns ``None``. The marker lines disappear. A markdown solution region becomes
«Впишите ответ здесь.». Answer cells therefore always run in the student version.

:func:`write_notebook` writes the bytes deterministically: the same master gives the
identical file. :func:`generate_all` / :func:`check_all` are what ``initlab exercises``
and its ``--check`` run; a test compares every ``solutions/*.ipynb`` with its
``exercises/`` counterpart through :func:`check_all`.
"""

from __future__ import annotations

import argparse
import ast
import copy
import hashlib
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

import nbformat

__all__ = [
    "BEGIN_HIDDEN",
    "BEGIN_SOLUTION",
    "CHECK_TAG",
    "END_HIDDEN",
    "END_SOLUTION",
    "PIPELINE",
    "MasterError",
    "add_arguments",
    "answer_cell",
    "check_all",
    "check_cell",
    "generate_all",
    "make_exercise",
    "notebook_bytes",
    "read_notebook",
    "run",
    "stub_region",
    "write_notebook",
]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
CHECK_TAG = "raises-exception"
ANSWER_STUB = "  # впишите ответ"
BODY_STUB = "...  # ваше решение"
MARKDOWN_STUB = "Впишите ответ здесь."

#: Run-time metadata of a cell that never belongs in a stored notebook.
_VOLATILE_CELL_META = ("execution", "collapsed", "scrolled", "ExecuteTime", "jp-MarkdownHeadingCollapsed")
#: Notebook metadata that depends on who ran it last.
_VOLATILE_NB_META = ("widgets", "toc", "varInspector")


class MasterError(ValueError):
    """A master notebook breaks the conventions (unbalanced markers, bad metadata…)."""


# --------------------------------------------------------------------------- helpers

def _nbg(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def is_solution(cell) -> bool:
    return bool(_nbg(cell).get("solution", False))


def is_grade(cell) -> bool:
    return bool(_nbg(cell).get("grade", False))


def is_locked(cell) -> bool:
    """As nbgrader: solution cells are never locked, graded cells always are."""
    if is_solution(cell):
        return False
    if is_grade(cell):
        return True
    return bool(_nbg(cell).get("locked", False))


def _where(cell, index: int) -> str:
    gid = _nbg(cell).get("grade_id")
    return f"cell {index}" + (f" ({gid})" if gid else "")


def _regions(lines: list[str], begin: str, end: str, where: str) -> list[tuple[int, int]]:
    """(begin line, end line) index pairs of the marked regions, markers included."""
    out, start = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if start is not None:
                raise MasterError(f"{where}: nested {begin!r}")
            start = i
        elif text == end:
            if start is None:
                raise MasterError(f"{where}: {end!r} without {begin!r}")
            out.append((start, i))
            start = None
    if start is not None:
        raise MasterError(f"{where}: {begin!r} without {end!r}")
    return out


def _assigned_names(tree: ast.Module) -> list[str]:
    names: list[str] = []

    def collect(target):
        if isinstance(target, ast.Name):
            if target.id not in names:
                names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                collect(elt)
        elif isinstance(target, ast.Starred):
            collect(target.value)

    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                collect(target)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            collect(node.target)
    return names


def stub_region(region: list[str], indent: str, where: str = "solution") -> list[str]:
    """The stub lines that replace the lines ``region`` of a code solution region.

    >>> stub_region(["var_w = 1 / (3 * 256)"], "")
    ['var_w = ...  # впишите ответ']
    >>> stub_region(["a = np.sqrt(6 / (n_in + n_out))", "return rng.uniform(-a, a, (n_in, n_out))"], "    ")
    ['    ...  # ваше решение']
    """
    source = textwrap.dedent("\n".join(region))
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise MasterError(f"{where}: the solution does not parse: {exc.msg} "
                          f"(line {exc.lineno})") from None
    defs = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    if defs and not indent:
        raise MasterError(f"{where}: the solution region holds `def {defs[0]}`; keep the "
                          "`def` line outside the region (only the body is the solution)")
    if indent or any(isinstance(node, ast.Return) for node in tree.body):
        return [indent + BODY_STUB]  # a function body
    names = _assigned_names(tree)
    if names:
        return [f"{indent}{name} = ...{ANSWER_STUB}" for name in names]
    return [indent + BODY_STUB]


def _lines(source) -> list[str]:
    if isinstance(source, list):
        source = "".join(source)
    return source.split("\n")


# ----------------------------------------------------------------- preprocessors

def check_metadata(nb, resources: dict):
    """Validate the master: assignment metadata, unique grade ids, points, markers."""
    name = resources.get("name", "notebook")
    meta = nb.metadata.get("initlab")
    if not isinstance(meta, dict) or not meta.get("assignment"):
        raise MasterError(f"{name}: notebook metadata initlab.assignment is missing")
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        nbg = _nbg(cell)
        where = f"{name}: {_where(cell, i)}"
        lines = _lines(cell.source)
        sol = _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
        hid = _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
        if sol and not is_solution(cell):
            raise MasterError(f"{where}: solution markers in a cell that is not an answer cell")
        if hid and not is_grade(cell):
            raise MasterError(f"{where}: hidden tests in a cell that is not graded")
        if not nbg:
            continue
        gid = nbg.get("grade_id")
        if not gid:
            raise MasterError(f"{where}: nbgrader cell without grade_id")
        if gid in seen:
            raise MasterError(f"{where}: duplicate grade_id {gid!r}")
        seen.add(gid)
        if nbg.get("schema_version") != 3:
            raise MasterError(f"{where}: nbgrader schema_version must be 3")
        if is_grade(cell):
            points = nbg.get("points")
            if not isinstance(points, (int, float)) or isinstance(points, bool) or points < 0:
                raise MasterError(f"{where}: graded cell needs non-negative points")
        if is_solution(cell) and cell.cell_type == "code" and not sol:
            raise MasterError(f"{where}: answer cell without {BEGIN_SOLUTION!r}")
    return nb, resources


def _nbgrader(name: str):
    """A preprocessor class of nbgrader, imported only when exercises are generated
    (nbgrader is an authoring and test dependency, not part of the student's environment)."""
    from nbgrader import preprocessors
    return getattr(preprocessors, name)


def _run(preprocessor, nb, resources: dict):
    """Run an nbgrader preprocessor; its RuntimeError (a malformed master) → MasterError."""
    try:
        return preprocessor.preprocess(nb, resources)
    except RuntimeError as exc:
        raise MasterError(f"{resources.get('name', 'notebook')}: {exc}") from exc


def clear_solutions(nb, resources: dict):
    """Replace every solution region by its stub: nbgrader's ``ClearSolutions`` with the
    course's stubs (the rules in the module docstring) instead of a fixed code stub."""
    name = resources.get("name", "notebook")

    class CourseStubs(_nbgrader("ClearSolutions")):
        def _replace_solution_region(self, cell, language):
            lines = _lines(cell.source)
            regions = _regions(lines, BEGIN_SOLUTION, END_SOLUTION, f"{name}: {cell.get('id')}")
            for begin, end in reversed(regions):
                if cell.cell_type == "code":
                    indent = re.match(r"\s*", lines[begin]).group(0)
                    stub = stub_region(lines[begin + 1:end], indent, f"{name}: {cell.get('id')}")
                else:
                    stub = [MARKDOWN_STUB]
                lines[begin:end + 1] = stub
            if regions:
                cell.source = "\n".join(lines)
            return bool(regions)

    return _run(CourseStubs(code_stub={"python": BODY_STUB}, text_stub=MARKDOWN_STUB),
                nb, resources)


def clear_hidden_tests(nb, resources: dict):
    """Remove the hidden-test regions (markers included): nbgrader's ``ClearHiddenTests``;
    then the blank lines they leave at the ends of a cell."""
    before = [cell.source for cell in nb.cells]
    nb, resources = _run(_nbgrader("ClearHiddenTests")(), nb, resources)
    for cell, old in zip(nb.cells, before, strict=True):
        if cell.source != old:
            cell.source = cell.source.strip("\n")
    return nb, resources


def clear_outputs(nb, resources: dict):
    """No outputs, no execution counts, no run-time metadata."""
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in _VOLATILE_CELL_META:
            cell.metadata.pop(key, None)
    for key in _VOLATILE_NB_META:
        nb.metadata.pop(key, None)
    return nb, resources


def tag_check_cells(nb, resources: dict):
    """Tag graded code cells (checks) ``raises-exception``: they fail until answered.

    nbval 0.11 reads the tag as "an error in this cell is expected": an error is then
    not a failure, and a cell that runs without error passes as well.
    """
    for cell in nb.cells:
        if cell.cell_type == "code" and is_grade(cell) and not is_solution(cell):
            tags = list(cell.metadata.get("tags", []))
            if CHECK_TAG not in tags:
                tags.append(CHECK_TAG)
            cell.metadata["tags"] = tags
    return nb, resources


def lock_cells(nb, resources: dict):
    """``deletable``/``editable``: nbgrader's ``LockCells`` with its defaults."""
    return _run(_nbgrader("LockCells")(), nb, resources)


def compute_checksums(nb, resources: dict):
    """``nbgrader.checksum`` and ``nbgrader.cell_type`` of grade, solution and locked cells:
    nbgrader's ``ComputeChecksums`` (so the exercise is a valid nbgrader release notebook)."""
    return _run(_nbgrader("ComputeChecksums")(), nb, resources)


def normalise(nb, resources: dict):
    """nbformat 4.5; every cell gets a unique id, derived deterministically where missing
    or duplicated (nbformat would otherwise invent random ones)."""
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))
    used: set[str] = set()
    for i, cell in enumerate(nb.cells):
        cid = cell.get("id")
        if not cid or cid in used:
            base = _nbg(cell).get("grade_id") or hashlib.sha1(
                f"{i}:{cell.source}".encode()).hexdigest()[:8]
            cid, k = base, 1
            while cid in used:
                cid, k = f"{base}-{k}", k + 1
            cell["id"] = cid
        used.add(cid)
    return nb, resources


Preprocessor = Callable[[nbformat.NotebookNode, dict], tuple]

PIPELINE: list[Preprocessor] = [
    check_metadata,
    clear_solutions,
    clear_hidden_tests,
    clear_outputs,
    tag_check_cells,
    lock_cells,
    compute_checksums,
    normalise,
]


def make_exercise(master, name: str = "notebook",
                  pipeline: Iterable[Preprocessor] = PIPELINE):
    """The student version of the master notebook ``master`` (left unchanged)."""
    nb = copy.deepcopy(master)
    resources = {"name": name}
    for step in pipeline:
        nb, resources = step(nb, resources)
    return nb


# ------------------------------------------------------------------------ files

def read_notebook(path: Path):
    """Read a notebook without validating or upgrading it (no random cell ids)."""
    return nbformat.reads(Path(path).read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)


def notebook_bytes(nb) -> bytes:
    """The stored form: nbformat's JSON (sorted keys, indent 1, UTF-8) with a final newline."""
    text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    if not text.endswith("\n"):
        text += "\n"
    return text.encode("utf-8")


def write_notebook(nb, path: Path) -> bool:
    """Write ``nb`` to ``path`` if its bytes differ; return whether the file changed."""
    data = notebook_bytes(nb)
    path = Path(path)
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def find_root(start: Path | None = None) -> Path:
    """The repository root: the first folder upwards holding ``solutions/`` (else cwd)."""
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "solutions").is_dir():
            return folder
    package_root = Path(__file__).resolve().parent.parent
    if (package_root / "solutions").is_dir():
        return package_root
    return start


def expected_exercises(solutions: Path) -> dict[str, bytes]:
    """File name → the bytes ``exercises/`` must hold, for every ``solutions/*.ipynb``."""
    out = {}
    for path in sorted(Path(solutions).glob("*.ipynb")):
        out[path.name] = notebook_bytes(make_exercise(read_notebook(path), path.name))
    return out


def check_all(solutions: Path, exercises: Path) -> list[str]:
    """Differences between ``exercises/`` and what the generator makes (empty: in sync)."""
    problems = []
    expected = expected_exercises(solutions)
    for name, data in expected.items():
        target = Path(exercises) / name
        if not target.exists():
            problems.append(f"{target}: missing (run `initlab exercises`)")
        elif target.read_bytes() != data:
            problems.append(f"{target}: differs from what solutions/{name} gives "
                            "(run `initlab exercises`)")
    for path in sorted(Path(exercises).glob("*.ipynb")):
        if path.name not in expected:
            problems.append(f"{path}: no master solutions/{path.name} (delete it or add the master)")
    return problems


def generate_all(solutions: Path, exercises: Path) -> list[Path]:
    """Write ``exercises/NAME.ipynb`` for every ``solutions/NAME.ipynb``; return the changed."""
    changed = []
    for name, data in expected_exercises(solutions).items():
        target = Path(exercises) / name
        if not (target.exists() and target.read_bytes() == data):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
            changed.append(target)
    return changed


# ------------------------------------------------------------- authoring helpers

def answer_cell(grade_id: str, source: str):
    """A new answer cell with the conventions' nbgrader metadata (for building masters)."""
    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = grade_id
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": False,
                                 "schema_version": 3, "solution": True, "task": False}
    return cell


def check_cell(grade_id: str, source: str, points: float = 1):
    """A new check cell with the conventions' nbgrader metadata (for building masters)."""
    cell = nbformat.v4.new_code_cell(source)
    cell["id"] = grade_id
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": grade_id, "locked": True,
                                 "points": points, "schema_version": 3, "solution": False,
                                 "task": False}
    return cell


# ------------------------------------------------------------------------- CLI

def add_arguments(p: argparse.ArgumentParser) -> None:
    from .cli import add_check_and_root

    add_check_and_root(p, "exercises/ устарела",
                       "ближайшая папка выше текущей, в которой есть solutions/")


def run(args: argparse.Namespace) -> int:
    root = args.root or find_root()
    solutions, exercises = root / "solutions", root / "exercises"
    if not solutions.is_dir():
        print(f"initlab exercises: нет папки {solutions}", file=sys.stderr)
        return 2
    try:
        if args.check:
            problems = check_all(solutions, exercises)
            for line in problems:
                print(line, file=sys.stderr)
            if problems:
                return 1
            print(f"exercises/ совпадает с solutions/ (ноутбуков: {len(list(solutions.glob('*.ipynb')))})")
            return 0
        changed = generate_all(solutions, exercises)
    except MasterError as exc:
        print(f"initlab exercises: {exc}", file=sys.stderr)
        return 1
    for path in changed:
        print(f"записан {path}")
    stale = [p for p in sorted(exercises.glob("*.ipynb")) if not (solutions / p.name).exists()]
    for path in stale:
        print(f"внимание: у {path} нет образца в solutions/", file=sys.stderr)
    if not changed:
        print("exercises/ уже в актуальном состоянии")
    return 0
