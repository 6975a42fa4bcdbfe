"""Judging in the grader's own process.

A graded check cell ran in the kernel with ``INITLAB_GRADING_PROBE=1``: each check it
called published a probe record (plain JSON, arrays as ``.npy``) instead of judging. Here
the records of that cell — and only of that cell — are matched, in order, to the check
calls that the master's cell makes (read from the master, not from the kernel). A task
scores its points only if every call has exactly one record, of that check, whose data
the check's own ``judge`` accepts; the options of the master's call (``thorough=True``)
overwrite those in the data. A missing, extra, malformed or mismatched record fails the
task. Nothing the kernel prints is believed; the kernel's own text is used only to
explain a failure.
"""

# ruff: noqa: BLE001

from __future__ import annotations

from dataclasses import dataclass

from ..checks.core import CheckFailed, decode
from .assemble import RunCell
from .masters import Master, Task


@dataclass
class TaskResult:
    task: Task
    points: float
    passed: bool
    message: str
    answer_notes: list[str]


def error_text(outputs) -> str:
    for out in outputs:
        if out.get("output_type") == "error":
            ename, evalue = str(out.get("ename", "")), str(out.get("evalue", ""))
            if ename.endswith("CheckFailed"):
                return evalue
            return f"{ename}: {evalue}" if evalue else ename
    return ""


def judge_cell(task: Task, run: RunCell) -> tuple[bool, str]:
    """(passed, message) for a graded check cell that ran."""
    if task.problem:
        return False, f"задание нельзя проверить: {task.problem} (сообщите преподавателю)"
    records = run.records
    if any(r.get("overflow") for r in records if isinstance(r, dict)):
        return False, "проверка вернула слишком много данных"
    if len(records) < len(task.calls):
        why = error_text(run.outputs)
        return False, (f"проверка не выполнилась: {why}" if why else
                       "проверка не выполнилась (её вызов в ноутбуке не дошёл до конца)")
    if len(records) > len(task.calls):
        return False, ("в ячейке проверки появились лишние данные проверки (код ноутбука "
                       "вызывал проверки сам); задание не засчитано")
    messages = []
    for call, rec in zip(task.calls, records):
        if not isinstance(rec, dict) or rec.get("check") != call.name:
            return False, "данные проверки не соответствуют заданию; задание не засчитано"
        if rec.get("ok") is not True:
            return False, str(rec.get("message", "проверка не пройдена"))[:3000]
        try:
            data = decode(rec.get("data"))
            if not isinstance(data, dict):
                raise TypeError("not a dict")
            data.update(call.options)
            message = call.check.judge(data)
        except CheckFailed as exc:
            return False, str(exc)
        except Exception as exc:
            return False, f"данные проверки повреждены ({type(exc).__name__}); задание не засчитано"
        if message not in messages:
            messages.append(str(message))
    return True, "Верно! " + messages[0] if messages else "Верно!"


def score(master: Master, cells: list[RunCell], why_not_run: str) -> list[TaskResult]:
    """One result per task of the master, in task order; the notes about answer cells go
    to the next check cell that ran after them."""
    notes_for: dict[str, list[str]] = {}
    notes: list[str] = []
    for run in cells:
        if run.kind == "answer":
            if run.missing:
                notes.append(f"ячейка ответа {run.grade_id} не найдена в сданном ноутбуке")
            elif run.state == "error":
                notes.append(f"в ячейке ответа {run.grade_id} ошибка: {error_text(run.outputs)}")
            elif run.state == "timeout":
                notes.append(f"ячейка ответа {run.grade_id} выполнялась слишком долго")
            elif run.state == "died":
                notes.append(f"при выполнении ячейки ответа {run.grade_id} ядро Python "
                             "аварийно завершилось")
        elif run.kind == "check":
            if run.restored:
                notes.append(f"ячейка проверки {run.grade_id} была удалена или перемещена "
                             "студентом и восстановлена на своём месте")
            notes_for[run.grade_id] = notes
            notes = []
    by_id = {c.grade_id: c for c in cells if c.kind == "check"}
    results = []
    for task in master.tasks:
        run = by_id.get(task.grade_id)
        if run is None or run.state in ("not run", "died"):
            ok, msg = False, f"проверка не выполнялась ({why_not_run}, см. примечание выше)"
        elif run.state == "timeout":
            ok, msg = False, "проверка не уложилась в лимит времени"
        else:
            ok, msg = judge_cell(task, run)
        results.append(TaskResult(task, task.points if ok else 0.0, ok, msg,
                                  notes_for.get(task.grade_id, [])))
    return results
