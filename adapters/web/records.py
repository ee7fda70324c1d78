"""Runs and streams as the API and pages show them, with each stream's slow-control summary.

The summary (issue 12) is kept in the stream record: one entry per (collection, device, label) with
n, mean, std, min/max and their times, first, last, coverage and the longest gap. An entry may be a
dataclass or a mapping; it is shown as a plain dict either way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ricochetdb.adapters.documents import RUNS, STREAMS
from ricochetdb.adapters.web.series import plain
from ricochetdb.domain.records import Run, Stream

SUMMARY_FIELDS = (
    "collection",
    "device",
    "label",
    "n",
    "mean",
    "std",
    "min",
    "min_time",
    "max",
    "max_time",
    "first",
    "last",
    "coverage",
    "longest_gap_s",
)


def run_json(run: Run) -> dict[str, Any]:
    return {**plain(RUNS.to_doc(run)), "running": run.running}


def _entry(entry: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(entry) and not isinstance(entry, type):
        fields = dataclasses.asdict(entry)
    elif isinstance(entry, Mapping):
        fields = dict(entry)
    else:
        fields = {name: getattr(entry, name, None) for name in SUMMARY_FIELDS}
    return {str(key): plain(value) for key, value in fields.items()}


def summary_of(stream: Stream) -> list[dict[str, Any]] | None:
    """The stream's stored slow-control summary, or None when it has none (yet)."""
    stored = getattr(stream, "summary", None)
    if stored is None:
        stored = stream.extra.get("summary")
    if stored is None:
        return None
    entries = stored.get("channels", stored.get("entries", [])) if isinstance(stored, Mapping) else stored
    return [_entry(entry) for entry in entries]


def stream_json(stream: Stream, with_summary: bool = False) -> dict[str, Any]:
    doc = {key: value for key, value in STREAMS.to_doc(stream).items() if key != "summary"}
    answer = {**plain(doc), "running": stream.running}
    if with_summary:
        answer["summary"] = summary_of(stream)
    return answer


def window_of(record: Run | Stream, now: datetime) -> tuple[datetime, datetime] | None:
    """The record's [start, stop] (stop = now while running), or None if it never started."""
    if record.start_date is None:
        return None
    return record.start_date, record.stop_date or now
