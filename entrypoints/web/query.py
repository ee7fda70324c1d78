"""Parsing the series query at the edge: ``label`` (repeatable), ``device``, ``collection``, ``start``,
``stop``, ``points``; shared by ``/api/v1/series``, ``/plot.png``, the plot page and ``ricochetdb plot``.

Times are ISO-8601 with a timezone, epoch milliseconds (Grafana's ``${__from}``), ``now``, or a
duration back from now (``-7d``, ``now-6h``). No ``stop`` means now: the view follows live.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ricochetdb.adapters.web.series import iso
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.edge import parse_datetime

DEFAULT_WINDOW = timedelta(days=1)
DEFAULT_POINTS = 2000
MAX_POINTS = 20000
MAX_LABELS = 16
_DURATION = re.compile(r"(?:now)?-?\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w|y)")
_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365.25 * 86400}
_EPOCH_MS = re.compile(r"-?\d+(?:\.\d+)?")


def parse_duration(text: str, what: str) -> timedelta:
    """``90m``, ``6h``, ``7d``, ``2w``, ``5y`` (optionally ``now-`` or ``-`` before it)."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise ValidationError(what, text, "is not a duration such as 10m, 6h, 7d, 2w or 5y")
    return timedelta(seconds=float(match[1]) * _SECONDS[match[2]])


def parse_instant(text: str, now: datetime, what: str) -> datetime:
    """An ISO date with timezone, epoch milliseconds, ``now`` or ``now-7d``; always aware UTC."""
    text = text.strip()
    if text in ("", "now"):
        return now
    if text.startswith(("now-", "-")):
        return now - parse_duration(text, what)
    if _EPOCH_MS.fullmatch(text):
        try:
            return datetime.fromtimestamp(float(text) / 1000.0, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValidationError(what, text, "is out of range as epoch milliseconds") from None
    return parse_datetime(text, what)


@dataclass(frozen=True)
class Channel:
    """One series asked for: a label, and optionally the device and collection that hold it."""

    label: str
    device: str | None = None
    collection: str | None = None


@dataclass(frozen=True)
class SeriesQuery:
    """A validated view: which channels, which window, how many points; ``live`` when it ends now."""

    channels: tuple[Channel, ...]
    start: datetime
    stop: datetime
    points: int
    live: bool


def _paired(values: Sequence[str], count: int, name: str) -> list[str | None]:
    """One value for every label, or one per label in the same order."""
    if not values:
        return [None] * count
    if len(values) == 1:
        return [values[0] or None] * count
    if len(values) != count:
        raise ValidationError("series query", name, f"give one, or one per label ({count}), not {len(values)}")
    return [value or None for value in values]


def parse_points(text: str) -> int:
    if text == "":
        return DEFAULT_POINTS
    try:
        points = int(text)
    except ValueError:
        raise ValidationError("series query", "points", f"must be an integer, got {text!r}") from None
    if not 1 <= points <= MAX_POINTS:
        raise ValidationError("series query", "points", f"must be within 1..{MAX_POINTS}, got {points}")
    return points


def series_query(params: Mapping[str, Sequence[str]], now: datetime) -> SeriesQuery:
    """Validate the query parameters (each name mapped to all its values)."""
    labels = [label for label in params.get("label", []) if label]
    if not labels:
        raise ValidationError("series query", "label", "give at least one label, e.g. ?label=T_MC")
    if len(labels) > MAX_LABELS:
        raise ValidationError("series query", "label", f"at most {MAX_LABELS} labels on one chart")
    devices = _paired(params.get("device", []), len(labels), "device")
    collections = _paired(params.get("collection", []), len(labels), "collection")
    stop_text = (params.get("stop") or ["now"])[-1]
    stop = parse_instant(stop_text, now, "stop")
    start_text = (params.get("start") or [""])[-1].strip()
    if not start_text:
        start = stop - DEFAULT_WINDOW
    elif start_text.startswith(("now-", "-")):
        start = stop - parse_duration(start_text, "start")  # relative to stop: -1h&stop=X is the hour before X
    else:
        start = parse_instant(start_text, now, "start")
    if not start < stop:
        raise ValidationError("series query", "start", f"must be before stop ({iso(start)} >= {iso(stop)})")
    points = parse_points((params.get("points") or [""])[-1])
    channels = tuple(Channel(*entry) for entry in zip(labels, devices, collections, strict=True))
    return SeriesQuery(channels, start, stop, points, stop_text.strip() in ("", "now"))
