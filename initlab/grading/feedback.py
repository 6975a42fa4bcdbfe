"""The Russian feedback file of a submission: one section per task, in task order, with
one message per check."""

from __future__ import annotations

from .execute import NOT_A_NOTEBOOK, UNKNOWN_ASSIGNMENT
from .judge import TaskResult
from .submissions import Submission

STATUS_RU = {
    "ok": "проверено",
    "timeout": "превышен лимит времени",
    "kernel died": "ядро Python аварийно завершилось",
    NOT_A_NOTEBOOK: "файл не является ноутбуком Jupyter",
    UNKNOWN_ASSIGNMENT: "не удалось определить задание",
    "error": "внутренняя ошибка проверки",
}


def fmt(x) -> str:
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
        lines.append(f"- Баллы: **{fmt(row['total'])} из {fmt(row['maximum'])}**")
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
        verdict = "зачтено" if r.passed else "не зачтено"
        lines += [f"## {r.task.title} — {verdict}", "",
                  f"Проверка `{r.task.grade_id}`, баллы: {fmt(r.points)} из {fmt(r.task.points)}.",
                  ""]
        for note in r.answer_notes:
            lines += [f"Внимание: {note}.", ""]
        lines += [_quote(r.message), ""]
    return "\n".join(lines).rstrip() + "\n"
