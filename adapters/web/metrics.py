"""``/metrics``: Prometheus text built at scrape time from the live state, never from the database.

A custom collector on its own registry (not the process-global one), so two services in one
process, or a test, never see each other's series.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Protocol

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ricochetdb.adapters.web.live import LiveState

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class AlarmSource(Protocol):
    """An alarm engine: ``states()`` gives one item per alarm with ``name`` and ``state`` (firing, ok, ...)."""

    def states(self) -> Iterable[Any]: ...


def _numeric(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


class LiveCollector(Collector):
    """Per channel the last value and its age; per device up and errors; the cycle; the spool; alarms."""

    def __init__(self, live: LiveState, now: Callable[[], datetime], alarms: AlarmSource | None = None) -> None:
        self.live = live
        self.now = now
        self.alarms = alarms

    def collect(self) -> Iterator[Metric]:
        now = self.now()
        yield from self._channels(now)
        yield from self._devices()
        yield from self._cycle()
        yield from self._alarms()

    def _channels(self, now: datetime) -> Iterator[Metric]:
        keys = ["collection", "device", "label", "unit"]
        value = GaugeMetricFamily("ricochetdb_reading_value", "Last value read of a label", labels=keys)
        age = GaugeMetricFamily(
            "ricochetdb_reading_age_seconds", "Seconds since the last value of a label was read", labels=keys[:3]
        )
        for channel in self.live.channels():
            number = _numeric(channel.value)
            if number is not None:
                value.add_metric([channel.collection, channel.device, channel.label, channel.unit], number)
            seconds = (now - channel.timestamp).total_seconds()
            age.add_metric([channel.collection, channel.device, channel.label], max(0.0, seconds))
        yield value
        yield age

    def _devices(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "ricochetdb_device_up", "1 if the device answered its last poll", labels=["device", "type"]
        )
        errors = CounterMetricFamily(
            "ricochetdb_poll_errors", "Polls of the device that failed, since start", labels=["device", "type"]
        )
        for device in self.live.devices():
            up.add_metric([device.device, device.device_type], 1.0 if device.up else 0.0)
            errors.add_metric([device.device, device.device_type], float(device.errors))
        yield up
        yield errors

    def _cycle(self) -> Iterator[Metric]:
        cycle, store = self.live.cycle, self.live.store
        yield CounterMetricFamily("ricochetdb_poll_cycles", "Poll cycles run since start", value=cycle.cycles)
        yield CounterMetricFamily("ricochetdb_readings_stored", "Values stored since start", value=cycle.stored)
        if cycle.duration_s is not None:
            yield GaugeMetricFamily(
                "ricochetdb_poll_cycle_duration_seconds", "Duration of the last poll cycle", value=cycle.duration_s
            )
        if cycle.write_latency_s is not None:
            yield GaugeMetricFamily(
                "ricochetdb_database_write_latency_seconds",
                "Time the last cycle's database write took",
                value=cycle.write_latency_s,
            )
        backlog = GaugeMetricFamily("ricochetdb_spool_backlog", "Items waiting in the spool", labels=["queue"])
        for queue, count in sorted(store.spool.items()):
            backlog.add_metric([queue], float(count))
        yield backlog
        if store.reachable is not None:
            yield GaugeMetricFamily(
                "ricochetdb_database_up", "1 if the database answered", value=1.0 if store.reachable else 0.0
            )

    def _alarms(self) -> Iterator[Metric]:
        if self.alarms is None:
            return
        firing = GaugeMetricFamily(
            "ricochetdb_alarm_firing", "1 while the alarm fires", labels=["alarm", "device", "state"]
        )
        for alarm in self.alarms.states():
            state = str(getattr(alarm, "state", ""))
            labels = [str(alarm.name), str(getattr(alarm, "device", "")), state]
            firing.add_metric(labels, 1.0 if state == "firing" else 0.0)
        yield firing


def metrics_registry(
    live: LiveState, now: Callable[[], datetime], alarms: AlarmSource | None = None
) -> CollectorRegistry:
    """A registry of its own holding the live collector."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LiveCollector(live, now, alarms))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The Prometheus text format of everything the registry holds."""
    return generate_latest(registry)
