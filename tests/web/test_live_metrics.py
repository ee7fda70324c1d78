"""The live state fed by poll cycles, and /metrics parsed with prometheus_client's own parser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from ricochetdb.adapters.web.live import LiveState, StoreState
from ricochetdb.adapters.web.metrics import exposition, metrics_registry
from ricochetdb.adapters.web.status import device_rows, freshness
from ricochetdb.application.poll_loop import CycleReport
from ricochetdb.application.polling import Failure
from ricochetdb.domain.polls import DeviceReply, FieldError, stamp_reply
from ricochetdb.domain.readings import Measurement

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def report(
    timestamp: datetime, polls: list[Any], failures: list[Failure] | None = None, stored: int = 0
) -> CycleReport:
    """A poll cycle as the poll loop reports it."""
    return CycleReport(timestamp, polls, failures or [], stored, duration_s=0.4, write_latency_s=0.02)


@dataclass
class Alarm:
    name: str
    state: str


class Alarms:
    def states(self) -> list[Alarm]:
        return [Alarm("mixing-chamber-warm", "firing"), Alarm("still-cold", "ok")]


def _poll(device: str, when: datetime, **values: float) -> Any:
    reply = DeviceReply([Measurement(label, value, "K") for label, value in values.items()])
    return stamp_reply("MMR3", device, reply, when)


def _metrics(live: LiveState, now: datetime, alarms: Any = None) -> dict[str, list[Any]]:
    text = exposition(metrics_registry(live, lambda: now, alarms)).decode()
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def test_a_cycle_updates_values_devices_and_the_cycle_figures() -> None:
    live = LiveState(10.0, "slowcontrol", {"fridge": "mmr3-2026"}, {"fridge": "MMR3", "pump": "CPX200"})
    live.on_cycle(report(T0, [_poll("fridge", T0, T_MC=0.0121, T_4K=3.9)], stored=2))
    live.on_cycle(
        report(
            T0 + timedelta(seconds=10),
            [_poll("fridge", T0 + timedelta(seconds=10), T_MC=0.0122)],
            [Failure("CPX200", "pump", "timed out after 1.0 s", T0 + timedelta(seconds=10))],
            stored=1,
        )
    )
    channels = {(c.device, c.label): c for c in live.channels()}
    assert channels["fridge", "T_MC"].value == 0.0122
    assert channels["fridge", "T_MC"].collection == "mmr3-2026"
    assert channels["fridge", "T_4K"].timestamp == T0
    rows = {row.device: row for row in device_rows(live, T0 + timedelta(seconds=12))}
    assert rows["fridge"].freshness == "fresh" and rows["fridge"].up
    assert rows["pump"].freshness == "stale" and rows["pump"].last_error == "timed out after 1.0 s"
    assert live.cycle.cycles == 2 and live.cycle.stored == 3


def test_a_field_error_shows_as_the_device_error_without_taking_the_device_down() -> None:
    live = LiveState(10.0)
    reply = DeviceReply([Measurement("T_MC", 0.012, "K")], [FieldError("ch3_resistance", "not a number")])
    failure = Failure("MMR3", "fridge", "ch3_resistance: not a number", T0, "ch3_resistance")
    live.on_cycle(report(T0, [stamp_reply("MMR3", "fridge", reply, T0)], [failure]))
    (row,) = device_rows(live, T0)
    assert "ch3_resistance: not a number" in row.last_error and row.errors == 1 and row.up


def test_freshness_is_green_amber_red_against_the_poll_interval() -> None:
    assert freshness(15.0, 10.0) == "fresh"
    assert freshness(45.0, 10.0) == "late"
    assert freshness(61.0, 10.0) == "stale"
    assert freshness(None, 10.0) == "stale"
    assert freshness(1.0, 10.0, up=False) == "stale"


def test_metrics_carry_value_age_up_errors_cycle_spool_and_alarms() -> None:
    live = LiveState(10.0, "readings", device_types={"pump": "CPX200"})
    live.on_cycle(report(T0, [_poll("fridge", T0, T_MC=0.0121)], [Failure("CPX200", "pump", "refused", T0)]))
    live.set_store(StoreState("sqlite:///x", True, spool={"readings:readings": 42}))
    samples = _metrics(live, T0 + timedelta(seconds=7), Alarms())
    (value,) = samples["ricochetdb_reading_value"]
    assert value.labels == {"collection": "readings", "device": "fridge", "label": "T_MC", "unit": "K"}
    assert value.value == 0.0121
    assert samples["ricochetdb_reading_age_seconds"][0].value == 7.0
    up = {s.labels["device"]: s.value for s in samples["ricochetdb_device_up"]}
    assert up == {"fridge": 1.0, "pump": 0.0}
    errors = {s.labels["device"]: s.value for s in samples["ricochetdb_poll_errors"] if s.name.endswith("_total")}
    assert errors == {"fridge": 0.0, "pump": 1.0}
    assert samples["ricochetdb_poll_cycle_duration_seconds"][0].value == 0.4
    assert samples["ricochetdb_database_write_latency_seconds"][0].value == 0.02
    assert samples["ricochetdb_spool_backlog"][0].value == 42
    firing = {s.labels["alarm"]: s.value for s in samples["ricochetdb_alarm_firing"]}
    assert firing == {"mixing-chamber-warm": 1.0, "still-cold": 0.0}


def test_text_values_are_left_out_of_the_value_gauge_but_keep_their_age() -> None:
    live = LiveState(10.0)
    reply = DeviceReply([Measurement("state", "running"), Measurement("on", True)])
    live.on_cycle(report(T0, [stamp_reply("CMCPA", "compressor", reply, T0)]))
    samples = _metrics(live, T0)
    assert [s.labels["label"] for s in samples["ricochetdb_reading_value"]] == ["on"]
    assert len(samples["ricochetdb_reading_age_seconds"]) == 2


def test_five_hundred_channels_are_all_exposed() -> None:
    live = LiveState(10.0)
    polls = [_poll(f"dev{d}", T0, **{f"ch{c}": float(c) for c in range(50)}) for d in range(10)]
    live.on_cycle(report(T0, polls))
    assert len(_metrics(live, T0)["ricochetdb_reading_value"]) == 500
