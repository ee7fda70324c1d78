"""What the cryostat did while a stream ran: one entry per numeric (collection, device, label).

Each entry holds the count, mean, population std, extremes with their times, first and last
values, the coverage and the longest stretch without a reading. Coverage is the fraction of the
stream covered by readings, each reading covering the time until the next one but at most ``cap``
(a few sampling intervals), so a dead thermometer shows as a low coverage, never as a flat line.
The pieces come from the rollup tiers for the interior and from raw readings at the ends (see
``history_bins.cover``); a piece whose longest inner spacing exceeds ``cap`` is refined first.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from ricochetdb.domain.rollups import Bucket, combine
from ricochetdb.domain.validation import from_micros


@dataclass(frozen=True)
class ChannelSummary:
    """One numeric channel over a stream's [start, stop]."""

    collection: str
    device: str
    label: str
    unit: str
    n: int
    mean: float
    std: float
    min: float
    min_time: datetime
    max: float
    max_time: datetime
    first: float
    last: float
    coverage: float
    longest_gap_s: float


@dataclass(frozen=True)
class StreamSummary:
    """Every channel's summary over [start, stop], and the sampling interval assumed (None: measured per channel)."""

    start: datetime
    stop: datetime
    channels: tuple[ChannelSummary, ...]
    interval_s: float | None = None

    def __iter__(self) -> Iterator[ChannelSummary]:
        return iter(self.channels)

    def __len__(self) -> int:
        return len(self.channels)


def needs_refining(piece: Bucket, cap: float) -> bool:
    """Whether a piece hides a spacing longer than ``cap`` (so its coverage is not simply t_last - t_first)."""
    return piece.gap > cap


def covered(pieces: Sequence[Bucket], stop: int, cap: float) -> float:
    """Microseconds of [.., stop] covered: each reading covers until the next one, at most ``cap``.

    A piece whose inner spacings are all within ``cap`` covers exactly t_last - t_first inside; one
    that still hides a longer spacing (raw data gone) counts that longest spacing as ``cap``.
    """
    total = 0.0
    for index, piece in enumerate(pieces):
        inner = piece.t_last - piece.t_first
        total += inner - max(0.0, piece.gap - cap)
        after = pieces[index + 1].t_first if index + 1 < len(pieces) else stop
        total += min(after - piece.t_last, cap)
    return total


def longest_gap(pieces: Sequence[Bucket], start: int, stop: int) -> int:
    """The longest stretch without a reading in [start, stop], the window's ends included."""
    if not pieces:
        return stop - start
    longest = max(pieces[0].t_first - start, stop - pieces[-1].t_last)
    for index, piece in enumerate(pieces):
        longest = max(longest, piece.gap)
        if index:
            longest = max(longest, piece.t_first - pieces[index - 1].t_last)
    return longest


def summarize(
    collection: str,
    device: str,
    label: str,
    unit: str,
    pieces: Sequence[Bucket],
    start: int,
    stop: int,
    cap: float,
) -> ChannelSummary | None:
    """The channel's entry from its time-ordered pieces over [start, stop] (microseconds); None without readings."""
    if not pieces:
        return None
    whole = combine(pieces[0].start, pieces)
    duration = stop - start
    coverage = 1.0 if duration <= 0 else min(1.0, covered(pieces, stop, cap) / duration)
    return ChannelSummary(
        collection,
        device,
        label,
        unit,
        whole.n,
        whole.mean,
        whole.std,
        whole.min,
        from_micros(whole.t_min),
        whole.max,
        from_micros(whole.t_max),
        whole.first,
        whole.last,
        coverage,
        longest_gap(pieces, start, stop) / 1e6,
    )
