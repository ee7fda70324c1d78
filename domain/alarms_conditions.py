"""How a value is judged against a rule: fire, clear, or hold inside the hysteresis band.

``hold`` is what makes hysteresis work: above 0.100 fires, below 0.080 clears, and anything in
between leaves a firing alarm firing (and cancels a pending one, whose condition no longer holds).
"""

from __future__ import annotations

import math
from collections import deque
from datetime import datetime, timedelta
from typing import Any, Literal

from ricochetdb.domain.alarms import AlarmRule

Verdict = Literal["fire", "clear", "hold"]


def as_number(value: Any) -> float | None:
    """A finite float from a number, a bool (0/1) or numeric text; None for anything else."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def flag_set(value: Any) -> set[str] | None:
    """The flags a value says are set: comma-separated names, or a non-zero bit sum; None if unreadable."""
    if isinstance(value, str):
        return {part.strip() for part in value.split(",") if part.strip()}
    number = as_number(value)
    if number is None:
        return None
    bits = int(abs(number))
    return {f"bit_{n}" for n in range(bits.bit_length()) if bits >> n & 1}


def judge(rule: AlarmRule, value: Any) -> Verdict | None:
    """The verdict of a value rule on one value; None when the value cannot be judged (text, null)."""
    if rule.kind == "flags":
        flags = flag_set(value)
        if flags is None:
            return None
        hit = bool(flags & set(rule.flags)) if rule.flags else bool(flags)
        return "fire" if hit else "clear"
    number = as_number(value)
    if number is None:
        return None
    if rule.kind == "in":
        return "fire" if number.is_integer() and int(number) in rule.states else "clear"
    return _band(rule, number)


def _band(rule: AlarmRule, number: float) -> Verdict:
    threshold = rule.threshold if rule.threshold is not None else 0.0
    if rule.kind == "below":
        if number < threshold:
            return "fire"
        return "clear" if (number > rule.clear if rule.clear is not None else number >= threshold) else "hold"
    if number > threshold:
        return "fire"
    return "clear" if (number < rule.clear if rule.clear is not None else number <= threshold) else "hold"


class RateWindow:
    """Recent (time, value) samples of one signal; ``rate()`` is its change per minute across the window."""

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self.samples: deque[tuple[datetime, float]] = deque()

    def add(self, moment: datetime, value: float) -> float | None:
        """Add a sample and return the rate per minute (None until two samples span some time)."""
        if self.samples and moment <= self.samples[-1][0]:
            return self.rate()
        self.samples.append((moment, value))
        while len(self.samples) > 2 and self.samples[1][0] <= moment - self.window:
            self.samples.popleft()
        return self.rate()

    def rate(self) -> float | None:
        """Change per minute between the oldest and the newest sample kept."""
        if len(self.samples) < 2:
            return None
        (start, first), (stop, last) = self.samples[0], self.samples[-1]
        minutes = (stop - start).total_seconds() / 60.0
        return (last - first) / minutes if minutes > 0 else None
