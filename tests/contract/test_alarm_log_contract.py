"""The alarm log behaves the same on every store: idempotent, newest first, filters, exact times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ricochetdb.application.ports import Store
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction

T0 = datetime(2026, 11, 24, 3, 0, 0, 123456, tzinfo=UTC)


def event(name: str, state: str, seconds: float, device: str = "CRYO@1") -> AlarmEvent:
    previous = {"firing": "ok", "resolved": "firing", "pending": "ok", "ok": "pending"}[state]
    return AlarmEvent(
        name,
        device,
        state,  # type: ignore[arg-type]
        previous,  # type: ignore[arg-type]
        T0 + timedelta(seconds=seconds),
        kind="above",
        severity="critical",
        label="T_MC",
        value=0.1234567,
        threshold=[6, 7, 9] if name == "codes" else 0.1,
        since=T0,
        clock="local",
        held="",
    )


def test_transitions_round_trip_exactly_and_come_back_newest_first(store: Store) -> None:
    log = store.alarms("alarm_events")
    first, second = event("mc", "firing", 0), event("mc", "resolved", 30)
    log.add(first)
    log.add(second)
    log.add(first)  # replayed: stored once
    assert log.events() == [second, first]
    assert log.events()[0].id == second.id


def test_filters_by_name_device_since_and_limit(store: Store) -> None:
    log = store.alarms("alarm_events")
    for item in [event("mc", "firing", 0), event("codes", "firing", 10, "CMCPA@2"), event("mc", "resolved", 20)]:
        log.add(item)
    assert [e.name for e in log.events(name="mc")] == ["mc", "mc"]
    assert [e.device for e in log.events(device="CMCPA@2")] == ["CMCPA@2"]
    assert log.events(name="codes")[0].threshold == [6, 7, 9]
    assert [e.state for e in log.events(since=T0 + timedelta(seconds=10))] == ["resolved", "firing"]
    assert len(log.events(limit=1)) == 1
    assert log.events(name="nothing") == []


def test_collections_are_separate(store: Store) -> None:
    store.alarms("one").add(event("mc", "firing", 0))
    assert store.alarms("two").events() == []


def test_operator_actions_round_trip_newest_first_and_once(store: Store) -> None:
    log = store.alarms("alarm_events")
    ack = OperatorAction("ack", T0, "alice", "mc", "CRYO@1")
    silence = OperatorAction(
        "silence", T0 + timedelta(minutes=1), "bob", until=T0 + timedelta(hours=2), matcher=(("label", "T_*"),)
    )
    mode = OperatorAction("mode", T0 + timedelta(minutes=2), "carol", mode="warmup", comment="planned")
    for action in (ack, silence, mode, ack):
        log.act(action)
    assert log.actions() == [mode, silence, ack]
    assert log.actions(since=T0 + timedelta(minutes=1)) == [mode, silence]
    assert log.actions(limit=1) == [mode]
    assert log.events() == []
