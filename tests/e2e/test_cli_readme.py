"""The command-line section of README.md, whatever today's date: the first shell block runs line by line in a
fresh folder (a line whose comment says "refused" must be refused), and every command of the section parses."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ricochetdb.entrypoints.cli import main, parse

README = Path(__file__).resolve().parents[2] / "README.md"


def section_commands() -> list[list[str]]:
    """The ``ricochetdb ...`` lines of each shell block of the section "The command line"."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    return [
        re.findall(r"^ricochetdb .*$", block, flags=re.MULTILINE)
        for block in re.findall(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    ]


BLOCKS = section_commands()


def test_the_first_block_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RICOCHETDB_URI", f"sqlite:///{tmp_path / 'readme.sqlite'}")
    assert len(BLOCKS[0]) > 20
    for line in BLOCKS[0]:
        args = shlex.split(line, comments=True)[1:]
        expected = 2 if re.search(r"#\s*refused", line) else 0
        code = main(args)
        assert code == expected, (line, capsys.readouterr().err)


@pytest.mark.parametrize("line", [line for block in BLOCKS for line in block])
def test_every_command_of_the_section_parses(line: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RICOCHETDB_TARGET", "sqlite:///elsewhere.sqlite")
    args = parse(shlex.split(line, comments=True)[1:])
    assert callable(args.handler)
