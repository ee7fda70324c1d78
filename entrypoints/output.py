"""What the CLI prints: aligned tables for people, JSON for scripts, and the exit code of a partial success.

In tables every date is ISO-8601 UTC to the second (``2026-11-24T03:00:00Z``) and a cell wider
than ``WIDTH`` is cut with ``…``; ``--json`` keeps full precision and every field whole.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

DONE, INTERNAL_ERROR, REFUSED, UNREACHABLE, PARTIAL = 0, 1, 2, 3, 4
WIDTH = 60
MARK = "…"


@dataclass
class Outcome:
    """A command's result, with a non-zero exit code and one line for stderr when only part of it was done."""

    result: Any
    code: int = DONE
    message: str = ""


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def to_json(value: Any) -> str:
    return json.dumps(value, default=_plain, indent=2, ensure_ascii=False)


def utc_text(moment: datetime) -> str:
    """``2026-11-24T03:00:00Z``: the one way a date prints in a table."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _table_plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc_text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return utc_text(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_table_plain, ensure_ascii=False)
    return str(value)


def cell(value: Any, width: int = WIDTH) -> str:
    """One value as table text, cut to ``width`` characters with a marker."""
    text = " ".join(_text(value).split("\n"))
    return text if len(text) <= width else text[: width - 1] + MARK


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    """An aligned text table of ``columns`` taken from each row."""
    cells = [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max([len(column), *(len(line[i]) for line in cells)]) for i, column in enumerate(columns)]
    out.write("  ".join(column.upper().ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip())
    out.write("\n")
    for line in cells:
        out.write("  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() + "\n")
    if not rows:
        out.write("(none)\n")
    _note_if_cut(cells, out)


def fields(record: dict[str, Any], out: TextIO, width: int = 100) -> None:
    """One ``key  value`` line per field, values cut to ``width`` characters."""
    keys = max((len(key) for key in record), default=0)
    values = {key: cell(value, width) for key, value in record.items()}
    for key, text in values.items():
        out.write(f"{key.ljust(keys)}  {text}\n")
    _note_if_cut([list(values.values())], out)


def _note_if_cut(cells: list[list[str]], out: TextIO) -> None:
    if any(text.endswith(MARK) for line in cells for text in line):
        out.write(f"({MARK}: shortened; --json prints every field whole)\n")
