"""The command line of the course: ``initlab <command> …``.

    initlab exercises [--check]     regenerate exercises/ from solutions/ (initlab.authoring)
    initlab grade SUBMISSIONS --out RESULTS   grade submitted notebooks (initlab.grading)
    initlab bench                   print the performance figures (benchmarks/run_all.py)
    initlab setup-cells [--check]   the first cell of every notebook from _config.yml
                                    (initlab.repository)

Everything the command line prints is Russian: ``RussianParser`` translates argparse's own
words (usage, section titles, -h, the common errors) through public hooks only.

Extension point: a command is a module with ``add_arguments(parser)`` and
``run(args) -> int`` registered in ``COMMANDS`` (name → (module, one-line help)). The
module is imported only when its command runs, so ``initlab exercises`` does not load
the grader.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

#: command → (module with add_arguments/run, help line)
COMMANDS: dict[str, tuple[str, str]] = {
    "exercises": ("initlab.authoring", ("сгенерировать exercises/ из solutions/ "
                                        "(--check: только проверить)")),
    "grade": ("initlab.grading", ("проверить папку сданных ноутбуков в песочнице: "
                                  "grades.csv и отзывы")),
    "bench": ("initlab.bench", "напечатать замеры производительности (benchmarks/)"),
    "setup-cells": ("initlab.repository", ("переписать первую ячейку всех ноутбуков по адресу "
                                          "репозитория из _config.yml (--check: только проверить)")),
}

#: argparse's section titles → Russian
_TITLES = {"positional arguments": "аргументы", "options": "параметры",
           "optional arguments": "параметры"}
#: argparse's common errors (regular expression → Russian template)
_ERRORS = (
    (r"argument (.+?): (.*)", ""),
    (r"the following arguments are required: (.*)", r"не хватает аргументов: \1"),
    (r"unrecognized arguments: (.*)", r"неизвестные аргументы: \1"),
    (r"invalid choice: (.*) \(choose from (.*)\)", r"неизвестный вариант \1 (возможны: \2)"),
    (r"expected one argument", r"нужно одно значение"),
    (r"invalid (\w+) value: (.*)", r"недопустимое значение \2"),
)


def _translate(message: str) -> str:
    """Russian for an English argparse error message (unknown ones stay as they are)."""
    for pattern, template in _ERRORS:
        m = re.fullmatch(pattern, message, flags=re.DOTALL)
        if m and pattern.startswith("argument"):  # «argument X: <rest>»: the rest too
            return f"аргумент {m.group(1)}: {_translate(m.group(2))}"
        if m:
            return m.expand(template)
    return message


class RussianHelpFormatter(argparse.HelpFormatter):
    """``usage:`` and the section titles in Russian."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups,
                                 "использование: " if prefix is None else prefix)

    def start_section(self, heading):
        return super().start_section(_TITLES.get(heading, heading))


class RussianParser(argparse.ArgumentParser):
    """An ArgumentParser that speaks Russian: its -h, its help layout, its errors."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", RussianHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        if add_help:
            self.add_argument("-h", "--help", action="help",
                              help="показать эту справку и выйти")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: ошибка: {_translate(message)}\n")


def add_check_and_root(p: argparse.ArgumentParser, stale: str, root: str) -> None:
    """The ``--check`` and ``--root`` options of a command that regenerates files."""
    from pathlib import Path

    p.add_argument("--check", action="store_true",
                   help=f"ничего не записывать; если {stale}, перечислить расхождения "
                        "и выйти с кодом 1")
    p.add_argument("--root", type=Path, default=None, metavar="ПАПКА",
                   help=f"корень репозитория (по умолчанию — {root})")


def _parser() -> argparse.ArgumentParser:
    parser = RussianParser(
        prog="initlab", description="Курс об инициализации нейронных сетей: служебные команды.")
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА", title="команды")
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
    parser = RussianParser(prog=f"initlab {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    return int(module.run(parser.parse_args(rest)) or 0)


if __name__ == "__main__":
    sys.exit(main())
