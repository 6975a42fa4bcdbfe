"""A bubblewrap sandbox for every grading kernel.

The kernel sees (``bwrap`` namespaces and mounts):

- the system (``/usr``, ``/etc``, ``/lib*``) and the Python environment (the interpreter's
  prefix, the virtualenv) read-only; a read-only copy of the ``initlab`` package made for
  this run (so the course checkout itself is never visible, and nothing written by one
  kernel reaches another or the grader);
- a private, size-limited ``tmpfs`` home with a writable copy of its own submission's
  folder (a top-level submission: the notebook alone), its working directory;
- the folder of its connection file and IPC sockets (the only host folder it can write);
- no network (``--unshare-net``: the kernel is reached over IPC sockets), its own PID,
  IPC, UTS, cgroup and user namespaces (``--disable-userns``), ``--die-with-parent``.

Nothing of SUBMISSIONS_DIR, RESULTS_DIR, the masters or the course checkout is mounted.

Limits, set by :mod:`initlab._kernel` before any student code and read back (a limit
that cannot be set stops the kernel): address space, file size, CPU time, core dumps
off, number of processes. ``RLIMIT_NPROC`` is not enforced for a real uid 0, so when the
grader runs as root the processes (and the total memory) are limited by a cgroup made
for the kernel (cgroup v1 ``pids``/``memory`` or v2), whose limits are read back too.
"""



from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import initlab

HOME = "/home/student"
WORK = f"{HOME}/work"
LIB = "/opt/initlab-grader/lib"
SRC = "/opt/initlab-grader/submission"

INSTALL_HINT = (
    "Установите bubblewrap: `sudo apt-get install bubblewrap` (Debian, Ubuntu), "
    "`sudo dnf install bubblewrap` (Fedora), `sudo pacman -S bubblewrap` (Arch); "
    "в репозитории курса это делает `bash tools/install-bubblewrap.sh`. Без песочницы "
    "(только для своих, доверенных работ) запустите с флагом --no-sandbox."
)


@dataclass
class Limits:
    timeout_cell: float = 60.0
    timeout_notebook: float = 600.0
    memory_mb: int = 2048
    fsize_mb: int = 256
    nproc: int = 64
    home_mb: int = 512  # the tmpfs with the working copy


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _system_binds() -> list[str]:
    args: list[str] = []
    for path in ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    seen = {"/usr", "/etc"}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                   os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}:
        real = os.path.realpath(prefix)
        if any(real == s or real.startswith(s + "/") for s in seen):
            continue
        seen.add(real)
        args += ["--ro-bind", real, real]
        if prefix != real:
            args += ["--ro-bind", real, prefix]
    return args


