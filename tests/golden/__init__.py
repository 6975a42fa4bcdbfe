"""Golden sha256 hashes of the static figures of every book chapter (see ``__main__``)."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("*/*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def figure_hashes(nb_path: str) -> list[str]:
    """Execute ``nb_path`` and return the sha256 of each static PNG output, in order."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(ROOT / nb_path, as_version=4)
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env_path}" if env_path else str(ROOT)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str((ROOT / nb_path).parent)}}).execute()
    return png_hashes(nb)


def png_hashes(nb) -> list[str]:
    """The sha256 of each static PNG output of the executed notebook ``nb``, in order."""
    import base64

    out = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        if any(WIDGET in o.get("data", {}) for o in outputs):
            continue
        for o in outputs:
            data = o.get("data", {})
            if "image/png" in data:
                out.append(hashlib.sha256(base64.b64decode(data["image/png"])).hexdigest())
    return out


def golden_file(nb_path: str) -> Path:
    return HERE / (Path(nb_path).stem + ".json")


def record(nb_path: str) -> None:
    golden_file(nb_path).write_text(
        json.dumps({"notebook": nb_path, "png_sha256": figure_hashes(nb_path)}, indent=1) + "\n")


def check(nb_path: str, executed=None) -> list[int] | str:
    """Indices of figures whose hash differs (or a message when the count differs);
    ``executed``: the notebook already executed elsewhere (the book build), else here."""
    want = json.loads(golden_file(nb_path).read_text())["png_sha256"]
    got = figure_hashes(nb_path) if executed is None else png_hashes(executed)
    if len(got) != len(want):
        return f"{len(got)} figures instead of {len(want)}"
    return [i for i, (a, b) in enumerate(zip(got, want)) if a != b]
