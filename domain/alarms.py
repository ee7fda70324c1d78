"""Alarm rules and their settings: what to watch, when it fires, when it clears, whom to tell.

A rule is one of a few kinds: a threshold (``above``/``below``, with a separate clear threshold
for hysteresis, optionally on the rate of change per minute), state codes (``in``), warning or
alarm flags (``flags``), a device error, a stale device, the database unreachable, the spool
growing, and a notifier failing. Built-in rules watch staleness, the database, the spool and the
notifiers unless the rules file replaces them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from ricochetdb.domain.errors import RicochetError, ValidationError

RuleKind = Literal["above", "below", "in", "flags", "device_error", "stale", "database", "spool", "notifier"]
Severity = Literal["warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("warning", "critical")
MODES = ("warmup", "cooldown", "cold", "maintenance")
MIN_STALE = timedelta(seconds=60)
STALE_INTERVALS = 3

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


class NotifierError(RicochetError):
    """A notifier could not deliver a message (record: the notifier, field: the setting at fault)."""


def parse_duration(value: object, record: str, field_name: str) -> timedelta:
    """``"30s"``, ``"5m"``, ``"1h30m"``, ``"2d"`` or a number of seconds; never negative."""
    if isinstance(value, bool):
        raise ValidationError(record, field_name, "must be a duration such as '30s', '5m' or '2h'")
    if isinstance(value, (int, float)):
        seconds = float(value)
    elif isinstance(value, str) and (text := value.strip().lower()):
        parts = _DURATION.findall(text)
        if "".join(number + unit for number, unit in parts) != text.replace(" ", ""):
            raise ValidationError(record, field_name, f"{value!r} is not a duration such as '30s', '5m' or '2h'")
        seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    else:
        raise ValidationError(record, field_name, "must be a duration such as '30s', '5m' or '2h'")
    if not 0 <= seconds <= 366 * 86400:
        raise ValidationError(record, field_name, f"must be between 0 s and a year, got {value!r}")
    return timedelta(seconds=seconds)


def format_duration(span: timedelta) -> str:
    """A short human duration: ``45s``, ``12m``, ``3h05m``, ``2d04h``."""
    seconds = int(span.total_seconds())
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s" if seconds % 60 else f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600:02d}h"


@dataclass(frozen=True)
class AlarmRule:
    """One rule. ``threshold``/``clear`` are the firing and clearing sides of the hysteresis band."""

    name: str
    kind: RuleKind
    label: str = ""
    device: str = ""
    collection: str = ""
    threshold: float | None = None
    clear: float | None = None
    states: tuple[int, ...] = ()
    flags: tuple[str, ...] = ()
    rate: bool = False
    rate_window: timedelta = timedelta(minutes=5)
    pending_for: timedelta = timedelta(0)
    stale_after: timedelta | None = None
    enabled: bool = True
    severity: Severity = "warning"
    notify: tuple[str, ...] = ()
    inhibit_in_modes: tuple[str, ...] = ()
    reminder: timedelta | None = None
    summary: str = ""
    builtin: bool = False

    def matches(self, device: str, collection: str | None = None) -> bool:
        """Whether a device (writing to ``collection``) is watched by this rule."""
        if self.device and self.device != device:
            return False
        return not self.collection or self.collection == collection

    def inhibited_in(self, mode: str | None) -> bool:
        """Whether the cryostat mode inhibits this rule (only rules naming the mode are inhibited)."""
        return mode is not None and mode in self.inhibit_in_modes

    def describe_threshold(self, firing: bool) -> object:
        """The threshold a transition is judged against: the firing side, or the clearing side."""
        if self.kind in ("above", "below", "spool"):
            return self.threshold if firing or self.clear is None else self.clear
        if self.kind == "in":
            return list(self.states)
        if self.kind == "flags":
            return list(self.flags) or "any"
        if self.kind == "stale" and self.stale_after is not None:
            return self.stale_after.total_seconds()
        return None


@dataclass(frozen=True)
class NotifierSpec:
    """One ``[[notifier]]`` table: a name, a type, and the type's own options (checked by the adapter)."""

    name: str
    type: str
    options: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AlarmSettings:
    """The ``[alarms]`` table: defaults for every rule."""

    reminder: timedelta = timedelta(minutes=30)
    notify: tuple[str, ...] = ()
    collection: str = "alarm_events"


@dataclass(frozen=True)
class AlarmConfig:
    """A whole validated rules file: rules (built-ins included), notifiers, settings."""

    rules: tuple[AlarmRule, ...] = ()
    notifiers: tuple[NotifierSpec, ...] = ()
    settings: AlarmSettings = AlarmSettings()

    def rule(self, name: str) -> AlarmRule | None:
        """The rule of that name, or None."""
        return next((rule for rule in self.rules if rule.name == name), None)

    def routes(self, rule: AlarmRule) -> tuple[str, ...]:
        """The notifiers a rule's messages go to: its own list, else the default, else every notifier."""
        return rule.notify or self.settings.notify or tuple(spec.name for spec in self.notifiers)

    def reminder(self, rule: AlarmRule) -> timedelta:
        """How often a firing, unacknowledged alarm is repeated (0: never)."""
        return self.settings.reminder if rule.reminder is None else rule.reminder


def stale_after(rule: AlarmRule, interval: float) -> timedelta:
    """A stale rule's limit: its own, else max(3 poll intervals, 60 s)."""
    if rule.stale_after is not None:
        return rule.stale_after
    return max(MIN_STALE, timedelta(seconds=STALE_INTERVALS * interval))
