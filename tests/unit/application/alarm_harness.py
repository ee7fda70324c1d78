"""A hand-driven alarm engine for the application tests: an injected clock, recording notifiers, polls by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ricochetdb.adapters.memory_alarms import InMemoryAlarmLog
from ricochetdb.application.alarms import AlarmEngine
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError
from ricochetdb.domain.alarms_records import Notification
from ricochetdb.domain.alarms_rules import parse_alarm_config
from ricochetdb.domain.polls import Poll, poll_from_values
from ricochetdb.domain.readings import ClockSource

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class HandClock:
    """The database's clock, moved by the test."""

    source: ClockSource = "server"

    def __init__(self) -> None:
        self.moment = T0

    def now(self) -> datetime:
        return self.moment


class Recorder(Notifier):
    """Keeps what it was asked to send; raises while ``failing``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[Notification] = []
        self.failing = False
        self.closed = False

    def send(self, notification: Notification) -> None:
        if self.failing:
            raise NotifierError(f"notifier {self.name!r}", "url", "connection refused")
        self.sent.append(notification)

    def close(self) -> None:
        self.closed = True

    def kinds(self, alarm: str | None = None) -> list[str]:
        return [n.kind for n in self.sent if alarm is None or n.alarm == alarm]


@dataclass
class Failure:
    device_type: str
    device: str
    error: str
    timestamp: datetime


@dataclass
class Cycle:
    timestamp: datetime
    polls: list[Poll] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def reading(device: str, when: datetime, **values: Any) -> Poll:
    return poll_from_values("JSON-CRYO", device, when, values, clock="server")


class Harness:
    """An engine on the in-memory log, one or two recording notifiers, and a hand clock."""

    def __init__(
        self, *alarms: dict[str, Any], interval: float = 10.0, routes: tuple[str, ...] = ("hook",), **extra: Any
    ):
        notifiers = [{"name": name, "type": "log"} for name in routes]
        self.config = parse_alarm_config({"alarm": list(alarms), "notifier": notifiers, **extra}, "test rules")
        self.clock = HandClock()
        self.log = InMemoryAlarmLog([])
        self.notifiers = {name: Recorder(name) for name in routes}
        self.interval = interval
        self.engine = self.build()

    def build(self) -> AlarmEngine:
        return AlarmEngine(
            self.config, self.log, list(self.notifiers.values()), self.clock, self.interval, devices=["CRYO"]
        )

    def cycle(self, seconds: float, failures: list[str] = (), **values: Any) -> None:  # type: ignore[assignment]
        """One poll cycle at T0 + ``seconds``: CRYO gives ``values`` (none: it gave nothing)."""
        when = T0 + timedelta(seconds=seconds)
        self.clock.moment = when
        polls = [reading("CRYO", when, **values)] if values else []
        lost = [Failure("JSON-CRYO", device, "timed out", when) for device in failures]
        self.engine.on_cycle(Cycle(when, polls, lost))

    @property
    def hook(self) -> Recorder:
        return self.notifiers["hook"]
