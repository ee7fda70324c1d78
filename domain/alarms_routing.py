"""What holds an alarm's messages back: snoozes, silences by matcher, and the cryostat mode.

Each has an expiry (the mode has none: it lasts until set again). Built from operator actions, so
the poller, the web page and the command line, each reading the stored actions, agree.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ricochetdb.domain.alarms import MODES
from ricochetdb.domain.alarms_records import MATCHER_KEYS, OperatorAction
from ricochetdb.domain.errors import ValidationError


def parse_matcher(items: Sequence[str], record: str = "silence") -> tuple[tuple[str, str], ...]:
    """``["label=T_MC", "device=CRYO*"]`` to pairs; keys among name, label, device, severity, kind."""
    pairs: list[tuple[str, str]] = []
    for item in items:
        key, sep, pattern = item.partition("=")
        key, pattern = key.strip(), pattern.strip()
        if not sep or key not in MATCHER_KEYS or not pattern:
            raise ValidationError(
                record, "match", f"{item!r}: write KEY=VALUE with KEY one of {', '.join(MATCHER_KEYS)}"
            )
        pairs.append((key, pattern))
    if not pairs:
        raise ValidationError(record, "match", "give at least one KEY=VALUE (e.g. label=T_MC)")
    return tuple(pairs)


def check_mode(mode: str) -> str:
    """A cryostat mode (warmup, cooldown, cold, maintenance)."""
    if mode not in MODES:
        raise ValidationError("mode", "mode", f"{mode!r} is not a mode ({', '.join(MODES)})")
    return mode


@dataclass(frozen=True)
class Target:
    """The fields a matcher looks at."""

    name: str
    device: str
    label: str
    severity: str
    kind: str

    def matches(self, matcher: Iterable[tuple[str, str]]) -> bool:
        """Every pair matches (shell-style wildcards allowed in values)."""
        return all(fnmatch.fnmatchcase(str(getattr(self, key)), pattern) for key, pattern in matcher)


@dataclass
class Suppressions:
    """The snoozes, silences and mode in force; ``apply`` takes each stored operator action once."""

    snoozes: list[OperatorAction] = field(default_factory=list)
    silences: list[OperatorAction] = field(default_factory=list)
    mode: str | None = None
    mode_set: datetime | None = None

    def apply(self, action: OperatorAction) -> None:
        """Take an operator action into account (acknowledgements are the instances' business)."""
        if action.action == "snooze":
            self.snoozes.append(action)
        elif action.action == "silence":
            self.silences.append(action)
        elif action.action == "mode" and (self.mode_set is None or action.timestamp >= self.mode_set):
            self.mode, self.mode_set = action.mode, action.timestamp

    def expire(self, now: datetime) -> None:
        """Forget snoozes and silences that have ended."""
        self.snoozes = [a for a in self.snoozes if a.until is not None and a.until > now]
        self.silences = [a for a in self.silences if a.until is not None and a.until > now]

    def snoozed_until(self, target: Target, now: datetime) -> datetime | None:
        """The latest end of the snoozes on this alarm in force at ``now``."""
        ends = [
            a.until
            for a in self.snoozes
            if a.name == target.name and a.device in ("", target.device) and a.until is not None and a.until > now
        ]
        return max(ends, default=None)

    def silenced_until(self, target: Target, now: datetime) -> datetime | None:
        """The latest end of the silences matching this alarm in force at ``now``."""
        ends = [a.until for a in self.silences if a.until is not None and a.until > now and target.matches(a.matcher)]
        return max(ends, default=None)

    def held(self, target: Target, inhibited: bool, now: datetime) -> str:
        """Why this alarm's messages are held back now ('' if they are not)."""
        if inhibited and self.mode is not None:
            return f"inhibited in mode {self.mode}"
        if (until := self.silenced_until(target, now)) is not None:
            return f"silenced until {until.isoformat()}"
        if (until := self.snoozed_until(target, now)) is not None:
            return f"snoozed until {until.isoformat()}"
        return ""
