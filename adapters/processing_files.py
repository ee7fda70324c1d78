"""The processing drop folder on the local disk; malformed files go to ``rejected/`` with their reason.

A file still being written is left for the next run. The rule: the size and modification time
(nanoseconds) of every matching file are read, then again ``settle`` seconds later (one wait per
run, none for an empty folder); a file whose size or time changed meanwhile is being written.
A writer that pauses longer than ``settle`` in the middle of a file defeats it: writers should
write under another name (one the pattern does not match) and rename, which is atomic.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ricochetdb.domain.errors import ValidationError

REJECTED = "rejected"
SETTLE_SECONDS = 1.0


def _signature(path: str) -> tuple[int, int] | None:
    """Size and modification time in nanoseconds (None once the file is gone)."""
    try:
        status = Path(path).stat()
    except OSError:
        return None
    return status.st_size, status.st_mtime_ns


class FolderProcessingFiles:
    """Files of one folder (not its subfolders), matched on their name.

    ``wait(seconds)`` is how the settle window passes (``time.sleep``; tests give their own).
    """

    def __init__(self, settle: float = SETTLE_SECONDS, wait: Callable[[float], None] = time.sleep) -> None:
        self.settle = settle
        self.wait = wait

    def list(self, folder: str, pattern: re.Pattern[str]) -> list[str]:
        base = Path(folder)
        if not base.is_dir():
            raise ValidationError("processing folder", folder, "does not exist or is not a folder")
        return sorted(str(p) for p in base.iterdir() if p.is_file() and pattern.fullmatch(p.name))

    def read(self, path: str) -> bytes:
        try:
            return Path(path).read_bytes()
        except OSError as error:
            raise ValidationError(f"processing file {path}", "", f"cannot be read: {error.strerror}") from None

    def busy(self, paths: Sequence[str]) -> dict[str, str]:
        """The files whose size or modification time changes within the settle window."""
        if not paths:
            return {}
        before = {path: _signature(path) for path in paths}
        self.wait(self.settle)
        return {
            path: f"changed within {self.settle:g} s, still being written: left for the next run"
            for path in paths
            if _signature(path) != before[path]
        }

    def delete(self, path: str) -> None:
        Path(path).unlink(missing_ok=True)

    def reject(self, path: str, reason: str) -> str:
        """Move the file to ``rejected/`` beside it with ``<name>.reason.txt``; if that fails, leave it."""
        source = Path(path)
        target_dir = source.parent / REJECTED
        target = target_dir / source.name
        try:
            target_dir.mkdir(exist_ok=True)
            os.replace(source, target)
            reason_file = target_dir / f"{source.name}.reason.txt"
            reason_file.write_text(reason + "\n", encoding="utf-8", errors="backslashreplace")
        except OSError as error:
            return f"{path} (left in place: {error.strerror})"
        return str(target)
