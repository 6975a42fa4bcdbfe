"""The notebook that runs, assembled as nbgrader does.

All of the student's code cells run in their order, including cells the student added
(a helper function, an import, a constant). Answer cells (nbgrader ``solution``) keep the
student's source. Every other cell of the master with a ``grade_id`` (the graded checks
with their hidden tests, locked cells) is *protected*: it runs with the master's source.
A protected cell that the student deleted, or moved out of its place (before an answer cell that
precedes it in the master, or after one that follows it), is put back just before the
next cell of the master that the notebook has, or at the end. A duplicated protected
cell runs once. Markdown and raw cells are not run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .masters import Master, nbg, source


@dataclass
class RunCell:
    kind: str  # code | answer | protected | check
    source: str
    grade_id: str = ""
    missing: bool = False  # an answer cell absent from the submission
    restored: bool = False  # a protected cell put back at its place
    # filled by the execution
    state: str = "not run"  # not run | ok | error | timeout | died
    outputs: list = field(default_factory=list)
    records: list = field(default_factory=list)  # probe records of a check cell
    record_bytes: int = 0
    truncated: bool = False


def assemble(master: Master, nb) -> list[RunCell]:
    tasks = {t.grade_id for t in master.tasks}
    order: list[str] = []  # grade_ids of the master's code cells, in order
    master_src: dict[str, str] = {}
    for cell in master.nb.cells:
        gid = nbg(cell).get("grade_id")
        if cell.cell_type == "code" and gid and gid not in master_src:
            order.append(gid)
            master_src[gid] = source(cell)
    protected = {g for g in order if g not in master.answer_ids}

    cells: list[RunCell] = []
    seen: set[str] = set()
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        gid = nbg(cell).get("grade_id") or ""
        if gid in master.answer_ids and gid not in seen:
            cells.append(RunCell("answer", source(cell), gid))
        elif gid in protected:
            if gid not in seen:
                kind = "check" if gid in tasks else "protected"
                cells.append(RunCell(kind, master_src[gid], gid))
        else:
            cells.append(RunCell("code", source(cell)))
        if gid:
            seen.add(gid)

    rank = {g: i for i, g in enumerate(order)}

    def misplaced(i: int) -> bool:  # relative to the student's answer cells, which stay
        r = rank[cells[i].grade_id]
        for j, other in enumerate(cells):
            if other.kind == "answer" and (
                    (j < i and rank[other.grade_id] > r) or (j > i and rank[other.grade_id] < r)):
                return True
        return False

    moved = {c.grade_id for i, c in enumerate(cells) if c.kind in ("check", "protected")
             and misplaced(i)}
    cells = [c for c in cells if c.grade_id not in moved or c.kind == "answer"]
    present = {c.grade_id for c in cells if c.grade_id and c.kind != "code"}
    for gid in order:
        if gid in present:
            continue
        if gid in master.answer_ids:
            new = RunCell("answer", "", gid, missing=True)
        else:
            new = RunCell("check" if gid in tasks else "protected", master_src[gid], gid,
                          restored=True)
        later = [i for i, c in enumerate(cells)
                 if c.kind != "code" and c.grade_id in rank and rank[c.grade_id] > rank[gid]]
        cells.insert(later[0] if later else len(cells), new)
        present.add(gid)
    return cells
