"""Readings: one labelled value of one device at one time (the read side), and the label and value rules."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import check_keys, check_name

Value = float | int | bool | str | None
ClockSource = Literal["server", "local"]
RESERVED_LABELS = frozenset({"_id", "timestamp", "device", "device_type", "clock", "units", "source_time"})


@dataclass(frozen=True)
class Measurement:
    """One value a device adapter read: a label, the value, its unit (the device's time is in its DeviceReply)."""

    label: str
    value: Value
    unit: str = ""


@dataclass(frozen=True)
class Reading:
    """One stored value as queries return it; ``timestamp`` is the database clock unless ``clock`` is 'local'."""

    device_type: str
    device: str
    label: str
    value: Value
    unit: str
    timestamp: datetime
    source_time: datetime | None = None
    clock: ClockSource = "server"

    @property
    def numeric(self) -> float | None:
        """The value as a float when it is a finite number (bools count as 0/1)."""
        if isinstance(self.value, (int, float)) and math.isfinite(float(self.value)):
            return float(self.value)
        return None


def check_label(label: Any, record: str) -> str:
    """A label becomes a field name in MongoDB: refuse operators, dots and reserved names."""
    name = check_name(label, record, "label")
    check_keys({name: None}, record, "label")
    if name in RESERVED_LABELS or name.startswith("_"):
        raise ValidationError(record, name, "is a reserved field name (or starts with '_'), rename it in the mapping")
    return name


def check_value(value: Any, record: str) -> Value:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    raise ValidationError(record, "value", f"must be a number, text or null, not {type(value).__name__}")
