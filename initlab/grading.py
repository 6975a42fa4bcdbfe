"""Grade a folder of submitted notebooks into a gradebook and feedback.

    initlab grade SUBMISSIONS_DIR --out RESULTS_DIR [--jobs N] [--force]
                  [--masters solutions/] [--timeout-cell S] [--timeout-notebook S]
                  [--memory-mb M]

**Submissions.** Every ``*.ipynb`` file below SUBMISSIONS_DIR (hidden files and
``.ipynb_checkpoints`` excepted) is one submission. The student id is taken from the
path relative to SUBMISSIONS_DIR:

- a file inside a folder: the first folder, ``ivanov/06_init.ipynb`` → ``ivanov``
  (so nbgrader's ``submitted/ivanov/06_init/06_init.ipynb`` gives ``ivanov`` too);
- a file at the top level: its name without ``.ipynb`` and without an assignment name
  at its end or start, ``ivanov_06_init.ipynb`` → ``ivanov``.

**Matching.** A submission belongs to the master (in ``--masters``, default
``solutions/``) whose ``metadata.initlab.assignment`` it carries; a notebook without it
is matched by the nbgrader ``grade_id`` of its cells, and a notebook without nbgrader
cells by its file name. A notebook that names another assignment, or whose cells match
none, gets the status ``unknown assignment``.

**Grading.** The notebook that runs is the master, cell by cell, with the student's
answer cells (nbgrader ``solution`` cells, by ``grade_id``) in place of the master's:
every other cell — the graded check cells with their hidden tests included — comes
from the master, so editing or deleting a check cannot change a score. It runs in a
fresh kernel in a temporary copy of the submission's folder (the submission itself is
only read), with a memory limit, a file-size limit, a time limit per cell and per
notebook, and the output kept per cell to ``OUTPUT_LIMIT`` characters. Each graded
cell runs under a guard (``initlab/_grading_guard.py``) that undoes the student's
patches of the checks, builtins and notebook names, and proves with a token that the
check really ran. A graded cell scores its points if it raised no error; if its last
expression is a single number, that number is the score (nbgrader's partial credit;
capped at the cell's points). Unlike nbgrader, output on stderr (a warning) does not
fail a cell.

**Results.** ``RESULTS_DIR/grades.csv`` (UTF-8 with BOM, for spreadsheets): one row
per submission: ``file, student, assignment``, one column per graded cell
(``grade_id``; ``assignment/grade_id`` when the gradebook holds several assignments),
``total, maximum, status, message, feedback, sha256``. Statuses: ``ok``, ``timeout``,
``kernel died``, ``not a notebook``, ``unknown assignment``, ``error`` (a failure of
the grader itself on this submission). The file is rewritten atomically after every
submission; a rerun skips a submission whose path and content hash (``sha256``) are in
the gradebook, unless ``--force``. ``RESULTS_DIR/feedback/<student>_<assignment>.md``
tells the student, task by task, what passed and what failed and why (in Russian).
"""

# The grader must survive anything a submission does, so it catches broad exceptions
# on purpose (each such place turns the failure into a status or skips a cleanup step).
# ruff: noqa: BLE001, S110

from __future__ import annotations

import argparse
import ast
import asyncio
import csv
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

OK = "ok"
TIMEOUT = "timeout"
KERNEL_DIED = "kernel died"
NOT_A_NOTEBOOK = "not a notebook"
UNKNOWN_ASSIGNMENT = "unknown assignment"
ERROR = "error"
STATUSES = (OK, TIMEOUT, KERNEL_DIED, NOT_A_NOTEBOOK, UNKNOWN_ASSIGNMENT, ERROR)

STATUS_RU = {
    OK: "проверено",
    TIMEOUT: "превышен лимит времени",
    KERNEL_DIED: "ядро Python аварийно завершилось",
    NOT_A_NOTEBOOK: "файл не является ноутбуком Jupyter",
    UNKNOWN_ASSIGNMENT: "не удалось определить задание",
    ERROR: "внутренняя ошибка проверки",
}

OUTPUT_LIMIT = 20_000  # characters of output kept per cell
MAX_FILE_MB = 100  # larger files are not read
FIXED_HEAD = ["file", "student", "assignment"]
FIXED_TAIL = ["total", "maximum", "status", "message", "feedback", "sha256"]
_GUARD_SOURCE = (Path(__file__).with_name("_grading_guard.py")).read_text(encoding="utf-8")
_TOKEN_RE = re.compile(r"\n?\[initlab:([0-9a-f]{32}):([^\n]*)\]\n?")


