"""The repository is one setting (_config.yml), and the command line speaks Russian."""
from __future__ import annotations

import argparse
import importlib
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from initlab import repository
from initlab.cli import COMMANDS, RussianParser, main

REPO = Path(__file__).resolve().parents[1]
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


# ------------------------------------------------------------------ one setting
def test_every_setup_cell_follows_config():
    """The first code cell of every notebook installs from _config.yml's repository/branch."""
    url, branch = repository.read_repository(REPO)
    assert url.startswith("https://github.com/")
    expected = repository.setup_source(url, branch)
    paths = repository.notebooks(REPO)
    assert len(paths) >= 8
    wrong = []
    for path in paths:
        cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        if cell.source != expected:
            wrong.append(str(path.relative_to(REPO)))
    assert not wrong, ("run `initlab setup-cells`: " + ", ".join(wrong))
    assert f"git+{url}@{branch}" in expected


def _copy_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copy(REPO / "_config.yml", root / "_config.yml")
    for d in repository.NOTEBOOK_DIRS:
        for p in sorted((REPO / d).rglob("*.ipynb"))[:2]:
            dst = root / p.relative_to(REPO)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(p, dst)
    return root


def test_moving_the_course_is_one_edit(tmp_path):
    """Another URL/branch in _config.yml → every setup cell follows; a second run is a no-op."""
    root = _copy_repo(tmp_path)
    cfg = root / "_config.yml"
    text = cfg.read_text(encoding="utf-8")
    url, branch = repository.read_repository(root)
    cfg.write_text(text.replace(url, "https://github.com/someone/course")
                   .replace(f'branch: "{branch}"', 'branch: "spring"'), encoding="utf-8")
    assert repository.read_repository(root) == ("https://github.com/someone/course", "spring")
    before = {p: nbformat.read(p, as_version=4) for p in repository.notebooks(root)}
    assert repository.sync(root, check=True)            # stale now
    changed = repository.sync(root)
    assert len(changed) == len(before)
    assert repository.sync(root, check=True) == []
    stamp = {p: p.read_bytes() for p in before}
    assert repository.sync(root) == []                   # idempotent: nothing rewritten
    assert {p: p.read_bytes() for p in before} == stamp
    for path, old in before.items():
        new = nbformat.read(path, as_version=4)
        assert len(new.cells) == len(old.cells)
        first = next(i for i, c in enumerate(new.cells) if c.cell_type == "code")
        assert "git+https://github.com/someone/course@spring" in new.cells[first].source
        assert new.cells[first].metadata == old.cells[first].metadata
        assert new.cells[first].get("id") == old.cells[first].get("id")
        others = [c for i, c in enumerate(new.cells) if i != first]
        assert others == [c for i, c in enumerate(old.cells) if i != first]


def test_a_foreign_first_cell_is_reported_not_overwritten(tmp_path):
    root = _copy_repo(tmp_path)
    path = repository.notebooks(root)[0]
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    first.source = "x = 1"
    nbformat.write(nb, path)
    lines = repository.sync(root)
    assert any(str(path.relative_to(root)) in line and "не ячейка установки" in line
               for line in lines)
    assert "x = 1" in path.read_text(encoding="utf-8")
    assert main(["setup-cells", "--root", str(root)]) == 1


def test_setup_cells_command_check(tmp_path, capsys):
    root = _copy_repo(tmp_path)
    assert main(["setup-cells", "--check", "--root", str(root)]) == 0
    cfg = root / "_config.yml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace('branch: "main"', 'branch: "x"'),
                   encoding="utf-8")
    assert main(["setup-cells", "--check", "--root", str(root)]) == 1
    assert "не совпадает с _config.yml" in capsys.readouterr().err


# ------------------------------------------------------------ Russian CLI
def _command_parser(name: str) -> argparse.ArgumentParser:
    parser = RussianParser(prog=f"initlab {name}", description=COMMANDS[name][1])
    importlib.import_module(COMMANDS[name][0]).add_arguments(parser)
    return parser


ENGLISH_FRAME = ("usage:", "positional arguments", "options:", "optional arguments",
                 "show this help", "error:")


@pytest.mark.parametrize("argv", [["--help"], ["exercises", "--help"], ["bench", "--help"],
                                  ["setup-cells", "--help"]])
def test_help_is_russian(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:       # a command's parser exits after printing its help
        code = exc.code
    assert code == 0
    out = capsys.readouterr().out
    assert "использование:" in out and CYRILLIC.search(out)
    assert not [w for w in ENGLISH_FRAME if w in out], out


@pytest.mark.parametrize("name", ["exercises", "bench", "setup-cells"])
def test_every_option_help_is_russian(name):
    parser = _command_parser(name)
    helps = [a.help for a in parser._actions if a.help and a.help != argparse.SUPPRESS]
    assert len(helps) >= 2
    english = [h for h in helps if not CYRILLIC.search(h)]
    assert not english, english


def test_errors_are_russian(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["exercises", "--no-such-option"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "ошибка: неизвестные аргументы: --no-such-option" in err
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "неизвестный вариант 'no-such-command'" in err and "invalid choice" not in err
