"""Series and records as the API sends them: JSON-ready dicts and CSV, times in ISO-8601 UTC.

The series are the ``History`` answers of ``ReadingBook.history`` (CONTRACTS.md): the page, the
CSV, the JSON and the plot export all carry exactly the same bins.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ricochetdb.application.history import Bin, History

BIN_FIELDS = ("t", "n", "mean", "min", "max", "first", "last")
CSV_FIELDS = ("collection", "device", "label", "unit", "tier", *BIN_FIELDS)


def iso(when: datetime | None) -> str | None:
    """ISO-8601 in UTC with a Z, to the millisecond (what browsers and Grafana parse)."""
    if when is None:
        return None
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def bin_json(item: Bin) -> dict[str, Any]:
    return {
        "t": iso(item.t),
        "n": item.n,
        "mean": _number(item.mean),
        "min": _number(item.min),
        "max": _number(item.max),
        "first": _number(item.first),
        "last": _number(item.last),
    }


def history_json(history: History) -> dict[str, Any]:
    """One series: ``{"tier", "bins": [{"t", "n", "mean", "min", "max", "first", "last"}], ...}``."""
    return {
        "collection": history.collection,
        "device": history.device,
        "label": history.label,
        "unit": history.unit,
        "tier": history.tier,
        "start": iso(history.start),
        "stop": iso(history.stop),
        "bins": [bin_json(item) for item in history.bins],
        "gaps": [{"start": iso(gap.start), "stop": iso(gap.stop)} for gap in history.gaps],
    }


def series_json(histories: Sequence[History]) -> dict[str, Any]:
    """The first series at the top level (what Grafana reads), every series under ``series``."""
    series = [history_json(history) for history in histories]
    return {**series[0], "series": series} if series else {"tier": None, "bins": [], "series": []}


def series_csv(histories: Sequence[History]) -> str:
    """The same bins as CSV, one row per bin, series after series."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for history in histories:
        head = (history.collection, history.device, history.label, history.unit, history.tier)
        for item in history.bins:
            row = bin_json(item)
            writer.writerow([*head, *("" if row[name] is None else row[name] for name in BIN_FIELDS)])
    return out.getvalue()


def plain(value: Any) -> Any:
    """A stored document made JSON-ready: datetimes as ISO strings, recursively."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
