"""Binder builds the course from requirements.txt on the Python version the tests use.

``jupyter-repo2docker --no-build --debug DIR`` (what Binder runs, minus Docker) prints the
Dockerfile it would build. It must install requirements.txt and create the environment
for the Python version of runtime.txt, and that version must be the one running these
tests. A control run on a copy with another runtime.txt shows the version really comes
from that file (repo2docker's default differs from ours).
"""

from __future__ import annotations

import re
import shutil
import string
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _repo2docker() -> str:
    exe = Path(sys.executable).with_name("jupyter-repo2docker")
    if exe.exists():
        return str(exe)
    found = shutil.which("jupyter-repo2docker")
    if found is None:
        pytest.fail("jupyter-repo2docker is missing: `make test` installs requirements-test.txt")
    return found


def _dockerfile(repo: Path) -> tuple[str, str]:
    """(Dockerfile printed on stdout, log on stderr) of a dry run on ``repo``."""
    proc = subprocess.run(
        [_repo2docker(), "--no-build", "--debug", str(repo)],
        cwd=repo, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout, proc.stderr


def _escaped(text: str) -> str:
    """repo2docker's escaping of build-script file names (escapism, escape char '-')."""
    safe = set(string.ascii_letters + string.digits)
    return "".join(c if c in safe else f"-{ord(c):02x}" for c in text)


def _runtime_version(repo: Path) -> str:
    text = (repo / "runtime.txt").read_text(encoding="utf-8").strip()
    m = re.fullmatch(r"python-(\d+\.\d+)", text)
    assert m, f"runtime.txt must read python-X.Y, not {text!r}"
    return m.group(1)


def _assert_python(dockerfile: str, log: str, version: str) -> None:
    assert f"Building conda environment for python={version}" in log, log
    lock = _escaped(f"environment.py-{version}-linux-64.lock")
    assert lock in dockerfile, f"no conda lock file for Python {version} in the Dockerfile"


def test_runtime_is_the_python_of_the_tests() -> None:
    tested = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert _runtime_version(REPO) == tested


def test_requirements_are_pinned() -> None:
    lines = [
        line.split("#")[0].strip()
        for line in (REPO / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    reqs = [line for line in lines if line]
    assert "-e ." in reqs, "Binder must install the initlab package itself"
    loose = [r for r in reqs if r != "-e ." and not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==\S+", r)]
    assert not loose, f"not pinned exactly: {loose}"


def test_repo2docker_uses_requirements_and_runtime() -> None:
    dockerfile, log = _dockerfile(REPO)
    assert dockerfile.lstrip().startswith("FROM ")
    assert "COPY --chown=0:0 src/requirements.txt ${REPO_DIR}/requirements.txt" in dockerfile
    assert re.search(r'pip install --no-cache-dir -r "?requirements\.txt"?', dockerfile), dockerfile
    _assert_python(dockerfile, log, _runtime_version(REPO))


def test_repo2docker_reads_the_version_from_runtime_txt(tmp_path: Path) -> None:
    """Control: the same requirements with another runtime.txt give another Python."""
    ours = _runtime_version(REPO)
    other = "3.12" if ours != "3.12" else "3.11"
    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    (tmp_path / "runtime.txt").write_text(f"python-{other}\n", encoding="utf-8")
    dockerfile, log = _dockerfile(tmp_path)
    _assert_python(dockerfile, log, other)
    assert f"python={ours}" not in log
