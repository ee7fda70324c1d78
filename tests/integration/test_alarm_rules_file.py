"""The rules file on disk: the shipped example, alarm sections in devices.toml, bad files refused at start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ricochetdb.adapters.alarm_rules_file import example_rules, load_alarm_config
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.alarm_wiring import check_rules, load_rules
from ricochetdb.entrypoints.cli import main
from ricochetdb.entrypoints.devices_config import load_config

DEVICES = """
[poll]
interval = 5.0
collection = "fridge"

[[devices]]
type = "JSON-CRYO"
address = "127.0.0.1:8080"

[[alarm]]
name = "mc"
label = "T_MC"
above = 0.1
clear_below = 0.08
device = "JSON-CRYO@127.0.0.1:8080"

[[notifier]]
name = "journal"
type = "log"
"""


def test_the_shipped_example_loads_and_marks_every_threshold_for_the_operators_to_confirm(tmp_path: Path) -> None:
    text = example_rules()
    path = tmp_path / "alarms.toml"
    path.write_text(text)
    config = load_alarm_config(str(path))
    labels = {rule.label for rule in config.rules}
    assert {"T_MC", "T_still", "T_4K", "T_50K", "operating_state", "alarm_flags", "warning_flags"} <= labels
    assert "coolant_in_temperature" in labels
    thresholds = [line for line in text.splitlines() if re.match(r"(above|below|clear_below|clear_above|in) =", line)]
    assert len(thresholds) >= 15 and all("CONFIRM" in line for line in thresholds)
    compressor = [rule for rule in config.rules if rule.label in ("operating_state", "alarm_flags")]
    assert compressor and all(not rule.inhibit_in_modes for rule in compressor)


def test_devices_toml_may_hold_the_alarm_sections(tmp_path: Path) -> None:
    path = tmp_path / "devices.toml"
    path.write_text(DEVICES)
    poll = load_config(str(path))
    config = load_rules(None, str(path))
    assert config is not None and config.rule("mc") is not None and len(poll.devices) == 1
    check_rules(config, poll)
    assert load_rules(None, None) is None


def test_a_rule_naming_a_device_that_is_not_configured_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "devices.toml"
    path.write_text(DEVICES.replace('device = "JSON-CRYO@127.0.0.1:8080"', 'device = "JSON-CRYO@127.0.0.1:8081"'))
    config = load_rules(None, str(path))
    assert config is not None
    with pytest.raises(ValidationError, match="alarm 'mc': device: no such device"):
        check_rules(config, load_config(str(path)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[alarm]]\nname = "mc"\nlabel = "T_MC"\nabove = "warm"\n', "alarm 'mc': above: must be a number"),
        ('[[alarm]]\nname = "mc"\nlabel = "T_MC"\nabove = 1\nclear_below = 2\n', "alarm 'mc': clear_below"),
        ('[[alarms]]\nname = "x"\n', "alarms"),
        ("[[alarm]\n", "is not valid TOML"),
        ("[whatever]\n", "whatever: unknown section"),
    ],
)
def test_a_bad_file_is_refused_with_one_line_naming_the_rule_and_field(
    text: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "alarms.toml"
    path.write_text(text)
    assert main(["alarm", "check", "--alarms", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and len(err.strip().splitlines()) == 1


def test_check_shows_the_rules_with_the_built_ins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "devices.toml"
    path.write_text(DEVICES)
    assert main(["--json", "alarm", "check", "--alarms", str(path), "--config", str(path)]) == 0
    shown = capsys.readouterr().out
    for name in ("mc", "stale", "database-unreachable", "spool-growing", "notifier-failed"):
        assert f'"{name}"' in shown
