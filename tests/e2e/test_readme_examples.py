"""Every python block of README.md runs as written in a fresh folder and prints what it says it prints."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[tuple[str, str]]:
    """(section title, code) of every ```python block of README.md."""
    blocks = []
    section = ""
    for part in re.split(r"(?m)^(## .*)$", README.read_text(encoding="utf-8")):
        if part.startswith("## "):
            section = part[3:].strip()
            continue
        blocks += [(section, code) for code in re.findall(r"```python\n(.*?)```", part, flags=re.DOTALL)]
    return blocks


BLOCKS = python_blocks()


def test_every_use_has_an_example() -> None:
    sections = {section for section, _ in BLOCKS}
    assert {"Embedding in a DAQ script", "Processing results", "The seed-compatible facade"} <= sections
    assert "Offline laptop, the spool, and MongoDB" in sections


@pytest.mark.parametrize(("section", "block"), BLOCKS, ids=[section for section, _ in BLOCKS])
def test_each_block_runs_and_prints_what_it_says(section: str, block: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    expected = [line.split("# prints:", 1)[1].strip() for line in block.splitlines() if "# prints:" in line]
    assert expected, f"the example of {section!r} should say what it prints"
    assert done.stdout.splitlines() == expected