# --------------------------------------------------------------------------- masters


def _nbg(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


@dataclass
class Task:
    """A graded (autograded) cell of a master."""

    grade_id: str
    points: float
    index: int  # index of the cell in the master
    title: str  # the nearest heading above it, for the feedback


@dataclass
class Master:
    assignment: str
    path: Path
    nb: nbformat.NotebookNode
    tasks: list[Task]
    answer_ids: set[str]
    grade_ids: set[str]

    @property
    def maximum(self) -> float:
        return sum(t.points for t in self.tasks)


def load_master(path: Path) -> Master:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nb = nbformat.read(str(path), as_version=4)
    assignment = nb.metadata.get("initlab", {}).get("assignment") or path.stem
    tasks, answers, ids, heading = [], set(), set(), ""
    for i, cell in enumerate(nb.cells):
        meta = _nbg(cell)
        if cell.cell_type == "markdown":
            for line in _source(cell).splitlines():
                if line.lstrip().startswith("#"):
                    heading = line.strip().lstrip("#").strip()
        gid = meta.get("grade_id")
        if not gid:
            continue
        ids.add(gid)
        if meta.get("solution"):
            answers.add(gid)
        elif meta.get("grade") and cell.cell_type == "code":
            tasks.append(Task(gid, float(meta.get("points", 0) or 0), i, heading or gid))
    return Master(assignment, path, nb, tasks, answers, ids)


def load_masters(directory: Path) -> dict[str, Master]:
    masters: dict[str, Master] = {}
    if directory.is_dir():
        for path in sorted(directory.glob("*.ipynb")):
            master = load_master(path)
            masters[master.assignment] = master
    return masters


# --------------------------------------------------------------------------- submissions


@dataclass
class Submission:
    path: Path
    rel: str  # POSIX path relative to SUBMISSIONS_DIR
    sha256: str = ""
    student: str = ""
    assignment: str = ""
    status: str = ""  # set early for submissions that cannot be run
    message: str = ""
    feedback_name: str = ""


def find_submissions(root: Path) -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith(".") and name.lower().endswith(".ipynb"):
                found.append(Path(dirpath) / name)
    return found


def read_notebook(data: bytes):
    """Parse a submission; return (notebook, None) or (None, reason in Russian)."""
    if not data.strip():
        return None, "файл пуст"
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, "файл не в кодировке UTF-8 (это не ноутбук Jupyter)"
    except ValueError as exc:
        return None, f"файл не является корректным JSON ({exc.msg}, строка {exc.lineno})"
    if not isinstance(raw, dict) or not isinstance(raw.get("cells", raw.get("worksheets")), list):
        return None, "в JSON нет списка ячеек (это не ноутбук Jupyter)"
    try:
        with warnings.catch_warnings():  # (nbformat warns about missing cell ids etc.)
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:  # nbformat raises several kinds
        return None, f"не удалось прочитать ноутбук: {type(exc).__name__}"
    for cell in nb.cells:
        if not isinstance(cell, dict) or "cell_type" not in cell:
            return None, "ячейка без типа (ноутбук повреждён)"
        cell["source"] = _source(cell)
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = nbformat.NotebookNode()
    return nb, None


def match_assignment(nb, path: Path, masters: dict[str, Master]) -> tuple[str | None, str]:
    meta = nb.metadata.get("initlab") if isinstance(nb.metadata, dict) else None
    named = meta.get("assignment") if isinstance(meta, dict) else None
    if named:
        if named in masters:
            return named, ""
        return None, f"задание «{named}» из метаданных ноутбука не найдено среди эталонов"
    ids = {_nbg(c).get("grade_id") for c in nb.cells} - {None}
    if ids:
        overlap = {name: len(ids & m.grade_ids) for name, m in masters.items()}
        best = max(overlap.values(), default=0)
        winners = [name for name, n in overlap.items() if n == best]
        if best > 0 and len(winners) == 1:
            return winners[0], ""
        return None, "ячейки nbgrader ноутбука не совпадают ни с одним заданием курса"
    stem = path.stem.lower()
    by_name = [a for a, m in masters.items() if a.lower() in stem or m.path.stem.lower() in stem]
    if len(by_name) == 1:
        return by_name[0], ""
    return None, "в ноутбуке нет метаданных задания и имя файла не указывает на задание"


def student_id(rel: str, masters: dict[str, Master]) -> str:
    parts = PurePosixPath(rel).parts
    if len(parts) > 1:
        return parts[0]
    stem = PurePosixPath(rel).stem
    names = sorted({a for a in masters} | {m.path.stem for m in masters.values()}, key=len)
    for name in reversed(names):  # the longest first
        for pattern in (rf"^(.+?)[ _.\-]+{re.escape(name)}$", rf"^{re.escape(name)}[ _.\-]+(.+)$"):
            hit = re.match(pattern, stem, flags=re.IGNORECASE)
            if hit:
                return hit.group(1)
    return stem


def _safe(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "_"


# --------------------------------------------------------------------------- the run


@dataclass
class RunCell:
    kind: str  # guard | code | answer | check
    source: str
    master_index: int = -1
    grade_id: str = ""
    missing: bool = False  # an answer cell absent from the submission
    # filled by the execution
    state: str = "not run"  # not run | ok | error | timeout
    outputs: list = field(default_factory=list)
    tokens: list = field(default_factory=list)
    truncated: bool = False


def _python_of(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:
        return ""


def _imports(source: str) -> list[tuple[str, list[str]]]:
    """Top-level import statements of a cell: (source, module names)."""
    try:
        tree = ast.parse(_python_of(source))
    except SyntaxError:
        return []
    found = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.append((ast.unparse(node), [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            mods = [node.module] + [f"{node.module}.{a.name}" for a in node.names if a.name != "*"]
            found.append((ast.unparse(node), mods))
    return found


_CHECK_MODULE = re.compile(
    r"checks\.(\w+)\.|from\s+initlab\.checks\.(\w+)\s+import|"
    r"from\s+initlab\.checks\s+import\s+([\w, ]+)|import\s+initlab\.checks\.(\w+)")


def _check_modules(source: str) -> list[str] | None:
    """The initlab.checks submodules a master's code uses (None: cannot tell — all)."""
    names: set[str] = set()
    for m in _CHECK_MODULE.finditer(source):
        for group in m.groups():
            if group:
                names.update(n.strip() for n in group.split(",") if n.strip())
    names.discard("core")
    return sorted(names) or None


def build_run(master: Master, nb, key: str, secret: str) -> list[RunCell]:
    """The cells to execute: the master with the student's answer cells."""
    by_id: dict[str, object] = {}
    for cell in nb.cells:
        gid = _nbg(cell).get("grade_id")
        if gid and gid not in by_id:
            by_id[gid] = cell
    by_cell_id = {c.get("id"): c for c in nb.cells if c.get("id")}

    imports: list[str] = []
    roots: list[str] = []
    cells: list[RunCell] = []
    for i, mcell in enumerate(master.nb.cells):
        if mcell.cell_type != "code":
            continue
        meta = _nbg(mcell)
        gid = meta.get("grade_id", "")
        src = _source(mcell)
        if meta.get("solution"):
            scell = by_id.get(gid) or by_cell_id.get(mcell.get("id"))
            if scell is not None and scell.get("cell_type") == "code":
                cells.append(RunCell("answer", _source(scell), i, gid))
            else:
                cells.append(RunCell("answer", "", i, gid, missing=True))
            continue
        found = _imports(src)
        for _stmt, mods in found:
            roots.extend(mods)
        if meta.get("grade"):
            call = (
                f'__import__("sys").modules[{key!r}].run_check('
                f"{src!r}, {gid!r}, {tuple(imports)!r})"
            )
            cells.append(RunCell("check", call, i, gid))
        else:
            cells.append(RunCell("code", src, i, gid))
        imports.extend(stmt for stmt, _ in found)
    used = _check_modules("\n".join(_source(c) for c in master.nb.cells if c.cell_type == "code"))
    setup = (
        "def __initlab_guard_setup():\n"
        '    ns = {"__name__": "_initlab_guard"}\n'
        f"    exec(compile({_GUARD_SOURCE!r}, '<initlab-grader>', 'exec'), ns)\n"
        f"    ns['install']({key!r}, {secret!r}, {sorted(set(roots))!r}, {used!r})\n"
        "__initlab_guard_setup()\n"
        "del __initlab_guard_setup\n"
    )
    return [RunCell("guard", setup), *cells]


def _output_size(out) -> int:
    if out.get("output_type") == "stream":
        return len(out.get("text", ""))
    if out.get("output_type") == "error":
        return len(out.get("evalue", "")) + sum(len(t) for t in out.get("traceback", []))
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in out.get("data", {}).values())


def _make_client_class():
    from nbclient import NotebookClient

    class GradingClient(NotebookClient):
        """nbclient with outputs limited per cell and the guard's tokens set apart."""

        run_cells: tuple = ()
        used = 0

        def output(self, outs, msg, display_id, cell_index):
            run = self.run_cells[cell_index] if cell_index < len(self.run_cells) else None
            content = msg.get("content", {})
            if msg.get("msg_type") == "stream" and run is not None and "[initlab:" in content.get("text", ""):
                text = content["text"]
                run.tokens.extend(_TOKEN_RE.findall(text))
                content["text"] = _TOKEN_RE.sub("\n", text)
                if not content["text"].strip():
                    return None
            out = super().output(outs, msg, display_id, cell_index)
            if out is None or run is None:
                return out
            size = _output_size(out)
            if self.used + size <= OUTPUT_LIMIT:
                self.used += size
                return out
            if outs and outs[-1] is out:
                outs.pop()
            if out.get("output_type") == "error":  # keep errors, shortened
                out["evalue"] = out.get("evalue", "")[:2000]
                out["traceback"] = [t[:2000] for t in out.get("traceback", [])[-10:]]
                outs.append(out)
            elif not run.truncated:
                room = max(0, OUTPUT_LIMIT - self.used)
                if out.get("output_type") == "stream" and room:
                    out["text"] = out["text"][:room]
                    outs.append(out)
                outs.append(nbformat.v4.new_output(
                    "stream", name="stdout", text="\n… вывод обрезан …\n"))
            run.truncated = True
            self.used = OUTPUT_LIMIT
            return None

    return GradingClient


def _kernel_env(home: Path) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX",
            "TZ", "SYSTEMROOT")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    cache = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib")
    env.update(
        HOME=str(home), TMPDIR=str(home), IPYTHONDIR=str(home / ".ipython"),
        MPLBACKEND="Agg", MPLCONFIGDIR=cache, PYTHONDONTWRITEBYTECODE="1",
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1", PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


@dataclass
class Limits:
    timeout_cell: float = 60.0
    timeout_notebook: float = 600.0
    memory_mb: int = 2048
    fsize_mb: int = 256


async def execute(cells: list[RunCell], workdir: Path, home: Path, limits: Limits):
    """Run the cells in a fresh, limited kernel. Returns (status, message in Russian)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpec
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    km = AsyncKernelManager(kernel_name="python3")
    km._kernel_spec = KernelSpec(
        argv=[sys.executable, "-m", "initlab._kernel", "--memory-mb", str(limits.memory_mb),
              "--fsize-mb", str(limits.fsize_mb), "--", "-f", "{connection_file}"],
        display_name="initlab grader", language="python")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.source) for c in cells])
    client = _make_client_class()(
        nb, km=km, timeout=limits.timeout_cell, allow_errors=True, interrupt_on_timeout=False,
        startup_timeout=60, iopub_timeout=4, raise_on_iopub_timeout=False, record_timing=False,
        kernel_name="python3")
    client.run_cells = cells
    replies: dict[int, dict] = {}
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.__setitem__(
        cell_index, execute_reply)
    status, message = OK, ""
    deadline = time.monotonic() + limits.timeout_notebook
    try:
        try:
            await client.async_start_new_kernel(
                cwd=str(workdir), env=_kernel_env(home),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            await client.async_start_new_kernel_client()
        except Exception as exc:
            return ERROR, f"не удалось запустить ядро Python: {type(exc).__name__}: {exc}"[:300]
        for i, (run, cell) in enumerate(zip(cells, nb.cells)):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                status = TIMEOUT
                message = f"превышен лимит времени на весь ноутбук ({limits.timeout_notebook:g} с)"
                break
            client.timeout = max(1, min(limits.timeout_cell, remaining))
            client.used = 0
            try:
                await client.async_execute_cell(cell, i, store_history=run.kind != "check"
                                                and run.kind != "guard")
            except CellTimeoutError:
                run.state, run.outputs = "timeout", list(cell.outputs)
                status = TIMEOUT
                message = message or f"{_describe(run)} выполнялась дольше {client.timeout:g} с"
                if not await _recover(client, km, i, deadline, limits.timeout_cell):
                    message += "; ядро не ответило на прерывание, остальные ячейки не выполнены"
                    break
                continue
            except DeadKernelError:
                run.state = "died"
                status = KERNEL_DIED
                message = (f"ядро Python аварийно завершилось при выполнении: {_describe(run)} "
                           "(нехватка памяти, os._exit, сбой в C-коде…); "
                           "остальные ячейки не выполнены")
                break
            run.outputs = list(cell.outputs)
            reply = replies.get(i, {}).get("content", {})
            failed = reply.get("status") == "error" or any(
                o.get("output_type") == "error" for o in run.outputs)
            run.state = "error" if failed else "ok"
            if run.kind == "guard" and failed:
                return ERROR, "не удалось подготовить проверку: " + _error_text(run.outputs)[:300]
    finally:
        await _shutdown(client, km)
    return status, message


async def _recover(client, km, index: int, deadline: float, timeout_cell: float) -> bool:
    """After a cell timeout: interrupt; is the kernel responsive again?"""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    try:
        await km.interrupt_kernel()
        remaining = deadline - time.monotonic()
        if remaining <= 1:
            return False
        client.timeout = min(10, max(3, timeout_cell / 2), remaining)
        probe = nbformat.v4.new_code_cell("pass")
        await client.async_execute_cell(probe, index, store_history=False)
        return True
    except (CellTimeoutError, DeadKernelError, RuntimeError):
        return False


async def _shutdown(client, km) -> None:
    provisioner = getattr(km, "provisioner", None)
    pgid = getattr(provisioner, "pgid", None)
    if pgid and pgid > 1:  # the kernel's own process group: the kernel and its children
        try:
            os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        await asyncio.wait_for(km.shutdown_kernel(now=True), 15)
    except Exception:
        pass
    from jupyter_core.utils import ensure_async

    try:
        if client.kc is not None:
            await ensure_async(client.kc.stop_channels())
    except Exception:
        pass
    try:
        await ensure_async(km.cleanup_resources())
    except Exception:
        pass


def _describe(run: RunCell) -> str:
    if run.kind == "answer":
        return f"ячейка ответа {run.grade_id}"
    if run.kind == "check":
        return f"проверка {run.grade_id}"
    if run.kind == "guard":
        return "подготовка проверки"
    return f"ячейка {run.master_index + 1} эталона"


def _error_text(outputs) -> str:
    for out in outputs:
        if out.get("output_type") == "error":
            ename, evalue = out.get("ename", ""), out.get("evalue", "")
            if ename.endswith("CheckFailed") or ename == "TamperingDetected":
                return evalue
            if ename == "AssertionError":
                return "не пройден скрытый тест" + (f": {evalue}" if evalue else "")
            return f"{ename}: {evalue}" if evalue else ename
    return ""


def _stream_text(outputs) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream").strip()


def partial_credit(text: str | None, points: float) -> float:
    """nbgrader's rule for the value of a graded cell's last expression (capped)."""
    if text is None:
        return points
    try:
        value = float(text)
    except ValueError:
        return points
    if value >= 0:  # (NaN and negatives: full points, as in nbgrader)
        return min(value, points)
    return points


@dataclass
class TaskResult:
    task: Task
    points: float
    passed: bool
    message: str
    answer_notes: list[str]


def score(master: Master, cells: list[RunCell], secret: str, why_not_run: str) -> list[TaskResult]:
    results = []
    notes: list[str] = []
    checks = {c.grade_id: c for c in cells if c.kind == "check"}
    for run in cells:
        if run.kind == "answer":
            if run.missing:
                notes.append(f"ячейка ответа {run.grade_id} не найдена в сданном ноутбуке")
            elif run.state == "error":
                notes.append(f"в ячейке ответа {run.grade_id} ошибка: {_error_text(run.outputs)}")
            elif run.state == "timeout":
                notes.append(f"ячейка ответа {run.grade_id} выполнялась слишком долго")
            elif run.state == "died":
                notes.append(f"при выполнении ячейки ответа {run.grade_id} ядро Python "
                             "аварийно завершилось")
        if run.kind != "check":
            continue
        task = next(t for t in master.tasks if t.grade_id == run.grade_id)
        run = checks[task.grade_id]
        valid = [text for mac, text in run.tokens if hmac.compare_digest(
            mac, _mac(secret, run.grade_id, text))]
        if run.state in ("not run", "died"):
            points, msg = 0.0, f"проверка не выполнялась ({why_not_run}, см. примечание выше)"
        elif run.state == "timeout":
            points, msg = 0.0, "проверка не уложилась в лимит времени"
        elif run.state == "error":
            points, msg = 0.0, _error_text(run.outputs) or "ошибка при проверке"
        elif not valid:
            points, msg = 0.0, ("проверка не завершилась как положено: окружение проверки "
                                "было изменено кодом ноутбука")
        else:
            text = json.loads(valid[-1])
            points = partial_credit(text, task.points)
            msg = _stream_text(run.outputs) or "проверка пройдена"
        passed = run.state == "ok" and bool(valid) and points >= task.points
        results.append(TaskResult(task, points, passed, msg, notes))
        notes = []
    return results


def _mac(secret: str, cell_key: str, payload: str) -> str:
    msg = f"{cell_key}\x00{payload}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:32]


# --------------------------------------------------------------------------- feedback


def _fmt(x) -> str:
    return "" if x is None or x == "" else f"{float(x):g}"


def _quote(text: str, limit: int = 1500) -> str:
    text = text.strip()
    if len(text) > limit:
        text = text[:limit] + " …"
    return "\n".join("> " + line if line else ">" for line in text.splitlines()) or "> —"


def render_feedback(sub: Submission, row: dict, results: list[TaskResult] | None) -> str:
    lines = [f"# Отзыв о работе «{sub.assignment or 'задание не определено'}»", ""]
    lines += [f"- Студент: {sub.student}", f"- Файл: `{sub.rel}`"]
    if results is not None:
        lines.append(f"- Баллы: **{_fmt(row['total'])} из {_fmt(row['maximum'])}**")
    lines.append(f"- Статус: {STATUS_RU[row['status']]}")
    if row["message"]:
        lines.append(f"- Примечание: {row['message']}")
    lines.append("")
    if results is None:
        lines.append({
            NOT_A_NOTEBOOK: "Файл не удалось прочитать как ноутбук Jupyter, поэтому работа не "
                            "проверена. Сдайте файл `.ipynb`, сохранённый из Jupyter или Colab.",
            UNKNOWN_ASSIGNMENT: "Не удалось понять, к какому заданию курса относится ноутбук. "
                                "Скачайте ноутбук задания заново и впишите ответы в него.",
        }.get(row["status"], "Работу не удалось проверить автоматически; преподаватель "
                             "посмотрит её вручную."))
        return "\n".join(lines) + "\n"
    for r in results:
        verdict = "зачтено" if r.passed else ("частично" if r.points > 0 else "не зачтено")
        lines += [f"## {r.task.title} — {verdict}", "",
                  f"Проверка `{r.task.grade_id}`, баллы: {_fmt(r.points)} из {_fmt(r.task.points)}.",
                  ""]
        for note in r.answer_notes:
            lines += [f"Внимание: {note}.", ""]
        lines += [_quote(r.message), ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- gradebook


class Gradebook:
    """grades.csv: read back for resuming, rewritten atomically after each change."""

    def __init__(self, out: Path, masters: dict[str, Master]):
        self.path = out / "grades.csv"
        self.rows: dict[str, dict] = {}
        self.columns: dict[str, list[str]] = {a: [t.grade_id for t in m.tasks]
                                              for a, m in masters.items()}
        if self.path.exists():
            with open(self.path, newline="", encoding="utf-8-sig") as f:
                for rec in csv.DictReader(f):
                    row = {k: rec.get(k, "") for k in FIXED_HEAD + FIXED_TAIL}
                    row["points"] = {}
                    for col, value in rec.items():
                        if col in FIXED_HEAD or col in FIXED_TAIL or col is None:
                            continue
                        a, _, g = col.rpartition("/")
                        if (a or row["assignment"]) == row["assignment"] and value not in ("", None):
                            row["points"][g] = value
                            cols = self.columns.setdefault(row["assignment"], [])
                            if g not in cols:
                                cols.append(g)
                    self.rows[row["file"]] = row

    def done(self, rel: str, sha: str) -> bool:
        row = self.rows.get(rel)
        return row is not None and row.get("sha256") == sha and row.get("status") != ERROR

    def write(self) -> None:
        used = []
        for row in self.rows.values():
            if row["assignment"] and row["assignment"] not in used:
                used.append(row["assignment"])
        used.sort()
        multi = len(used) > 1
        task_cols = [(a, g, f"{a}/{g}" if multi else g) for a in used for g in self.columns.get(a, [])]
        header = FIXED_HEAD + [name for _, _, name in task_cols] + FIXED_TAIL
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f)
            w.writerow(header)
            for rel in sorted(self.rows):
                row = self.rows[rel]
                cells = [row[k] for k in FIXED_HEAD]
                cells += [row["points"].get(g, "") if row["assignment"] == a else ""
                          for a, g, _ in task_cols]
                cells += [row[k] for k in FIXED_TAIL]
                w.writerow(cells)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


# --------------------------------------------------------------------------- one submission


def _rmtree(path: Path) -> None:
    def onerror(func, p, _exc):
        try:
            os.chmod(p, stat.S_IRWXU)
            parent = os.path.dirname(p)
            os.chmod(parent, stat.S_IRWXU)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)


def _prepare(sub: Submission, data: bytes, masters: dict[str, Master]):
    """Parse and match; sets status for what cannot run. Returns the notebook or None."""
    sub.sha256 = hashlib.sha256(data).hexdigest()
    nb, reason = read_notebook(data)
    if nb is None:
        sub.status, sub.message = NOT_A_NOTEBOOK, reason
        return None
    assignment, reason = match_assignment(nb, sub.path, masters)
    if assignment is None:
        sub.status, sub.message = UNKNOWN_ASSIGNMENT, reason
        return None
    sub.assignment = assignment
    return nb


async def grade_submission(sub: Submission, masters: dict[str, Master], limits: Limits):
    """Grade one submission: returns (row, task results or None)."""
    if sub.path.stat().st_size > MAX_FILE_MB * 2**20:
        sub.status, sub.message = NOT_A_NOTEBOOK, f"файл больше {MAX_FILE_MB} МБ"
        return _row(sub, None), None
    data = sub.path.read_bytes()  # the only access to the submission: one read
    nb = _prepare(sub, data, masters)
    if nb is None:
        return _row(sub, None), None
    master = masters[sub.assignment]
    key, secret = "_g" + secrets.token_hex(12), secrets.token_hex(16)
    cells = build_run(master, nb, key, secret)
    base = Path(tempfile.mkdtemp(prefix="initlab-grade-"))
    try:
        workdir, home = base / "work", base / "home"
        workdir.mkdir()
        home.mkdir()
        (workdir / PurePosixPath(sub.rel).name).write_bytes(data)  # a working copy
        status, message = await execute(cells, workdir, home, limits)
    finally:
        _rmtree(base)
    if status == ERROR:
        sub.status, sub.message = ERROR, message
        return _row(sub, None), None
    results = score(master, cells, secret, STATUS_RU[status])
    if any(c.truncated for c in cells):
        message = "; ".join(filter(None, [message, "слишком длинный вывод обрезан"]))
    sub.status, sub.message = status, message
    return _row(sub, results, master), results


def _row(sub: Submission, results, master: Master | None = None) -> dict:
    return {
        "file": sub.rel, "student": sub.student, "assignment": sub.assignment,
        "points": {r.task.grade_id: _fmt(r.points) for r in results or []},
        "total": _fmt(sum(r.points for r in results)) if results is not None else "0",
        "maximum": _fmt(master.maximum) if master is not None else "",
        "status": sub.status, "message": sub.message,
        "feedback": f"feedback/{sub.feedback_name}.md" if sub.feedback_name else "",
        "sha256": sub.sha256,
    }


# --------------------------------------------------------------------------- the command


def default_masters() -> Path:
    here = Path("solutions")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parent.parent / "solutions"


async def grade_all(submissions: Path, out: Path, masters_dir: Path, jobs: int, force: bool,
                    limits: Limits, progress: bool = True) -> dict:
    from tqdm import tqdm

    masters = load_masters(masters_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    book = Gradebook(out, masters)

    subs = []
    for path in find_submissions(submissions):
        sub = Submission(path, path.relative_to(submissions).as_posix())
        try:
            if path.stat().st_size <= MAX_FILE_MB * 2**20:
                _prepare(sub, path.read_bytes(), masters)
        except OSError as exc:
            sub.status, sub.message = ERROR, f"не удалось прочитать файл: {exc.strerror}"
        sub.student = student_id(sub.rel, masters)
        subs.append(sub)
    names = Counter((s.student, s.assignment) for s in subs)
    for s in subs:
        s.feedback_name = _safe(f"{s.student}_{s.assignment or 'unknown'}")
        if names[(s.student, s.assignment)] > 1:
            s.feedback_name += "_" + hashlib.sha256(s.rel.encode()).hexdigest()[:8]
    present = {s.rel for s in subs}
    for rel in list(book.rows):  # the gradebook describes the folder as it is now
        if rel not in present:
            del book.rows[rel]
    todo = [s for s in subs if force or not (s.sha256 and book.done(s.rel, s.sha256))]
    skipped = len(subs) - len(todo)

    bar = tqdm(total=len(subs), initial=skipped, desc="initlab grade", unit="нб",
               file=sys.stderr, disable=not progress)
    sem = asyncio.Semaphore(max(1, jobs))

    async def one(sub: Submission) -> None:
        async with sem:
            fresh = Submission(sub.path, sub.rel, student=sub.student,
                               feedback_name=sub.feedback_name)
            try:
                row, results = await grade_submission(fresh, masters, limits)
                if interrupted:  # (nbclient reports a cancelled cell as a dead kernel)
                    return
            except Exception as exc:  # anything else: this submission only
                fresh.status = ERROR
                fresh.message = f"{type(exc).__name__}: {exc}"[:300]
                row, results = _row(fresh, None), None
            try:
                text = render_feedback(fresh, row, results)
                path = out / "feedback" / f"{fresh.feedback_name}.md"
                tmp = path.with_name(path.name + ".tmp")
                tmp.write_text(text, encoding="utf-8")
                os.replace(tmp, path)
            except Exception as exc:
                row["status"], row["message"] = ERROR, f"отзыв не записан: {exc}"[:300]
            book.rows[sub.rel] = row
            book.write()
            bar.update(1)

    # Ctrl-C / SIGTERM: stop at once; what is written stays written, nothing half-done is.
    interrupted = False
    work = asyncio.ensure_future(asyncio.gather(*(one(s) for s in todo)))
    loop = asyncio.get_running_loop()

    def stop() -> None:
        nonlocal interrupted
        interrupted = True
        work.cancel()

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except (NotImplementedError, RuntimeError):
            pass
    try:
        await work
        if not todo:
            book.write()
    except asyncio.CancelledError:
        if not interrupted:
            raise
    finally:
        bar.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):
                pass
    summary = summarize(book, skipped)
    summary["interrupted"] = interrupted
    return summary


def summarize(book: Gradebook, skipped: int) -> dict:
    counts = Counter(r["status"] for r in book.rows.values())
    per: dict[str, list[tuple[float, float]]] = {}
    for r in book.rows.values():
        if r["status"] in (OK, TIMEOUT, KERNEL_DIED) and r["maximum"]:
            per.setdefault(r["assignment"], []).append((float(r["total"]), float(r["maximum"])))
    return {"counts": dict(counts), "skipped": skipped, "n": len(book.rows),
            "means": {a: (sum(t for t, _ in v) / len(v), v[0][1], len(v)) for a, v in per.items()},
            "gradebook": str(book.path)}


def print_summary(summary: dict, file=sys.stdout) -> None:
    print(f"Проверено работ: {summary['n']} (пропущено уже проверенных: {summary['skipped']})",
          file=file)
    for status in STATUSES:
        if summary["counts"].get(status):
            print(f"  {status:<20} {summary['counts'][status]:>4}", file=file)
    for a, (mean, maximum, n) in sorted(summary["means"].items()):
        print(f"Средний балл «{a}»: {mean:.2f} из {maximum:g} (работ: {n})", file=file)
    print(f"Ведомость: {summary['gradebook']}", file=file)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("submissions", type=Path, help="folder with the submitted notebooks")
    p.add_argument("--out", type=Path, required=True, help="results folder (grades.csv, feedback/)")
    p.add_argument("--masters", type=Path, default=None, help="master notebooks (default: solutions/)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks graded at once")
    p.add_argument("--force", action="store_true", help="regrade what is already in grades.csv")
    p.add_argument("--timeout-cell", type=float, default=60.0, help="seconds per cell (60)")
    p.add_argument("--timeout-notebook", type=float, default=600.0,
                   help="seconds per notebook (600)")
    p.add_argument("--memory-mb", type=int, default=2048, help="address space per kernel, MB (2048)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    if not args.submissions.is_dir():
        print(f"initlab grade: нет такой папки: {args.submissions}", file=sys.stderr)
        return 2
    masters = args.masters or default_masters()
    if not load_masters(masters):
        print(f"initlab grade: в {masters} нет эталонных ноутбуков; все работы получат "
              f"статус «{UNKNOWN_ASSIGNMENT}»", file=sys.stderr)
    limits = Limits(args.timeout_cell, args.timeout_notebook, args.memory_mb)
    summary = asyncio.run(grade_all(args.submissions, args.out, masters, args.jobs, args.force,
                                    limits, progress=not args.no_progress))
    print_summary(summary)
    if summary.get("interrupted"):
        print("initlab grade: прервано; проверенное сохранено, повторный запуск продолжит "
              "с того же места", file=sys.stderr)
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="initlab grade", description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
