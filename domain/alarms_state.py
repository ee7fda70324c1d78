"""One alarm (a rule on one device) through time: ok -> pending -> firing -> resolved, and what to say when.

``step`` applies a verdict and returns the transition to store, if any. ``message`` then says which
message is due now: the first firing one (held back while snoozed, silenced or inhibited, sent when
that ends), a reminder every ``reminder`` while unacknowledged, and the resolved one at once, to
whoever heard it was firing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ricochetdb.domain.alarms import AlarmRule
from ricochetdb.domain.alarms_conditions import RateWindow, Verdict
from ricochetdb.domain.alarms_records import AlarmEvent, AlarmState, AlarmStatus, MessageKind, Notification
from ricochetdb.domain.readings import ClockSource


@dataclass
class AlarmInstance:
    """The live state of one alarm; mutated only by ``step``, ``acknowledge`` and ``message``."""

    rule: AlarmRule
    device: str
    label: str = ""
    state: AlarmState = "ok"
    since: datetime | None = None
    value: Any = None
    threshold: Any = None
    updated: datetime | None = None
    acknowledged_by: str = ""
    notified: bool = False
    last_sent: datetime | None = None
    held: str = ""
    window: RateWindow | None = field(default=None, repr=False)

    @property
    def key(self) -> tuple[str, str]:
        """(rule name, device): the alarm's identity."""
        return (self.rule.name, self.device)

    @property
    def firing(self) -> bool:
        """Whether the alarm is firing now."""
        return self.state == "firing"

    def step(
        self, verdict: Verdict, value: Any, now: datetime, clock: ClockSource = "server", held: str = ""
    ) -> AlarmEvent | None:
        """Apply one verdict at ``now``; return the transition, if the state changed."""
        self.value = value
        if verdict == "fire":
            if self.state in ("ok", "resolved"):
                if self.rule.pending_for > timedelta(0):
                    return self._move("pending", now, now, clock, held)
                return self._fire(now, now, clock, held)
            if self.state == "pending" and self.since is not None and now - self.since >= self.rule.pending_for:
                return self._fire(now, now, clock, held)
            return None
        if self.state == "pending":
            return self._move("ok", now, None, clock, held)
        if self.state == "firing" and verdict == "clear":
            return self._move("resolved", now, self.since, clock, held)
        return None

    def _fire(self, now: datetime, since: datetime, clock: ClockSource, held: str) -> AlarmEvent:
        self.acknowledged_by = ""
        self.notified = False
        return self._move("firing", now, since, clock, held)

    def _move(
        self, state: AlarmState, now: datetime, since: datetime | None, clock: ClockSource, held: str
    ) -> AlarmEvent:
        previous, self.state, self.since, self.updated = self.state, state, since, now
        self.threshold = self.rule.describe_threshold(state in ("pending", "firing"))
        return AlarmEvent(
            self.rule.name,
            self.device,
            state,
            previous,
            now,
            self.rule.kind,
            self.rule.severity,
            self.label,
            self.value,
            self.threshold,
            since,
            clock,
            held,
        )

    def acknowledge(self, user: str, at: datetime) -> bool:
        """Acknowledge the current firing episode (one that began at or before ``at``); False if none."""
        if not self.firing or self.since is None or self.since > at or self.acknowledged_by:
            return False
        self.acknowledged_by = user or "someone"
        return True

    def message(
        self, now: datetime, held: str, reminder: timedelta, event: AlarmEvent | None = None
    ) -> MessageKind | None:
        """The message due now, if any; ``held`` names what holds messages back ('' if nothing does)."""
        if event is not None and event.state == "resolved":
            told, self.notified, self.held = self.notified, False, held
            return "resolved" if told else None
        was_held, self.held = self.held, held
        if not self.firing or held:
            return None
        if not self.notified:
            return self._sent(now, "firing")
        if self.acknowledged_by:
            return None
        if was_held or (reminder > timedelta(0) and self.last_sent is not None and now - self.last_sent >= reminder):
            return self._sent(now, "reminder")
        return None

    def _sent(self, now: datetime, kind: MessageKind) -> MessageKind:
        self.notified, self.last_sent = True, now
        return kind

    def notification(self, kind: MessageKind, now: datetime) -> Notification:
        """The message of ``kind`` about this alarm at ``now``."""
        return Notification(
            kind,
            self.rule.name,
            self.rule.severity,
            self.label,
            self.device,
            self.value,
            self.threshold,
            self.since,
            now,
            self.rule.kind,
            self.rule.summary,
            bool(self.acknowledged_by),
            self.rule.rate,
        )

    def status(self, snoozed_until: datetime | None, silenced_until: datetime | None, inhibited: str) -> AlarmStatus:
        """What operators see of this alarm now."""
        return AlarmStatus(
            self.rule.name,
            self.device,
            self.state,
            self.rule.severity,
            self.since,
            self.value,
            self.threshold,
            bool(self.acknowledged_by),
            self.acknowledged_by,
            snoozed_until,
            silenced_until is not None,
            silenced_until,
            inhibited,
            self.rule.kind,
            self.label,
            self.updated,
        )
