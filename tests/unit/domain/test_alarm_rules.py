"""The rules file refuses a bad rule naming it and the field, and fills in the built-in alarms."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ricochetdb.domain.alarms import AlarmRule, parse_duration, stale_after
from ricochetdb.domain.alarms_rules import parse_alarm_config
from ricochetdb.domain.errors import ValidationError

HOOK = {"name": "hook", "type": "webhook", "url": "http://127.0.0.1:9/alarms"}


def config(*alarms: dict[str, Any], **extra: Any) -> Any:
    return parse_alarm_config({"alarm": list(alarms), "notifier": [HOOK], **extra}, "alarms.toml")


def test_the_issue_example_parses_with_hysteresis_delay_and_modes() -> None:
    parsed = config(
        {
            "name": "mixing-chamber-warm",
            "label": "T_MC",
            "above": 0.100,
            "clear_below": 0.080,
            "for": "30s",
            "severity": "warning",
            "notify": ["hook"],
            "inhibit_in_modes": ["warmup", "maintenance"],
        }
    )
    rule = parsed.rule("mixing-chamber-warm")
    assert rule == AlarmRule(
        "mixing-chamber-warm",
        "above",
        label="T_MC",
        threshold=0.1,
        clear=0.08,
        pending_for=timedelta(seconds=30),
        notify=("hook",),
        inhibit_in_modes=("warmup", "maintenance"),
    )
    assert parsed.routes(rule) == ("hook",)


def test_every_kind_is_read() -> None:
    parsed = config(
        {"name": "state", "label": "operating_state", "in": [6, 7, 9]},
        {"name": "flags", "label": "alarm_flags", "flags": True},
        {"name": "oil", "label": "warning_flags", "flags": ["oil_high"]},
        {"name": "rising", "label": "T_MC", "above": 0.002, "rate": True, "rate_window": "10m"},
        {"name": "dead", "device_error": True, "device": "CMCPA@1.2.3.4"},
        {"name": "quiet", "stale": "5m", "device": "MMR3@1.2.3.5"},
        {"name": "db", "database_unreachable": True, "for": "2m"},
        {"name": "spool", "spool_growing": True},
    )
    kinds = {rule.name: rule.kind for rule in parsed.rules}
    assert kinds == {
        "state": "in",
        "flags": "flags",
        "oil": "flags",
        "rising": "above",
        "dead": "device_error",
        "quiet": "stale",
        "db": "database",
        "spool": "spool",
        "stale": "stale",  # the built-in stays for every other device
        "notifier-failed": "notifier",
    }
    assert parsed.rule("rising").rate and parsed.rule("rising").rate_window == timedelta(minutes=10)
    assert parsed.rule("quiet").stale_after == timedelta(minutes=5)


def test_built_in_alarms_are_on_by_default() -> None:
    names = {rule.name: rule for rule in config().rules}
    assert set(names) == {"stale", "database-unreachable", "spool-growing", "notifier-failed"}
    assert stale_after(names["stale"], 10.0) == timedelta(seconds=60)
    assert stale_after(names["stale"], 30.0) == timedelta(seconds=90)


def test_a_stale_rule_without_device_replaces_the_built_in() -> None:
    names = [rule.name for rule in config({"name": "quiet", "stale": "10m"}).rules]
    assert "stale" not in names and "quiet" in names


@pytest.mark.parametrize(
    ("rule", "field", "reason"),
    [
        ({"label": "T_MC", "above": 1}, "name", "must be text"),
        ({"name": "a", "label": "T_MC"}, "kind", "exactly one"),
        ({"name": "a", "label": "T_MC", "above": 1, "below": 0}, "kind", "exactly one"),
        ({"name": "a", "above": 1}, "label", "missing"),
        ({"name": "a", "label": "T_MC", "above": "hot"}, "above", "number"),
        ({"name": "a", "label": "T_MC", "above": 0.1, "clear_below": 0.2}, "clear_below", "hysteresis"),
        ({"name": "a", "label": "T_MC", "below": 0.1, "clear_above": 0.05}, "clear_above", "hysteresis"),
        ({"name": "a", "label": "T_MC", "below": 0.1, "clear_below": 0.05}, "clear_below", "unknown key"),
        ({"name": "a", "label": "T_MC", "above": 1, "for": "soon"}, "for", "duration"),
        ({"name": "a", "label": "T_MC", "above": 1, "severity": "panic"}, "severity", "warning, critical"),
        ({"name": "a", "label": "T_MC", "above": 1, "notify": ["pager"]}, "notify", "pager"),
        ({"name": "a", "label": "T_MC", "above": 1, "inhibit_in_modes": ["lunch"]}, "inhibit_in_modes", "lunch"),
        ({"name": "a", "label": "s", "in": [6, "7"]}, "in", "integer"),
        ({"name": "a", "label": "s", "flags": []}, "flags", "non-empty"),
        ({"name": "a", "device_error": "yes"}, "device_error", "true"),
        ({"name": "a", "database_unreachable": True, "device": "X"}, "device", "whole poller"),
        ({"name": "a", "stale": "0s"}, "stale", "longer than 0"),
        ({"name": "a", "label": "T_MC", "above": 1, "treshold": 2}, "treshold", "unknown key"),
    ],
)
def test_a_bad_rule_is_refused_naming_the_rule_and_the_field(rule: dict[str, Any], field: str, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        config(rule)
    assert refused.value.field == field
    assert reason in refused.value.reason
    assert ("'a'" in refused.value.record) or ("alarm[0]" in refused.value.record)


def test_duplicate_names_and_bad_notifiers_are_refused() -> None:
    twice = {"name": "a", "label": "T_MC", "above": 1}
    with pytest.raises(ValidationError, match="appears twice"):
        config(twice, twice)
    with pytest.raises(ValidationError, match="notifier 'x': type"):
        parse_alarm_config({"notifier": [{"name": "x", "type": "pigeon"}]}, "f")
    with pytest.raises(ValidationError, match="notify"):
        config(alarms={"notify": ["nobody"]})


@pytest.mark.parametrize(
    ("text", "seconds"), [("30s", 30), ("5m", 300), ("1h30m", 5400), ("2d", 172800), (45, 45), ("250ms", 0.25)]
)
def test_durations(text: Any, seconds: float) -> None:
    assert parse_duration(text, "r", "f").total_seconds() == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "-3s", True, None, "3x"])
def test_bad_durations_are_refused(text: Any) -> None:
    with pytest.raises(ValidationError):
        parse_duration(text, "r", "f")
