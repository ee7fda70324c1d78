"""Device health: ok or degraded, with the transitions worth one log line each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from ricochetdb.domain.identity import content_id

Health = Literal["ok", "degraded"]


@dataclass(frozen=True)
class DeviceEvent:
    """A change of a device's health, stored so that a gap in the data is explicit."""

    device_type: str
    device: str
    state: Health
    error: str
    timestamp: datetime

    @property
    def id(self) -> str:
        """Deterministic, so a replayed event is stored once."""
        return content_id("event", self.device, self.state, self.timestamp)


@dataclass
class DeviceHealth:
    """Tracks one device; ``observe`` returns an event only when the state changes."""

    device_type: str
    device: str
    state: Health = "ok"
    failures: int = 0
    last_error: str = ""

    def observe(self, error: str | None, when: datetime) -> DeviceEvent | None:
        """Record the outcome of one read (None = success)."""
        if error is None:
            self.failures = 0
            if self.state == "ok":
                return None
            self.state, self.last_error = "ok", ""
            return DeviceEvent(self.device_type, self.device, "ok", "", when)
        self.failures += 1
        self.last_error = error
        if self.state == "degraded":
            return None
        self.state = "degraded"
        return DeviceEvent(self.device_type, self.device, "degraded", error, when)
