"""Launch an IPython kernel under checked resource limits (used by ``initlab grade``).

    python -m initlab._kernel [--memory-mb M] [--fsize-mb F] [--nproc P] [--cpu-s S]
                              [--copy SRC DEST] -- -f CONNECTION_FILE ...

Before ipykernel is imported (so before any student code), the limits are set, soft and
hard alike (code in the kernel cannot raise them again), and read back: a limit that
cannot be set stops the kernel with a message on stderr and exit code 3, so grading never
runs without the limits it was asked for.

- RLIMIT_AS (address space): an allocation beyond it fails with MemoryError;
- RLIMIT_FSIZE: the largest file the kernel may write (Python ignores SIGXFSZ, so an
  oversized write fails with OSError);
- RLIMIT_NPROC: processes and threads (enforced unless the real uid is 0; the grader
  adds a cgroup then);
- RLIMIT_CPU: CPU seconds of each process;
- RLIMIT_CORE = 0: a segfault leaves no core dump.

``--copy SRC DEST`` (in the sandbox) copies the submission's folder into the sandbox's
private home and makes it the working directory.
"""

from __future__ import annotations

import os
import sys


def _set_limit(name: str, value: int) -> None:
    import resource

    kind = getattr(resource, name)
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"initlab: не удалось установить ограничение {name} = {value}: {exc}\n")
        raise SystemExit(3) from None
    if resource.getrlimit(kind) != (value, value):
        sys.stderr.write(f"initlab: ограничение {name} не установилось\n")
        raise SystemExit(3)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    opts = {"--memory-mb": 0, "--fsize-mb": 0, "--nproc": 0, "--cpu-s": 0}
    copy = None
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--copy":
            copy = (args.pop(0), args.pop(0))
        elif opt in opts:
            opts[opt] = int(args.pop(0))
        else:
            raise SystemExit(f"initlab._kernel: unknown option {opt}")
    if args and args[0] == "--":
        args.pop(0)

    if copy is not None:  # in the sandbox
        import shutil

        # Its PID namespace makes the parent pid 1, which ipykernel's parent poller takes
        # for a dead parent; bwrap's --die-with-parent does that job instead.
        os.environ.pop("JPY_PARENT_PID", None)

        shutil.copytree(copy[0], copy[1], dirs_exist_ok=True)
        os.chdir(copy[1])
    if os.name == "posix":
        _set_limit("RLIMIT_CORE", 0)
        if opts["--memory-mb"] > 0:
            _set_limit("RLIMIT_AS", opts["--memory-mb"] * 2**20)
        if opts["--fsize-mb"] > 0:
            _set_limit("RLIMIT_FSIZE", opts["--fsize-mb"] * 2**20)
        if opts["--nproc"] > 0:
            _set_limit("RLIMIT_NPROC", opts["--nproc"])
        if opts["--cpu-s"] > 0:
            _set_limit("RLIMIT_CPU", opts["--cpu-s"])

    sys.argv = [sys.argv[0], *args]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
