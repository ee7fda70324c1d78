"""The alarm engine over poll cycles: stale devices, device errors, the database, modes, notifier failures,
stored transitions, operator actions from the log, restart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alarm_harness import T0, Cycle, Harness, reading

from ricochetdb.application.alarms import AlarmEngine
from ricochetdb.domain.alarms import NotifierError
from ricochetdb.domain.alarms_records import OperatorAction
from ricochetdb.domain.errors import StateError, StoreUnavailable, ValidationError

WARM = {"name": "mc", "label": "T_MC", "above": 0.100, "clear_below": 0.080}


def test_every_transition_is_stored_with_value_threshold_and_database_time() -> None:
    run = Harness({**WARM, "for": "20s"})
    run.cycle(0, T_MC=0.2)
    run.cycle(10, T_MC=0.2)
    run.cycle(20, T_MC=0.3)
    run.cycle(30, T_MC=0.05)
    events = list(reversed(run.log.events(name="mc")))
    assert [(e.previous, e.state) for e in events] == [("ok", "pending"), ("pending", "firing"), ("firing", "resolved")]
    assert [(e.value, e.threshold, e.timestamp) for e in events] == [
        (0.2, 0.1, T0),
        (0.3, 0.1, T0 + timedelta(seconds=20)),
        (0.05, 0.08, T0 + timedelta(seconds=30)),
    ]
    assert all(e.device == "CRYO" and e.label == "T_MC" and e.clock == "server" for e in events)


def test_the_resolved_message_goes_out_in_the_same_cycle_with_how_long_it_lasted() -> None:
    run = Harness(WARM)
    run.cycle(0, T_MC=0.2)
    run.cycle(95, T_MC=0.01)
    resolved = run.hook.sent[-1]
    assert resolved.kind == "resolved" and resolved.payload()["lasted_s"] == 95.0
    assert resolved.payload()["state"] == "resolved" and resolved.time == T0 + timedelta(seconds=95)


def test_webhook_payload_has_the_agreed_keys() -> None:
    run = Harness(WARM)
    run.cycle(0, T_MC=0.2)
    body = run.hook.sent[0].payload()
    assert {"alarm", "state", "severity", "label", "device", "value", "threshold", "since", "time"} <= set(body)
    assert body["alarm"] == "mc" and body["state"] == "firing" and body["value"] == 0.2 and body["threshold"] == 0.1
    assert body["since"] == body["time"] == "2026-11-24T03:00:00Z"


def test_reminders_repeat_until_acknowledged() -> None:
    run = Harness({**WARM, "reminder": "10m"})
    for minute in range(0, 35, 5):
        run.cycle(60 * minute, T_MC=0.2)
    assert run.hook.kinds() == ["firing", "reminder", "reminder", "reminder"]
    assert run.engine.acknowledge("mc", "alice") == 1
    for minute in range(35, 90, 5):
        run.cycle(60 * minute, T_MC=0.2)
    assert run.hook.kinds() == ["firing", "reminder", "reminder", "reminder"]
    assert run.engine.states()[0].acknowledged and run.engine.states()[0].row()["acknowledged"] == "alice"


def test_acknowledge_is_refused_without_the_token_or_when_nothing_fires() -> None:
    run = Harness(WARM)
    run.cycle(0, T_MC=0.01)
    with pytest.raises(StateError):
        run.engine.acknowledge("mc", "alice")
    with pytest.raises(ValidationError, match="name"):
        run.engine.acknowledge("nope", "alice")
    run.cycle(10, T_MC=0.5)
    with pytest.raises(ValidationError, match="token"):
        run.engine.acknowledge("mc", "mallory", token_checked=False)


def test_a_device_giving_nothing_goes_stale_after_sixty_seconds_as_its_own_alarm() -> None:
    run = Harness(WARM, interval=10.0)
    run.cycle(0, T_MC=0.2)
    for second in range(10, 70, 10):
        run.cycle(second)  # no reading
    assert "stale" not in run.hook.kinds() and [n.alarm for n in run.hook.sent] == ["mc"]
    run.cycle(70)
    stale = run.hook.sent[-1]
    assert (stale.alarm, stale.kind, stale.device, stale.value, stale.threshold) == (
        "stale",
        "firing",
        "CRYO",
        70.0,
        60.0,
    )
    assert "FIRING stale on CRYO: no reading for 70 s (limit 60 s)" in stale.subject
    states = {s.name: s.state for s in run.engine.states()}
    assert states == {"mc": "firing", "stale": "firing"}  # the value alarm is not resolved by the silence
    run.cycle(80, T_MC=0.2)
    assert run.hook.sent[-1].alarm == "stale" and run.hook.sent[-1].kind == "resolved"


def test_stale_waits_three_intervals_when_they_are_longer_than_a_minute() -> None:
    run = Harness(WARM, interval=30.0)
    run.cycle(0, T_MC=0.01)
    run.cycle(90)
    assert run.hook.sent == []
    run.cycle(120)
    assert run.hook.kinds("stale") == ["firing"]


def test_a_device_that_never_answered_goes_stale_too() -> None:
    run = Harness(WARM)
    run.cycle(0, failures=["CRYO"])
    run.cycle(61, failures=["CRYO"])
    assert run.hook.kinds("stale") == ["firing"]


def test_device_error_rules_fire_on_failures_and_clear_when_it_answers() -> None:
    run = Harness({"name": "dead", "device_error": True, "for": "20s"})
    run.cycle(0, failures=["CRYO"])
    run.cycle(10, failures=["CRYO"])
    assert run.hook.sent == []
    run.cycle(20, failures=["CRYO"])
    assert run.hook.kinds("dead") == ["firing"] and run.hook.sent[0].value == "timed out"
    run.cycle(30, T_MC=0.01)
    assert run.hook.kinds("dead") == ["firing", "resolved"]


def test_modes_inhibit_only_the_rules_naming_them() -> None:
    run = Harness(
        {**WARM, "inhibit_in_modes": ["warmup"]},
        {"name": "compressor", "label": "operating_state", "in": [6, 7, 9]},
        {"name": "dead", "device_error": True},
    )
    run.engine.set_mode("warmup", "bob")
    run.cycle(0, T_MC=250.0, operating_state=7)
    run.cycle(10, failures=["CRYO"])
    assert sorted(n.alarm for n in run.hook.sent) == ["compressor", "dead"]
    assert {s.name: s.inhibited for s in run.engine.states()}["mc"] == "warmup"
    run.engine.set_mode("cold", "bob")
    run.cycle(20, T_MC=0.5, operating_state=3)
    assert run.hook.kinds("mc") == ["firing"]  # held back in warmup, announced once the mode changed


def test_rate_rules_fire_on_a_warming_mixing_chamber() -> None:
    run = Harness({"name": "rising", "label": "T_MC", "rate": True, "above": 0.002, "clear_below": 0.0005})
    for minute in range(6):
        run.cycle(60 * minute, T_MC=0.010)
    for minute in range(6, 12):
        run.cycle(60 * minute, T_MC=0.010 + 0.005 * (minute - 5))
    assert run.hook.kinds("rising") == ["firing"]
    assert run.hook.sent[0].value == pytest.approx(0.003)  # 0.015 K over the 5-minute window
    assert run.hook.sent[0].payload()["rate"] and "T_MC changing by 0.003 per minute" in run.hook.sent[0].subject


def test_database_unreachable_and_spool_growing() -> None:
    run = Harness(
        {"name": "db", "database_unreachable": True, "for": "30s"},
        {"name": "spool", "spool_growing": True, "rate_window": "2m", "for": "1m"},
    )
    for step in range(8):
        run.engine.set_database(False, 100 * step)
        run.cycle(15 * step, T_MC=0.01)
    assert run.hook.kinds("db") == ["firing"] and run.hook.kinds("spool") == ["firing"]
    run.engine.set_database(True, 0)
    run.cycle(200, T_MC=0.01)
    assert run.hook.kinds("db") == ["firing", "resolved"] and run.hook.kinds("spool") == ["firing", "resolved"]


def test_a_failing_notifier_raises_its_own_alarm_through_the_others() -> None:
    run = Harness(WARM, routes=("hook", "mail"))
    run.hook.failing = True
    run.cycle(0, T_MC=0.2)
    mail = run.notifiers["mail"]
    assert sorted((n.alarm, n.kind) for n in mail.sent) == [("mc", "firing"), ("notifier-failed", "firing")]
    failed = next(n for n in mail.sent if n.alarm == "notifier-failed")
    assert failed.device == "hook" and "connection refused" in str(failed.value)
    run.hook.failing = False
    run.cycle(10, T_MC=0.01)
    assert sorted((n.alarm, n.kind) for n in mail.sent[2:]) == [("mc", "resolved"), ("notifier-failed", "resolved")]
    assert [e.state for e in reversed(run.log.events(name="notifier-failed"))] == ["firing", "resolved"]


def test_actions_stored_by_another_process_are_applied_once_at_the_next_cycle() -> None:
    run = Harness({**WARM, "reminder": "1m"})
    run.cycle(0, T_MC=0.2)
    run.log.act(OperatorAction("ack", T0 + timedelta(seconds=5), "carol", "mc"))
    run.log.act(OperatorAction("mode", T0 + timedelta(seconds=6), "carol", mode="maintenance"))
    run.cycle(120, T_MC=0.2)
    assert run.hook.kinds() == ["firing"]
    assert run.engine.mode == "maintenance" and run.engine.states()[0].acknowledged_by == "carol"


def test_a_restarted_engine_takes_its_alarms_back_without_announcing_them_again() -> None:
    run = Harness({**WARM, "reminder": "1h"})
    run.cycle(0, T_MC=0.2)
    run.engine.acknowledge("mc", "dave")
    run.engine.set_mode("cold", "dave")
    run.hook.sent.clear()
    restarted = run.build()
    restarted.restore()
    restarted.on_cycle(Cycle(T0 + timedelta(seconds=10), [reading("CRYO", T0 + timedelta(seconds=10), T_MC=0.2)]))
    assert run.hook.sent == [] and restarted.mode == "cold"
    assert restarted.states()[0].acknowledged_by == "dave"
    restarted.on_cycle(Cycle(T0 + timedelta(seconds=20), [reading("CRYO", T0 + timedelta(seconds=20), T_MC=0.0)]))
    assert run.hook.kinds() == ["resolved"]


def test_transitions_the_log_refuses_wait_in_memory_and_are_stored_later() -> None:
    run = Harness(WARM)
    stored = run.log.add
    down = {"on": True}

    def flaky(event):  # type: ignore[no-untyped-def]
        if down["on"]:
            raise StoreUnavailable("db", "", "away")
        stored(event)

    run.log.add = flaky  # type: ignore[method-assign]
    run.cycle(0, T_MC=0.2)
    run.cycle(10, T_MC=0.01)
    assert run.hook.kinds() == ["firing", "resolved"] and run.log.events() == []
    down["on"] = False
    run.cycle(20, T_MC=0.01)
    assert [e.state for e in reversed(run.log.events())] == ["firing", "resolved"]


def test_test_sends_a_test_message_through_every_route() -> None:
    run = Harness(WARM, routes=("hook", "mail"))
    run.notifiers["mail"].failing = True
    assert run.engine.test() == {"hook": "ok", "mail": "notifier 'mail': url: connection refused"}
    assert run.hook.sent[0].kind == "test" and run.engine.states() == []


def test_rules_narrowed_to_a_device_or_collection_watch_only_it() -> None:
    run = Harness({**WARM, "device": "OTHER"}, {**WARM, "name": "mc2", "collection": "fridge"})
    run.engine.watch.collections["CRYO"] = "fridge"
    run.cycle(0, T_MC=0.5)
    assert [n.alarm for n in run.hook.sent] == ["mc2"]


def test_closing_the_engine_closes_the_notifiers() -> None:
    run = Harness(WARM)
    engine: AlarmEngine = run.engine
    engine.close()
    assert run.hook.closed


def test_a_notifier_failure_reported_late_does_not_swallow_another_alarms_reminder() -> None:
    """A failure reported 20 minutes late (a hanging mail server) must not use up mc's due reminder."""
    run = Harness({**WARM, "reminder": "10m"}, routes=("hook", "slow"))
    slow = run.notifiers["slow"]

    def hang_then_fail(notification):  # type: ignore[no-untyped-def]
        run.clock.moment = T0 + timedelta(minutes=20)
        slow.send = slow.sent.append  # type: ignore[method-assign]
        raise NotifierError("notifier 'slow'", "host", "timed out")

    slow.send = hang_then_fail  # type: ignore[method-assign]
    run.cycle(0, T_MC=0.2)
    assert [(n.alarm, n.kind) for n in run.hook.sent] == [("mc", "firing"), ("notifier-failed", "firing")]
    run.cycle(20 * 60 + 10, T_MC=0.2)
    assert run.hook.kinds("mc") == ["firing", "reminder"]
