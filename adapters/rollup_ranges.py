"""Which stretches of which series a write touches: contiguous bucket runs, cut into weekly batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ricochetdb.application.ports import SeriesKey
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.rollups import WIDTH_US, as_number, floor_to
from ricochetdb.domain.validation import to_micros

Range = tuple[str, str, int, int]
"""(device, label, start, stop): one stretch of one series, [start, stop) in microseconds."""
BATCH_US = 7 * WIDTH_US["1d"]
"""Re-rolling works a week of every touched series at a time, so a year-long upload stays in bounded memory."""


def runs(starts: set[int], width: int) -> list[tuple[int, int]]:
    """Sorted aligned bucket starts as contiguous [start, stop) runs."""
    found: list[tuple[int, int]] = []
    for start in sorted(starts):
        if found and found[-1][1] == start:
            found[-1] = (found[-1][0], start + width)
        else:
            found.append((start, start + width))
    return found


def touched_ranges(touched: dict[tuple[str, str], set[int]], width: int) -> list[Range]:
    """The buckets of ``width`` holding the touched times, as runs per series."""
    return [
        (device, label, lo, hi)
        for (device, label), times in touched.items()
        for lo, hi in runs({floor_to(t, width) for t in times}, width)
    ]


def widen(batch: list[Range], width: int) -> list[Range]:
    """The runs of buckets of a coarser ``width`` that hold the ranges of ``batch``."""
    spans: dict[tuple[str, str], set[int]] = {}
    for device, label, lo, hi in batch:
        spans.setdefault((device, label), set()).update(range(floor_to(lo, width), hi, width))
    return [(device, label, lo, hi) for (device, label), starts in spans.items() for lo, hi in runs(starts, width)]


def in_batches(ranges: list[Range]) -> Iterator[list[Range]]:
    """The ranges cut at week boundaries (aligned to days), one batch per week, oldest first."""
    pieces: dict[int, list[Range]] = {}
    for device, label, start, stop in ranges:
        cut = start
        while cut < stop:
            week = floor_to(cut, BATCH_US)
            end = min(stop, week + BATCH_US)
            pieces.setdefault(week, []).append((device, label, cut, end))
            cut = end
    for week in sorted(pieces):
        yield pieces[week]


def touched_by(polls: Sequence[Poll]) -> tuple[dict[SeriesKey, set[int]], dict[SeriesKey, int]]:
    """The minutes whose buckets the numeric values of ``polls`` touch, per series, and each series' newest time."""
    minute = WIDTH_US["1m"]
    touched: dict[SeriesKey, set[int]] = {}
    newest: dict[SeriesKey, int] = {}
    for poll in polls:
        micros = to_micros(poll.timestamp)
        start = micros - micros % minute
        device = poll.device
        for label, value in poll.values.items():
            key = (device, label)
            if newest.get(key, micros - 1) < micros:
                newest[key] = micros
            if as_number(value) is not None:
                held = touched.get(key)
                if held is None:
                    touched[key] = held = set()
                held.add(start)
    return touched, newest


EARLIEST = -(2**62)


def closed_minutes(
    touched: dict[SeriesKey, set[int]], newest: dict[SeriesKey, int], before: dict[SeriesKey, int]
) -> dict[SeriesKey, set[int]]:
    """The minutes a write lets a store roll up: those it touched before each series' open minute (the
    minute of its newest value, ``before`` the write or in it), and the previous open minute once it moved on."""
    minute = WIDTH_US["1m"]
    closed: dict[SeriesKey, set[int]] = {}
    for key, minutes in touched.items():
        previous = floor_to(before[key], minute) if key in before else None
        opened = max(previous if previous is not None else EARLIEST, floor_to(newest[key], minute))
        done = {m for m in minutes if m < opened}
        if previous is not None and previous < opened:
            done.add(previous)
        if done:
            closed[key] = done
    return closed


def reopened(
    touched: dict[SeriesKey, set[int]], newest: dict[SeriesKey, int], before: dict[SeriesKey, int]
) -> dict[SeriesKey, int]:
    """Series whose open minute got a late value (none newer than ``before``), with that open minute: if
    ``settle`` had rolled it up, that bucket no longer counts every value and readers must take it raw."""
    minute = WIDTH_US["1m"]
    return {
        key: floor_to(before[key], minute)
        for key, minutes in touched.items()
        if key in before and newest[key] <= before[key] and floor_to(before[key], minute) in minutes
    }
