"""What one poll cycle says to each alarm: a verdict (fire, clear, hold) and the value behind it.

Values come from the polls just read; device errors from the cycle's failures; staleness from the
time each device last gave a reading; the database and the spool from what the poller tells.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Protocol

from ricochetdb.domain.alarms import AlarmConfig, AlarmRule, stale_after
from ricochetdb.domain.alarms_conditions import RateWindow, Verdict, as_number, judge
from ricochetdb.domain.alarms_state import AlarmInstance
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import ClockSource

logger = logging.getLogger(__name__)

Key = tuple[str, str]
Judged = tuple[AlarmInstance, Verdict, Any]
VALUE_KINDS = ("above", "below", "in", "flags")  # the rules judged on reading values


class FailureLike(Protocol):
    """A device that gave nothing in a cycle (``polling.Failure``)."""

    @property
    def device(self) -> str: ...

    @property
    def error(self) -> str: ...


class CycleLike(Protocol):
    """What the engine needs of a poll cycle's report (``CycleReport``)."""

    @property
    def timestamp(self) -> datetime: ...

    @property
    def polls(self) -> Sequence[Poll]: ...

    @property
    def failures(self) -> Sequence[FailureLike]: ...


class Watch:
    """The alarms' live instances, and the verdicts each cycle gives them (not thread-safe: the engine locks)."""

    def __init__(
        self, config: AlarmConfig, interval: float, devices: Iterable[str], collections: Mapping[str, str]
    ) -> None:
        self.rules = tuple(_resolved(rule, interval) for rule in config.rules)
        self.collections = dict(collections)
        self.instances: dict[Key, AlarmInstance] = {}
        self.last_seen: dict[str, datetime | None] = dict.fromkeys(devices)
        self.reachable: bool | None = None
        self.backlog: int | None = None
        self._warned = False

    def instance(self, rule: AlarmRule, device: str, label: str = "") -> AlarmInstance:
        """The alarm of ``rule`` on ``device``, made on first use."""
        key = (rule.name, device)
        if key not in self.instances:
            window = RateWindow(rule.rate_window) if rule.rate else None
            self.instances[key] = AlarmInstance(rule, device, label, window=window)
        return self.instances[key]

    def verdicts(self, report: CycleLike, now: datetime) -> list[Judged]:
        """Every verdict of this cycle."""
        return [*self._values(report), *self._devices(report, now), *self._poller(now)]

    def _values(self, report: CycleLike) -> Iterable[Judged]:
        rules = [rule for rule in self.rules if rule.kind in VALUE_KINDS]
        for poll in report.polls:
            if poll.values:
                self.last_seen[poll.device] = poll.timestamp
            for rule in rules:
                if rule.label in poll.values and rule.matches(poll.device, self.collections.get(poll.device)):
                    instance = self.instance(rule, poll.device, rule.label)
                    value = judged_value(instance, poll.timestamp, poll.values[rule.label])
                    verdict = judge(rule, value)
                    if verdict is not None:
                        yield instance, verdict, value
        if report.polls and not self._warned:
            self._warned = True
            seen = {key[0] for key in self.instances}
            for rule in rules:
                if rule.name not in seen:
                    logger.warning("alarm %r: no device reported label %r in the first cycle", rule.name, rule.label)

    def _devices(self, report: CycleLike, now: datetime) -> Iterable[Judged]:
        failed = {failure.device: failure.error for failure in report.failures}
        for device in failed:
            self.last_seen.setdefault(device, None)
        answered = {poll.device for poll in report.polls}
        for rule in (r for r in self.rules if r.kind == "device_error"):
            for device in sorted(answered | set(failed)):
                if rule.matches(device, self.collections.get(device)):
                    verdict: Verdict = "fire" if device in failed else "clear"
                    yield self.instance(rule, device), verdict, failed.get(device, "answered")
        for device, seen in self.last_seen.items():
            stale = self._stale_rule(device)
            if stale is None:
                continue
            if seen is None:
                self.last_seen[device] = seen = now
            silent = now - seen
            verdict = "fire" if stale.stale_after is not None and silent > stale.stale_after else "clear"
            yield self.instance(stale, device), verdict, round(silent.total_seconds(), 1)

    def _stale_rule(self, device: str) -> AlarmRule | None:
        """The device's own stale rule, else the general one; None if staleness is off for it."""
        rules = sorted((r for r in self.rules if r.kind == "stale"), key=lambda r: r.builtin)
        rule = next((r for r in rules if r.matches(device, self.collections.get(device))), None)
        return rule if rule is not None and rule.enabled else None

    def _poller(self, now: datetime) -> Iterable[Judged]:
        for rule in self.rules:
            if rule.kind == "database" and self.reachable is not None:
                verdict: Verdict = "clear" if self.reachable else "fire"
                yield self.instance(rule, ""), verdict, "reachable" if self.reachable else "unreachable"
            elif rule.kind == "spool" and self.backlog is not None:
                instance = self.instance(rule, "", "spool backlog")
                rate = judged_value(instance, now, self.backlog)
                if (found := judge(rule, rate)) is not None:
                    yield instance, found, rate


def _resolved(rule: AlarmRule, interval: float) -> AlarmRule:
    """A stale rule with its limit worked out (max(3 intervals, 60 s) unless it gives one)."""
    return replace(rule, stale_after=stale_after(rule, interval)) if rule.kind == "stale" else rule


def judged_value(instance: AlarmInstance, moment: datetime, value: Any) -> Any:
    """The value a rule judges: the value itself, or its change per minute for a rate rule."""
    if instance.window is None:
        return value
    number = as_number(value)
    return None if number is None else instance.window.add(moment, number)


def clock_of(report: CycleLike) -> ClockSource:
    """Whose clock stamped the cycle: the report's say, else the polls'."""
    given = getattr(report, "clock", None)
    if given in ("server", "local"):
        return "server" if given == "server" else "local"
    return "local" if any(poll.clock == "local" for poll in report.polls) else "server"
