"""grades.csv: one row per submission, read back for resuming, rewritten atomically.

Each row records what produced it: the submission's hash, the master's hash, the
grader's version (``initlab`` version + a hash of the grader's and the checks' code) and
whether the kernel was sandboxed. A rerun regrades a row when any of them changed.
"""

from __future__ import annotations

import csv
import hashlib
import os
from pathlib import Path

import initlab

from .execute import ERROR
from .masters import Master

FIXED_HEAD = ["file", "student", "assignment"]
FIXED_TAIL = ["total", "maximum", "status", "message", "feedback", "sha256", "master_sha256",
              "grader", "sandbox"]


def grader_version() -> str:
    """initlab's version and a hash of the code that grades (grader, checks, kernel)."""
    root = Path(initlab.__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted([*root.glob("grading/*.py"), *root.glob("checks/*.py"),
                        root / "_kernel.py"]):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return f"{initlab.__version__}+{h.hexdigest()[:10]}"


class Gradebook:
    def __init__(self, out: Path, masters: dict[str, Master]):
        self.path = out / "grades.csv"
        self.rows: dict[str, dict] = {}
        self.columns: dict[str, list[str]] = {a: [t.grade_id for t in m.tasks]
                                              for a, m in masters.items()}
        if self.path.exists():
            with open(self.path, newline="", encoding="utf-8-sig") as f:
                for rec in csv.DictReader(f):
                    row = {k: rec.get(k) or "" for k in FIXED_HEAD + FIXED_TAIL}
                    row["points"] = {}
                    for col, value in rec.items():
                        if col in FIXED_HEAD or col in FIXED_TAIL or col is None:
                            continue
                        a, _, g = col.rpartition("/")
                        if (a or row["assignment"]) == row["assignment"] and value not in ("", None):
                            row["points"][g] = value
                    self.rows[row["file"]] = row

    def stale(self, rel: str, sha: str, master: Master | None, grader: str, sandbox: str) -> str:
        """'' if the row is current; else why it must be (re)graded: new | changed."""
        row = self.rows.get(rel)
        if row is None or row.get("status") == ERROR:
            return "new"
        current = (row.get("sha256") == sha and row.get("grader") == grader
                   and row.get("sandbox") == sandbox
                   and row.get("master_sha256") == (master.sha256 if master else ""))
        return "" if current else "changed"

    def write(self) -> None:
        used = sorted({row["assignment"] for row in self.rows.values() if row["assignment"]})
        multi = len(used) > 1
        task_cols = [(a, g, f"{a}/{g}" if multi else g) for a in used
                     for g in self.columns.get(a, [])]
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
                cells += [row.get(k, "") for k in FIXED_TAIL]
                w.writerow(cells)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
