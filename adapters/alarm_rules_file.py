"""The alarm rules file (TOML): ``--alarms alarms.toml``, or the ``[[alarm]]`` sections of devices.toml.

Read with tomllib and validated whole before the poller starts: a bad rule or notifier is refused
naming it and the field. ``example_rules()`` is the shipped example for a dilution cryostat.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

from ricochetdb.domain.alarms import AlarmConfig
from ricochetdb.domain.alarms_rules import SECTIONS, parse_alarm_config
from ricochetdb.domain.errors import ValidationError

DEVICE_SECTIONS = {"poll", "devices"}
EXAMPLE = "alarms-dilution-cryostat.toml"


def read_toml(path: str, what: str = "alarm rules") -> dict[str, Any]:
    """A TOML file as a dict; an unreadable or invalid file is refused naming it."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationError(f"{what} {path}", "", f"cannot be read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(f"{what} {path}", "", f"is not valid TOML: {error}") from None


def parse_alarm_file(data: dict[str, Any], origin: str) -> AlarmConfig:
    """The alarm sections of a parsed file (a devices file's own sections are left to it)."""
    for key in data:
        if key not in SECTIONS | DEVICE_SECTIONS:
            raise ValidationError(origin, key, f"unknown section (expected {', '.join(sorted(SECTIONS))})")
    return parse_alarm_config(data, origin)


def load_alarm_config(path: str) -> AlarmConfig:
    """Read and validate a rules file (or a devices file holding ``[[alarm]]`` sections)."""
    return parse_alarm_file(read_toml(path), f"alarm rules {path}")


def has_alarm_sections(path: str) -> bool:
    """Whether a (devices) file holds alarm rules or notifiers."""
    return bool(SECTIONS & set(read_toml(path, "device configuration")))


def example_rules() -> str:
    """The shipped example rules file for a dilution cryostat (thresholds to be confirmed by its operators)."""
    return files("ricochetdb.adapters").joinpath(EXAMPLE).read_text(encoding="utf-8")
