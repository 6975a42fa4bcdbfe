"""``initlab grade``: the command, one submission from file to row, and the summary."""

# The grader must survive anything a submission does: broad exceptions on purpose.
# ruff: noqa: BLE001

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import shutil
import signal
import stat
import sys
import tempfile
from collections import Counter
from pathlib import Path, PurePosixPath

from .assemble import assemble
from .execute import (
    ERROR,
    KERNEL_DIED,
    NOT_A_NOTEBOOK,
    OK,
    STATUSES,
    TIMEOUT,
    UNKNOWN_ASSIGNMENT,
    execute,
)
from .feedback import STATUS_RU, fmt, render_feedback
from .gradebook import Gradebook, grader_version
from .judge import score
from .masters import Master, load_masters
from .sandbox import INSTALL_HINT, Limits, check_bwrap, copy_package
from .submissions import (
    Submission,
    find_submissions,
    match_assignment,
    read_notebook,
    safe,
    student_id,
)

MAX_FILE_MB = 100  # larger notebooks are not read
MAX_FOLDER_MB = 200  # the copy of a submission's folder given to its kernel
SANDBOX_YES, SANDBOX_NO = "да", "нет (--no-sandbox)"


def _rmtree(path: Path) -> None:
    def onerror(func, p, _exc):
        try:
            os.chmod(p, stat.S_IRWXU)
            os.chmod(os.path.dirname(p), stat.S_IRWXU)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)


