"""One alarm through time: verdicts, hysteresis, pending period, rate, and which message is due when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ricochetdb.domain.alarms import AlarmRule
from ricochetdb.domain.alarms_conditions import RateWindow, flag_set, judge
from ricochetdb.domain.alarms_records import OperatorAction
from ricochetdb.domain.alarms_routing import Suppressions, Target, parse_matcher
from ricochetdb.domain.alarms_state import AlarmInstance

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
WARM = AlarmRule("mc-warm", "above", label="T_MC", threshold=0.100, clear=0.080)
COLD = AlarmRule("he-low", "below", label="level", threshold=10.0, clear=15.0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_above_fires_above_the_threshold_and_clears_only_below_the_clear_threshold() -> None:
    assert judge(WARM, 0.101) == "fire"
    assert judge(WARM, 0.100) == "hold"
    assert judge(WARM, 0.090) == "hold"
    assert judge(WARM, 0.079) == "clear"
    assert judge(COLD, 9.0) == "fire" and judge(COLD, 12.0) == "hold" and judge(COLD, 16.0) == "clear"


def test_without_a_clear_threshold_the_threshold_itself_clears() -> None:
    plain = AlarmRule("p", "above", label="x", threshold=1.0)
    assert [judge(plain, v) for v in (1.5, 1.0, 0.5)] == ["fire", "clear", "clear"]


def test_values_that_cannot_be_judged_give_no_verdict() -> None:
    assert judge(WARM, "broken") is None and judge(WARM, None) is None
    assert judge(WARM, "0.2") == "fire"  # numeric text, as some controllers send


def test_state_codes_and_flags() -> None:
    state = AlarmRule("cmp", "in", label="operating_state", states=(6, 7, 9))
    assert [judge(state, v) for v in (3, 6, 7.0, 9, 0)] == ["clear", "fire", "fire", "fire", "clear"]
    flags = AlarmRule("f", "flags", label="alarm_flags")
    assert judge(flags, "") == "clear" and judge(flags, "oil_high,helium_high") == "fire" and judge(flags, 0) == "clear"
    oil = AlarmRule("o", "flags", label="warning_flags", flags=("oil_high",))
    assert judge(oil, "helium_high") == "clear" and judge(oil, "helium_high,oil_high") == "fire"
    assert flag_set(5) == {"bit_0", "bit_2"}


def test_the_rate_is_the_change_per_minute_across_the_window() -> None:
    window = RateWindow(timedelta(minutes=5))
    assert window.add(at(0), 0.010) is None
    assert window.add(at(60), 0.012) == 0.002 / 1
    for minute in range(2, 12):
        rate = window.add(at(60 * minute), 0.010 + 0.002 * minute)
    assert rate is not None and abs(rate - 0.002) < 1e-12
    assert (window.samples[-1][0] - window.samples[0][0]) == timedelta(minutes=5)


def test_pending_until_the_condition_held_for_the_period_then_firing_then_resolved() -> None:
    rule = AlarmRule("mc", "above", label="T_MC", threshold=0.1, clear=0.08, pending_for=timedelta(seconds=30))
    alarm = AlarmInstance(rule, "CRYO@1", "T_MC")
    first = alarm.step("fire", 0.2, at(0))
    assert first is not None and (first.previous, first.state) == ("ok", "pending")
    assert alarm.step("fire", 0.2, at(20)) is None
    firing = alarm.step("fire", 0.21, at(30))
    assert firing is not None and firing.state == "firing" and firing.value == 0.21 and firing.threshold == 0.1
    assert alarm.step("hold", 0.09, at(40)) is None
    resolved = alarm.step("clear", 0.07, at(50))
    assert resolved is not None and resolved.state == "resolved" and resolved.threshold == 0.08
    assert resolved.since == at(30)


def test_a_condition_that_stops_before_the_period_cancels_the_pending_alarm() -> None:
    rule = AlarmRule("mc", "above", label="T_MC", threshold=0.1, clear=0.08, pending_for=timedelta(seconds=30))
    alarm = AlarmInstance(rule, "CRYO@1", "T_MC")
    alarm.step("fire", 0.2, at(0))
    cancelled = alarm.step("hold", 0.09, at(10))
    assert cancelled is not None and cancelled.state == "ok"
    assert alarm.step("fire", 0.2, at(20)) is not None and alarm.state == "pending"
    assert alarm.step("fire", 0.2, at(45)) is None  # only 25 s since it came back


def test_messages_first_firing_then_reminders_until_acknowledged_then_resolved() -> None:
    alarm = AlarmInstance(WARM, "CRYO@1", "T_MC")
    every = timedelta(minutes=30)
    event = alarm.step("fire", 0.2, at(0))
    assert alarm.message(at(0), "", every, event) == "firing"
    assert alarm.message(at(600), "", every) is None
    assert alarm.message(at(1800), "", every) == "reminder"
    assert alarm.acknowledge("operator", at(1900))
    assert alarm.message(at(3600), "", every) is None
    event = alarm.step("clear", 0.05, at(4000))
    assert alarm.message(at(4000), "", every, event) == "resolved"
    note = alarm.notification("resolved", at(4000))
    assert note.lasted == timedelta(seconds=4000) and note.payload()["lasted_s"] == 4000.0


def test_an_alarm_held_back_while_firing_announces_itself_once_released_and_never_resolves_unheard() -> None:
    alarm = AlarmInstance(WARM, "CRYO@1", "T_MC")
    event = alarm.step("fire", 0.2, at(0))
    assert alarm.message(at(0), "inhibited in mode warmup", timedelta(0), event) is None
    assert alarm.message(at(10), "", timedelta(0)) == "firing"
    quiet = AlarmInstance(WARM, "CRYO@2", "T_MC")
    event = quiet.step("fire", 0.2, at(0))
    assert quiet.message(at(0), "silenced", timedelta(0), event) is None
    event = quiet.step("clear", 0.01, at(5))
    assert quiet.message(at(5), "silenced", timedelta(0), event) is None


def test_acknowledging_needs_a_firing_episode_begun_before_the_acknowledgement() -> None:
    alarm = AlarmInstance(WARM, "CRYO@1", "T_MC")
    assert not alarm.acknowledge("op", at(0))
    alarm.step("fire", 0.2, at(10))
    assert not alarm.acknowledge("op", at(5))
    assert alarm.acknowledge("op", at(15))
    alarm.step("clear", 0.0, at(20))
    alarm.step("fire", 0.2, at(30))
    assert alarm.acknowledged_by == ""  # a new episode needs a new acknowledgement


def test_silences_match_by_wildcards_and_modes_hold_only_rules_naming_them() -> None:
    held = Suppressions()
    target = Target("mc-warm", "CRYO@1", "T_MC", "warning", "above")
    held.apply(OperatorAction("silence", at(0), "op", until=at(60), matcher=parse_matcher(["label=T_*"])))
    assert held.held(target, False, at(30)).startswith("silenced until")
    assert held.held(target, False, at(61)) == ""
    held.apply(OperatorAction("mode", at(100), "op", mode="warmup"))
    assert held.held(target, True, at(101)) == "inhibited in mode warmup"
    assert held.held(target, False, at(101)) == ""
