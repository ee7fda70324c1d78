"""What the alarms leave behind: stored transitions, operator actions, messages and the status shown.

Transitions and actions carry deterministic ids (like readings), so a spooled and replayed one is
stored once. Times are the database's clock (``clock`` says when it was the local one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from ricochetdb.domain.alarms import format_duration
from ricochetdb.domain.identity import content_id
from ricochetdb.domain.readings import ClockSource

AlarmState = Literal["ok", "pending", "firing", "resolved"]
ActionKind = Literal["ack", "snooze", "silence", "mode"]
MessageKind = Literal["firing", "reminder", "resolved", "test"]
MATCHER_KEYS = ("name", "label", "device", "severity", "kind")


@dataclass(frozen=True)
class AlarmEvent:
    """One transition of one alarm (a rule on one device), with the value and threshold that made it."""

    name: str
    device: str
    state: AlarmState
    previous: AlarmState
    timestamp: datetime
    kind: str = ""
    severity: str = "warning"
    label: str = ""
    value: Any = None
    threshold: Any = None
    since: datetime | None = None
    clock: ClockSource = "server"
    held: str = ""

    @property
    def id(self) -> str:
        """Deterministic: a replayed transition is stored once."""
        return content_id("alarm-event", self.name, self.device, self.state, self.timestamp)


@dataclass(frozen=True)
class OperatorAction:
    """Acknowledge, snooze, silence (by matcher) or set the cryostat mode: stored, so every process sees it."""

    action: ActionKind
    timestamp: datetime
    user: str = ""
    name: str = ""
    device: str = ""
    until: datetime | None = None
    matcher: tuple[tuple[str, str], ...] = ()
    mode: str = ""
    comment: str = ""

    @property
    def id(self) -> str:
        """Deterministic, so the same action stored twice (replay, retry) counts once."""
        return content_id(
            "alarm-action",
            self.action,
            self.name,
            self.device,
            self.mode,
            [list(m) for m in self.matcher],
            self.until,
            self.user,
            self.timestamp,
        )


@dataclass(frozen=True)
class Notification:
    """One message about one alarm; ``payload()`` is the webhook JSON, ``subject``/``text`` the human form."""

    kind: MessageKind
    alarm: str
    severity: str
    label: str
    device: str
    value: Any
    threshold: Any
    since: datetime | None
    time: datetime
    rule_kind: str = ""
    summary: str = ""
    acknowledged: bool = False
    rate: bool = False

    @property
    def state(self) -> Literal["firing", "resolved"]:
        """What the alarm is doing: a reminder and a test are 'firing' messages."""
        return "resolved" if self.kind == "resolved" else "firing"

    @property
    def lasted(self) -> timedelta | None:
        """How long a resolved alarm was firing."""
        return None if self.kind != "resolved" or self.since is None else self.time - self.since

    def payload(self) -> dict[str, Any]:
        """The JSON body: alarm, state, severity, label, device, value, threshold, since, time (+ extras)."""
        body: dict[str, Any] = {
            "alarm": self.alarm,
            "state": self.state,
            "severity": self.severity,
            "label": self.label,
            "device": self.device,
            "value": _plain(self.value),
            "threshold": _plain(self.threshold),
            "since": None if self.since is None else _iso(self.since),
            "time": _iso(self.time),
            "kind": self.rule_kind,
            "reminder": self.kind == "reminder",
            "test": self.kind == "test",
            "rate": self.rate,
        }
        if self.lasted is not None:
            body["lasted_s"] = round(self.lasted.total_seconds(), 3)
        if self.summary:
            body["summary"] = self.summary
        return body

    @property
    def subject(self) -> str:
        """One line: what, how bad, where, since when."""
        head = {"firing": "FIRING", "reminder": "STILL FIRING", "resolved": "RESOLVED", "test": "TEST"}[self.kind]
        where = f" on {self.device}" if self.device else ""
        tail = f" after {format_duration(self.lasted)}" if self.lasted is not None else ""
        return f"[ricochetdb {self.severity}] {head} {self.alarm}{where}: {self.describe()}{tail}"

    def describe(self) -> str:
        """The value against the threshold, in words."""
        if self.kind == "test":
            return "test message: this route works"
        plain = {
            "stale": f"no reading for {_human(self.value)} s (limit {_human(self.threshold)} s)",
            "device_error": f"device error: {self.value}",
            "database": "database unreachable",
            "spool": f"spool growing by {_human(self.value)} items per minute",
            "notifier": f"could not deliver: {self.value}",
        }
        if self.rule_kind in plain:
            return plain[self.rule_kind]
        if self.rate:
            return f"{self.label} changing by {_human(self.value)} per minute (threshold {_human(self.threshold)})"
        return f"{self.label} = {_human(self.value)} (threshold {_human(self.threshold)})"

    def text(self) -> str:
        """The body of a mail or a log line: the subject, the summary and the JSON payload."""
        lines = [self.subject]
        if self.summary:
            lines.append(self.summary)
        if self.since is not None:
            lines.append(f"since {_iso(self.since)}")
        lines.append(json.dumps(self.payload(), sort_keys=True))
        return "\n".join(lines)


@dataclass(frozen=True)
class AlarmStatus:
    """An alarm as operators see it now (the web page, ``alarm list``, ``states()``)."""

    name: str
    device: str
    state: AlarmState
    severity: str
    since: datetime | None
    value: Any
    threshold: Any
    acknowledged: bool = False
    acknowledged_by: str = ""
    snoozed_until: datetime | None = None
    silenced: bool = False
    silenced_until: datetime | None = None
    inhibited: str = ""
    kind: str = ""
    label: str = ""
    updated: datetime | None = None

    def row(self) -> dict[str, Any]:
        """A flat dict for tables and JSON."""
        return {
            "name": self.name,
            "device": self.device,
            "state": self.state,
            "severity": self.severity,
            "label": self.label,
            "value": _plain(self.value),
            "threshold": _plain(self.threshold),
            "since": self.since,
            "acknowledged": self.acknowledged_by or self.acknowledged,
            "snoozed_until": self.snoozed_until,
            "silenced_until": self.silenced_until,
            "inhibited": self.inhibited,
        }


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _plain(value: Any) -> Any:
    """A value JSON can carry: datetimes as ISO text, tuples as lists."""
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _human(value: Any) -> str:
    """A value for a person: floats to 6 significant digits."""
    return f"{value:.6g}" if isinstance(value, float) else str(_plain(value))
