"""Plot export with matplotlib: the page's bins drawn as a min/max band and a mean line, one axis per unit.

Gaps stay gaps (the line breaks), runs and streams are vertical markers, and the header says the
window, the tier that answered and that times are UTC.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import matplotlib
from matplotlib import dates as _dates
from matplotlib.axes import Axes
from matplotlib.figure import Figure  # a Figure without pyplot: no global state, no display, thread-safe per call

from ricochetdb.application.history import Bin, History

mdates: Any = _dates  # matplotlib.dates carries no type hints
FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}


@dataclass(frozen=True)
class Marker:
    """A start or stop of a run or stream, drawn as a vertical line."""

    when: datetime
    text: str


def segments(history: History) -> list[list[Bin]]:
    """The bins cut wherever a reported gap falls between two of them, so nothing bridges a gap."""
    parts: list[list[Bin]] = []
    previous: Bin | None = None
    for item in history.bins:
        split = previous is None or any(previous.t < gap.stop and gap.start < item.t for gap in history.gaps)
        if split:
            parts.append([])
        parts[-1].append(item)
        previous = item
    return parts


def _axes_per_unit(figure: Figure, histories: Sequence[History]) -> dict[str, Axes]:
    units = list(dict.fromkeys(history.unit for history in histories)) or [""]
    first = figure.add_subplot(1, 1, 1)
    axes = {units[0]: first}
    for index, unit in enumerate(units[1:]):
        twin = first.twinx()
        twin.spines["right"].set_position(("outward", 60 * index))
        axes[unit] = twin
    for unit, ax in axes.items():
        ax.set_ylabel(unit or "(no unit)")
    return axes


def header(histories: Sequence[History], start: datetime, stop: datetime) -> str:
    tiers = ", ".join(dict.fromkeys(history.tier for history in histories)) or "none"
    window = f"{start:%Y-%m-%d %H:%M:%S} to {stop:%Y-%m-%d %H:%M:%S} UTC"
    return f"{window}  ·  tier {tiers}  ·  times in UTC"


def render(
    histories: Sequence[History],
    start: datetime,
    stop: datetime,
    fmt: str = "png",
    markers: Sequence[Marker] = (),
) -> bytes:
    """The figure as PNG, SVG or PDF bytes."""
    figure = Figure(figsize=(11, 5.5), dpi=100, layout="constrained")
    axes = _axes_per_unit(figure, histories)
    colours = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, history in enumerate(histories):
        ax, colour = axes[history.unit], colours[index % len(colours)]
        name = f"{history.label} ({history.device})"
        for number, part in enumerate(segments(history)):
            times = mdates.date2num([item.t for item in part])
            ax.fill_between(times, [i.min for i in part], [i.max for i in part], color=colour, alpha=0.2, lw=0)
            ax.plot(
                times,
                [i.mean for i in part],
                color=colour,
                lw=1.2,
                label=name if number == 0 else None,
                marker="." if len(part) == 1 else None,
            )
    main = next(iter(axes.values()))
    for marker in markers:
        if start <= marker.when <= stop:
            when = float(mdates.date2num(marker.when))
            main.axvline(when, color="0.4", ls="--", lw=0.8)
            main.annotate(
                marker.text,
                (when, 1.0),
                xycoords=("data", "axes fraction"),
                rotation=90,
                va="top",
                ha="right",
                fontsize=7,
                color="0.3",
            )
    main.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(stop)))
    locator = mdates.AutoDateLocator(tz=UTC)
    main.xaxis.set_major_locator(locator)
    main.xaxis.set_major_formatter(mdates.AutoDateFormatter(locator, tz=UTC))
    main.grid(True, alpha=0.3)
    handles = [h for ax in axes.values() for h in ax.get_legend_handles_labels()[0]]
    if handles:
        main.legend(handles=handles, loc="upper left", fontsize=8)
    figure.suptitle(header(histories, start, stop), fontsize=10)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt)
    return buffer.getvalue()
