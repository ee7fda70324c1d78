"""The status view: one row per device with its age against the poll interval, coloured.

green ("fresh"): last reading within 2 poll intervals; amber ("late"): within 5 intervals (at least
60 s); red ("stale"): older, or never read, or failing since its last reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ricochetdb.adapters.web.live import Channel, DeviceState, LiveState
from ricochetdb.adapters.web.series import iso


@dataclass(frozen=True)
class DeviceRow:
    """A device as the status page and ``/api/v1/devices`` show it."""

    device: str
    device_type: str
    collection: str
    last_time: datetime | None
    age_s: float | None
    freshness: str
    last_error: str
    error_time: datetime | None
    errors: int
    up: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "device_type": self.device_type,
            "collection": self.collection,
            "last_time": iso(self.last_time),
            "age_s": self.age_s,
            "freshness": self.freshness,
            "last_error": self.last_error,
            "error_time": iso(self.error_time),
            "errors": self.errors,
            "up": self.up,
        }


def freshness(age_s: float | None, interval: float, up: bool = True) -> str:
    """fresh, late or stale (green, amber, red)."""
    if age_s is None or not up:
        return "stale"
    if age_s <= 2 * interval:
        return "fresh"
    if age_s <= max(5 * interval, 60.0):
        return "late"
    return "stale"


def age(when: datetime | None, now: datetime) -> float | None:
    return None if when is None else round(max(0.0, (now - when).total_seconds()), 3)


def device_row(state: DeviceState, interval: float, now: datetime) -> DeviceRow:
    seconds = age(state.last_time, now)
    return DeviceRow(
        state.device,
        state.device_type,
        state.collection,
        state.last_time,
        seconds,
        freshness(seconds, interval, state.up),
        state.last_error,
        state.error_time,
        state.errors,
        state.up,
    )


def device_rows(live: LiveState, now: datetime) -> list[DeviceRow]:
    return [device_row(state, live.interval, now) for state in live.devices()]


def channel_json(channel: Channel, now: datetime) -> dict[str, Any]:
    return {
        "collection": channel.collection,
        "device": channel.device,
        "device_type": channel.device_type,
        "label": channel.label,
        "value": channel.value,
        "unit": channel.unit,
        "timestamp": iso(channel.timestamp),
        "age_s": age(channel.timestamp, now),
    }


def status_json(live: LiveState, now: datetime) -> dict[str, Any]:
    """Everything the status page shows, as ``/api/v1/status`` answers it."""
    store, cycle = live.store, live.cycle
    return {
        "now": iso(now),
        "interval_s": live.interval,
        "database": {"uri": store.database, "reachable": store.reachable, "error": store.error},
        "spool": dict(store.spool),
        "running_runs": list(store.running_runs),
        "running_streams": list(store.running_streams),
        "last_cycle": {
            "timestamp": iso(cycle.timestamp),
            "duration_s": cycle.duration_s,
            "write_latency_s": cycle.write_latency_s,
            "cycles": cycle.cycles,
        },
        "devices": [row.to_json() for row in device_rows(live, now)],
    }
