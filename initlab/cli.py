"""The command line of the course: ``initlab <command> …``.

    initlab exercises [--check]     regenerate exercises/ from solutions/ (initlab.authoring)
    initlab grade SUBMISSIONS --out RESULTS   grade submitted notebooks (initlab.grading)
    initlab bench                   print the performance figures (benchmarks/run_all.py)

Extension point: a command is a module with ``add_arguments(parser)`` and
``run(args) -> int`` registered in ``COMMANDS`` (name → (module, one-line help)). The
module is imported only when its command runs, so ``initlab exercises`` does not load
the grader.
"""

from __future__ import annotations

import argparse
import importlib
import sys

#: command → (module with add_arguments/run, help line)
COMMANDS: dict[str, tuple[str, str]] = {
    "exercises": ("initlab.authoring", "сгенерировать exercises/ из solutions/ "
                                         "(--check: только проверить)"),
    "grade": ("initlab.grading", "проверить папку сданных ноутбуков: grades.csv и отзывы"),
    "bench": ("initlab.bench", "напечатать замеры производительности (benchmarks/)"),
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="initlab", description="Курс об инициализации нейронных сетей: служебные команды.")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА")
    for name, (_, help_line) in COMMANDS.items():
        # add_help=False: the real parser of the command (with its arguments) handles -h
        sub.add_parser(name, help=help_line, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in COMMANDS:
        parser = _parser()
        if not argv or argv[0] in ("-h", "--help"):
            parser.print_help()
            return 0 if argv else 2
        parser.parse_args(argv[:1])  # prints «invalid choice» and exits 2
        return 2
    name, rest = argv[0], argv[1:]
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"initlab {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(rest)) or 0)


if __name__ == "__main__":
    sys.exit(main())
