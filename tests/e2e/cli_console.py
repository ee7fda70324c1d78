"""Running the installed ``ricochetdb`` console script as an operator does, for the end-to-end CLI tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SCRIPT = shutil.which("ricochetdb", path=str(Path(sys.executable).parent)) or "ricochetdb"


@dataclass
class Done:
    code: int
    out: str
    err: str

    @property
    def one_line_refusal(self) -> bool:
        """Exit 2, nothing on stdout, exactly one line on stderr and no traceback."""
        return self.code == 2 and self.out == "" and self.err.count("\n") == 1 and "Traceback" not in self.err


class Console:
    """``ricochetdb`` in a folder of its own, on a SQLite file there unless told otherwise."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.db = f"sqlite:///{folder / 'lab.sqlite'}"
        self.env = {
            **os.environ,
            "RICOCHETDB_URI": self.db,
            "RICOCHETDB_SPOOL": str(folder / "spool.sqlite"),
            "COLUMNS": "200",
        }

    def __call__(self, *args: str, stdin: bytes | None = None) -> Done:
        done = subprocess.run(
            [SCRIPT, *args], cwd=self.folder, env=self.env, input=stdin, capture_output=True, timeout=120, check=False
        )
        return Done(done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace"))