def namespace_args() -> list[str]:
    return ["--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]


def check_bwrap() -> str:
    """'' if bubblewrap can run a sandbox here, else the reason (in Russian)."""
    exe = bwrap_path()
    if exe is None:
        return "не найдена программа bwrap (bubblewrap)"
    try:
        proc = subprocess.run([exe, *namespace_args(), *_system_binds(), "--", sys.executable,
                               "-c", "print(1)"], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap не запускается: {exc}"
    if proc.returncode != 0 or proc.stdout.strip() != "1":
        err = (proc.stderr.strip().splitlines() or ["код возврата " + str(proc.returncode)])[-1]
        return f"bwrap не может создать песочницу ({err})"
    return ""


def copy_package(dest: Path) -> Path:
    """A copy of the installed ``initlab`` package (sources only) for the kernels."""
    src = Path(initlab.__file__).resolve().parent
    import compileall

    shutil.copytree(src, dest / "initlab",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    # compiled once here: the kernels cannot write bytecode into the read-only copy
    compileall.compile_dir(str(dest / "initlab"), quiet=1)
    return dest


class Cgroup:
    """A cgroup (v1 pids+memory, or v2) limiting one kernel; only made when running as root."""

    def __init__(self, dirs: list[Path]):
        self.dirs = dirs

    @classmethod
    def make(cls, limits: Limits) -> Cgroup | None:
        if os.geteuid() != 0:
            return None
        name = f"initlab-grade-{uuid.uuid4().hex[:12]}"
        v1 = [Path("/sys/fs/cgroup/pids"), Path("/sys/fs/cgroup/memory")]
        v2 = Path("/sys/fs/cgroup")
        made: list[Path] = []
        try:
            if all(p.is_dir() and os.access(p, os.W_OK) for p in v1):
                pids, mem = (p / name for p in v1)
                for d in (pids, mem):
                    d.mkdir()
                    made.append(d)
                _write(pids / "pids.max", str(limits.nproc))
                _write(mem / "memory.limit_in_bytes", str(limits.memory_mb * 2**20))
                if int(_read(pids / "pids.max")) != limits.nproc:
                    raise OSError("pids.max")
                if int(_read(mem / "memory.limit_in_bytes")) > limits.memory_mb * 2**20:
                    raise OSError("memory.limit_in_bytes")
            elif "pids" in _read(v2 / "cgroup.subtree_control", ""):
                d = v2 / name
                d.mkdir()
                made.append(d)
                _write(d / "pids.max", str(limits.nproc))
                if "memory" in _read(v2 / "cgroup.subtree_control", ""):
                    _write(d / "memory.max", str(limits.memory_mb * 2**20))
                if int(_read(d / "pids.max")) != limits.nproc:
                    raise OSError("pids.max")
            else:
                return None
        except (OSError, ValueError):
            cls(made).remove()
            return None
        return cls(made)

    def wrap(self, argv: list[str]) -> list[str]:
        """argv run inside the cgroup(s): a shell moves itself in, then execs."""
        moves = " && ".join(f'echo $$ > "${i + 1}/cgroup.procs"' for i in range(len(self.dirs)))
        return ["/bin/sh", "-c", f'{moves} && shift {len(self.dirs)} && exec "$@"', "sh",
                *map(str, self.dirs), *argv]

    def remove(self) -> None:
        import signal

        for d in self.dirs:
            for _ in range(50):
                pids = [int(p) for p in _read(d / "cgroup.procs", "").split()]
                for pid in pids:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass
                try:
                    d.rmdir()
                    break
                except OSError:
                    import time

                    time.sleep(0.05)


def _write(path: Path, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)


def _read(path: Path, default: str | None = None) -> str:
    try:
        return path.read_text()
    except OSError:
        if default is None:
            raise
        return default


def kernel_argv(*, src: Path, run_dir: Path, lib: Path, limits: Limits,
                sandbox: bool) -> list[str]:
    """The kernel command (with ``{connection_file}``) for one submission."""
    cpu = int(limits.timeout_notebook + 60)
    # (without the sandbox RLIMIT_NPROC would count every process of the user)
    inner = [sys.executable, "-m", "initlab._kernel",
             "--memory-mb", str(limits.memory_mb), "--fsize-mb", str(limits.fsize_mb),
             "--nproc", str(limits.nproc if sandbox else 0), "--cpu-s", str(cpu)]
    if not sandbox:
        return [*inner, "--", "-f", "{connection_file}"]
    inner += ["--copy", SRC, WORK]
    exe = bwrap_path() or "bwrap"
    return [exe, *namespace_args(), *_system_binds(),
            "--size", str(limits.home_mb * 2**20), "--tmpfs", HOME,
            "--ro-bind", str(lib), LIB, "--ro-bind", str(src), SRC,
            "--bind", str(run_dir), str(run_dir),
            "--chdir", "/", "--", *inner, "--", "-f", "{connection_file}"]


def kernel_env(*, sandbox: bool, lib: Path, home: Path | None = None) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "VIRTUAL_ENV", "CONDA_PREFIX")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    h = HOME if sandbox else str(home)
    env.update(
        HOME=h, TMPDIR="/tmp" if sandbox else h, IPYTHONDIR=f"{h}/.ipython",
        MPLBACKEND="Agg", MPLCONFIGDIR=f"{h}/.matplotlib", PYTHONDONTWRITEBYTECODE="1",
        PYTHONNOUSERSITE="1", PYTHONPATH=LIB if sandbox else str(lib),
        OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1", PYTHONWARNINGS="ignore::DeprecationWarning",
        INITLAB_GRADING_PROBE="1",
    )
    return env
