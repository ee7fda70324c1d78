"""The processing drop folder on the local disk; malformed files go to ``rejected/`` with their reason."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from ricochetdb.domain.errors import ValidationError

REJECTED = "rejected"


class FolderProcessingFiles:
    """Files of one folder (not its subfolders), matched on their name.

    ``now`` is the local clock (seconds since the epoch, as file modification times are).
    """

    def __init__(self, now: Callable[[], float] = time.time) -> None:
        self.now = now

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

    def age(self, path: str) -> timedelta:
        """Time since the last modification; a file that vanished counts as settled (its read says why)."""
        try:
            modified = Path(path).stat().st_mtime
        except OSError:
            return timedelta.max
        return timedelta(seconds=self.now() - modified)

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
