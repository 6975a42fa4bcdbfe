"""Submissions: finding them, reading them safely, matching them to a master, naming
the student."""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nbformat

from .masters import Master, nbg, source


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
    except Exception as exc:  # noqa: BLE001 (nbformat raises several kinds)
        return None, f"не удалось прочитать ноутбук: {type(exc).__name__}"
    for cell in nb.cells:
        if not isinstance(cell, dict) or "cell_type" not in cell:
            return None, "ячейка без типа (ноутбук повреждён)"
        cell["source"] = source(cell)
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
    ids = {nbg(c).get("grade_id") for c in nb.cells} - {None}
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


def safe(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name).strip("._") or "_"