def copy_folder(src: Path, dest: Path, limit: int = MAX_FOLDER_MB * 2**20) -> None:
    """Copy regular files and folders only (links, FIFOs, devices are skipped), up to
    ``limit`` bytes in all; hidden folders are skipped."""
    budget = [limit]

    def walk(s: Path, d: Path) -> None:
        d.mkdir(exist_ok=True)
        try:
            entries = sorted(os.scandir(s), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    if not e.name.startswith("."):
                        walk(Path(e.path), d / e.name)
                elif e.is_file(follow_symlinks=False):
                    size = e.stat(follow_symlinks=False).st_size
                    if size <= budget[0]:
                        budget[0] -= size
                        shutil.copyfile(e.path, d / e.name, follow_symlinks=False)
            except OSError:
                pass

    walk(src, dest)


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


class Run:
    """What every submission of one ``initlab grade`` run shares."""

    def __init__(self, masters: dict[str, Master], limits: Limits, sandbox: bool, lib: Path):
        self.masters, self.limits, self.sandbox, self.lib = masters, limits, sandbox, lib
        self.grader = grader_version()
        self.mode = SANDBOX_YES if sandbox else SANDBOX_NO


async def grade_submission(sub: Submission, run: Run):
    """Grade one submission: returns (row, task results or None)."""
    if sub.path.stat().st_size > MAX_FILE_MB * 2**20:
        sub.status, sub.message = NOT_A_NOTEBOOK, f"файл больше {MAX_FILE_MB} МБ"
        return _row(sub, run, None), None
    data = sub.path.read_bytes()  # the submission is only read
    nb = _prepare(sub, data, run.masters)
    if nb is None:
        return _row(sub, run, None), None
    master = run.masters[sub.assignment]
    cells = assemble(master, nb)
    base = Path(tempfile.mkdtemp(prefix="initlab-grade-"))
    try:
        src = base / "src"
        if len(PurePosixPath(sub.rel).parts) > 1:
            copy_folder(sub.path.parent, src)
        src.mkdir(exist_ok=True)
        (src / sub.path.name).write_bytes(data)  # exactly what was hashed
        status, message = await execute(cells, base, src, run.lib, run.limits, run.sandbox)
    finally:
        _rmtree(base)
    if status == ERROR:
        sub.status, sub.message = ERROR, message
        return _row(sub, run, None), None
    results = score(master, cells, STATUS_RU[status])
    if any(c.truncated for c in cells):
        message = "; ".join(filter(None, [message, "слишком длинный вывод обрезан"]))
    sub.status, sub.message = status, message
    return _row(sub, run, results, master), results


def _row(sub: Submission, run: Run, results, master: Master | None = None) -> dict:
    master = master or run.masters.get(sub.assignment)
    return {
        "file": sub.rel, "student": sub.student, "assignment": sub.assignment,
        "points": {r.task.grade_id: fmt(r.points) for r in results or []},
        "total": fmt(sum(r.points for r in results)) if results is not None else "0",
        "maximum": fmt(master.maximum) if master is not None and results is not None else "",
        "status": sub.status, "message": sub.message,
        "feedback": f"feedback/{sub.feedback_name}.md" if sub.feedback_name else "",
        "sha256": sub.sha256, "master_sha256": master.sha256 if master else "",
        "grader": run.grader, "sandbox": run.mode,
    }


def default_masters() -> Path:
    here = Path("solutions")
    if here.is_dir():
        return here
    return Path(__file__).resolve().parents[2] / "solutions"


async def grade_all(submissions: Path, out: Path, masters_dir: Path, jobs: int, force: bool,
                    limits: Limits, progress: bool = True, sandbox: bool = True) -> dict:
    from tqdm import tqdm

    masters = load_masters(masters_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feedback").mkdir(exist_ok=True)
    book = Gradebook(out, masters)
    libdir = Path(tempfile.mkdtemp(prefix="initlab-grade-lib-"))
    run = Run(masters, limits, sandbox, copy_package(libdir))

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
        s.feedback_name = safe(f"{s.student}_{s.assignment or 'unknown'}")
        if names[(s.student, s.assignment)] > 1:
            s.feedback_name += "_" + hashlib.sha256(s.rel.encode()).hexdigest()[:8]
    present = {s.rel for s in subs}
    for rel in list(book.rows):  # the gradebook describes the folder as it is now
        if rel not in present:
            del book.rows[rel]
    why = {s.rel: "new" if force else book.stale(s.rel, s.sha256, masters.get(s.assignment),
                                                 run.grader, run.mode) for s in subs}
    todo = [s for s in subs if why[s.rel]]
    skipped = len(subs) - len(todo)
    changed = sum(1 for s in todo if why[s.rel] == "changed")

    bar = tqdm(total=len(subs), initial=skipped, desc="initlab grade", unit="нб",
               file=sys.stderr, disable=not progress)
    sem = asyncio.Semaphore(max(1, jobs))

    async def one(sub: Submission) -> None:
        async with sem:
            fresh = Submission(sub.path, sub.rel, student=sub.student,
                               feedback_name=sub.feedback_name)
            try:
                row, results = await grade_submission(fresh, run)
                if interrupted:  # (nbclient reports a cancelled cell as a dead kernel)
                    return
            except Exception as exc:  # anything else: this submission only
                fresh.status = ERROR
                fresh.message = f"{type(exc).__name__}: {exc}"[:300]
                row, results = _row(fresh, run, None), None
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
        _rmtree(libdir)
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.remove_signal_handler(sig)
            except (NotImplementedError, RuntimeError):
                pass
    summary = summarize(book, skipped, changed, run.mode)
    summary["interrupted"] = interrupted
    return summary


def summarize(book: Gradebook, skipped: int, changed: int = 0, mode: str = SANDBOX_YES) -> dict:
    counts = Counter(r["status"] for r in book.rows.values())
    per: dict[str, list[tuple[float, float]]] = {}
    for r in book.rows.values():
        if r["status"] in (OK, TIMEOUT, KERNEL_DIED) and r["maximum"]:
            per.setdefault(r["assignment"], []).append((float(r["total"]), float(r["maximum"])))
    return {"counts": dict(counts), "skipped": skipped, "changed": changed, "n": len(book.rows),
            "means": {a: (sum(t for t, _ in v) / len(v), max(m for _, m in v), len(v))
                      for a, v in per.items()},
            "gradebook": str(book.path), "sandbox": mode}


def print_summary(summary: dict, file=sys.stdout) -> None:
    print(f"Проверено работ: {summary['n']} (пропущено уже проверенных: {summary['skipped']}; "
          f"проверено заново из-за изменений эталона, программы проверки или работы: "
          f"{summary['changed']})", file=file)
    if summary["sandbox"] == SANDBOX_YES:
        print("Песочница: да (bubblewrap)", file=file)
    else:
        print("Песочница: НЕТ (--no-sandbox): код работ выполнялся без изоляции", file=file)
    for status in STATUSES:
        if summary["counts"].get(status):
            print(f"  {status:<20} {summary['counts'][status]:>4}", file=file)
    for a, (mean, maximum, n) in sorted(summary["means"].items()):
        print(f"Средний балл «{a}»: {mean:.2f} из {maximum:g} (работ: {n})", file=file)
    print(f"Ведомость: {summary['gradebook']}", file=file)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    p = parser.add_argument_group("что проверять")
    p.add_argument("submissions", type=Path, metavar="ПАПКА_РАБОТ",
                   help="папка со сданными ноутбуками")
    p.add_argument("--out", type=Path, required=True, metavar="ПАПКА",
                   help="папка результатов (grades.csv, feedback/)")
    p = parser.add_argument_group("параметры")
    p.add_argument("--masters", type=Path, default=None, metavar="ПАПКА",
                   help="эталонные ноутбуки (по умолчанию solutions/)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="сколько ноутбуков проверять одновременно")
    p.add_argument("--force", action="store_true", help="проверить заново всё, что уже в grades.csv")
    p.add_argument("--timeout-cell", type=float, default=60.0, metavar="С",
                   help="лимит времени на ячейку, с (60)")
    p.add_argument("--timeout-notebook", type=float, default=600.0, metavar="С",
                   help="лимит времени на ноутбук, с (600)")
    p.add_argument("--memory-mb", type=int, default=2048, metavar="МБ",
                   help="память ядра, МБ (2048)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="выполнять работы без песочницы bubblewrap (только для доверенных работ; "
                        "отмечается в сводке и в ведомости)")
    p.add_argument("--no-progress", action="store_true", help="не показывать индикатор хода")


def run(args: argparse.Namespace) -> int:
    if not args.submissions.is_dir():
        print(f"initlab grade: нет такой папки: {args.submissions}", file=sys.stderr)
        return 2
    if not args.no_sandbox:
        reason = check_bwrap()
        if reason:
            print(f"initlab grade: не могу запустить песочницу: {reason}. Код сданных работ "
                  "нельзя выполнять без изоляции: он мог бы испортить чужие работы, эталоны и "
                  f"ведомость. {INSTALL_HINT}", file=sys.stderr)
            return 2
    masters = args.masters or default_masters()
    if not load_masters(masters):
        print(f"initlab grade: в {masters} нет эталонных ноутбуков; все работы получат "
              f"статус «{UNKNOWN_ASSIGNMENT}»", file=sys.stderr)
    limits = Limits(args.timeout_cell, args.timeout_notebook, args.memory_mb)
    summary = asyncio.run(grade_all(args.submissions, args.out, masters, args.jobs, args.force,
                                    limits, progress=not args.no_progress,
                                    sandbox=not args.no_sandbox))
    print_summary(summary)
    if summary.get("interrupted"):
        print("initlab grade: прервано; проверенное сохранено, повторный запуск продолжит "
              "с того же места", file=sys.stderr)
        return 130
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="initlab grade", description="Проверить папку сданных ноутбуков: grades.csv и отзывы.",
        add_help=False)
    parser.add_argument_group("справка").add_argument(
        "-h", "--help", action="help", help="показать эту справку и выйти")
    add_arguments(parser)
    return run(parser.parse_args(argv))
