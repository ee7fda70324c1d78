"""Device health: ok, partial or degraded, with the transitions worth one log line each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from ricochetdb.domain.identity import content_id
from ricochetdb.domain.storable import storable_text

if TYPE_CHECKING:  # an annotation only: the commands that read events do not load the poll model
    from ricochetdb.domain.polls import FieldError

Health = Literal["ok", "partial", "degraded"]


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
    """Tracks one device; ``observe`` returns an event only when its state (or its set of failing fields) changes.

    ``ok``: every field read; ``partial``: the device answered but some fields could not be read or
    stored; ``degraded``: the device gave nothing.
    """

    device_type: str
    device: str
    state: Health = "ok"
    failures: int = 0
    last_error: str = ""
    failing_fields: frozenset[str] = frozenset()

    def observe(self, error: str | None, when: datetime, field_errors: Sequence[FieldError] = ()) -> DeviceEvent | None:
        """Record the outcome of one read (``error`` None: the device answered, maybe with field errors)."""
        if error is not None:
            self.failures += 1
            state: Health = "degraded"
            detail, fields = storable_text(error), frozenset[str]()
        else:
            self.failures = 0
            fields = frozenset(e.field for e in field_errors)
            state = "partial" if fields else "ok"
            detail = storable_text("; ".join(str(e) for e in field_errors))
        self.last_error = detail
        if state == self.state and fields == self.failing_fields:
            return None
        self.state, self.failing_fields = state, fields
        return DeviceEvent(self.device_type, self.device, state, detail, when)
