"""Launch an IPython kernel under resource limits (used by ``initlab grade``).

    python -m initlab._kernel [--memory-mb M] [--fsize-mb F] -- -f CONNECTION_FILE ...

The limits are set in the kernel process itself, before ipykernel is imported, and
both soft and hard limits are lowered, so code in the kernel cannot raise them again:

- RLIMIT_AS (address space): a student's allocation beyond it fails with MemoryError
  (or, inside C code, kills the kernel), never the machine;
- RLIMIT_FSIZE: the largest file the kernel may write (Python ignores SIGXFSZ, so an
  oversized write fails with OSError);
- RLIMIT_CORE = 0: a segfault leaves no core dump.
"""

from __future__ import annotations

import sys


def _set_limit(kind: int, value: int) -> None:
    import resource

    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):  # cannot lower below current use, or not permitted
        pass


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    memory_mb = fsize_mb = 0
    while args and args[0] != "--":
        opt = args.pop(0)
        value = int(args.pop(0))
        if opt == "--memory-mb":
            memory_mb = value
        elif opt == "--fsize-mb":
            fsize_mb = value
        else:
            raise SystemExit(f"initlab._kernel: unknown option {opt}")
    if args and args[0] == "--":
        args.pop(0)

    try:
        import resource
    except ImportError:  # not POSIX: run without limits
        resource = None
    if resource is not None:
        _set_limit(resource.RLIMIT_CORE, 0)
        if memory_mb > 0:
            _set_limit(resource.RLIMIT_AS, memory_mb * 2**20)
        if fsize_mb > 0:
            _set_limit(resource.RLIMIT_FSIZE, fsize_mb * 2**20)

    sys.argv = [sys.argv[0], *args]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
