"""Property tests with an injected clock: hysteresis, pending period, snooze and silence expiry."""

from __future__ import annotations

from datetime import timedelta

from alarm_harness import Harness
from hypothesis import given, settings
from hypothesis import strategies as st

from ricochetdb.domain.alarms_routing import parse_matcher

RULE = {"name": "mc", "label": "T_MC", "above": 0.100, "clear_below": 0.080, "reminder": "0s"}
IN_BAND = st.floats(min_value=0.080, max_value=0.100)


@settings(max_examples=60, deadline=None)
@given(st.lists(IN_BAND, min_size=1, max_size=40), st.lists(IN_BAND, min_size=0, max_size=40))
def test_a_signal_oscillating_inside_the_band_gives_one_firing_and_one_resolved(
    before: list[float], after: list[float]
) -> None:
    """In the band, then above, then anywhere in the band, then below: exactly one firing, one resolved."""
    run = Harness(RULE)
    signal = [*before, 0.150, *after, 0.050, *after]
    for step, value in enumerate(signal):
        run.cycle(10 * step, T_MC=value)
    assert run.hook.kinds("mc") == ["firing", "resolved"]
    states = [event.state for event in reversed(run.log.events(name="mc"))]
    assert states == ["firing", "resolved"]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=1, max_value=11),
    st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=5),
)
def test_a_condition_shorter_than_for_gives_no_message(held_for: int, gaps: list[int]) -> None:
    """Bursts above the threshold lasting less than the 2-minute pending period never fire."""
    run = Harness({**RULE, "for": "2m"})
    second = 0
    for gap in gaps:
        for _ in range(held_for):  # at most 11 cycles of 10 s: 100 s < 120 s
            run.cycle(second, T_MC=0.5)
            second += 10
        for _ in range(gap + 1):
            run.cycle(second, T_MC=0.09)
            second += 10
    assert run.hook.sent == []
    assert all(event.state in ("pending", "ok") for event in run.log.events(name="mc"))


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=120), st.integers(min_value=0, max_value=30))
def test_a_snooze_holds_messages_back_then_expires(minutes: int, extra_cycles: int) -> None:
    run = Harness({**RULE, "reminder": "1h"})
    run.cycle(0, T_MC=0.2)
    assert run.hook.kinds() == ["firing"]
    until = run.engine.snooze("mc", timedelta(minutes=minutes), "op")
    step = 60
    second = step
    while second < minutes * 60:
        run.cycle(second, T_MC=0.2)
        second += step
    assert run.hook.kinds() == ["firing"]
    assert run.engine.states()[0].snoozed_until == until
    for _ in range(extra_cycles + 1):
        run.cycle(second, T_MC=0.2)
        second += step
    assert run.hook.kinds()[:2] == ["firing", "reminder"]  # the snooze ended: reminded at once
    assert run.engine.states()[0].snoozed_until is None


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=180))
def test_a_silence_holds_a_new_alarm_back_then_expires_and_it_is_announced(minutes: int) -> None:
    run = Harness(RULE)
    run.cycle(0, T_MC=0.05)
    run.engine.silence(parse_matcher(["label=T_MC"]), timedelta(minutes=minutes), "op")
    second = 60
    while second < minutes * 60:
        run.cycle(second, T_MC=0.2)
        second += 60
    assert run.hook.sent == [] and run.engine.states()[0].silenced
    run.cycle(minutes * 60, T_MC=0.2)
    assert run.hook.kinds() == ["firing"]
    assert not run.engine.states()[0].silenced
