"""JSON network scale: the weight document, its keys and units, normalised to kilograms (pure, no I/O).

ASSUMED contract (protocols.md 6; no public product documents one), HTTP GET on ``/``::

    {"weight": 12.345, "unit": "kg", "stable": true, "timestamp": "2025-01-31T12:00:00Z"}

- the weight is under ``weight``, else ``value``, else ``mass``: a JSON number or a numeric string;
- ``unit`` is required (g, kg, lb or lbs, any case): a value of unknown unit is never stored;
- ``stable`` is optional: true/false, 0/1 or "true"/"false"/"yes"/"no"; missing or null -> None;
- ``timestamp`` is optional: ISO 8601 with a timezone becomes the source time (UTC);
  a naive, unparsable or non-text timestamp is ignored, the weight is kept.
Errors name the bare device type; the reader renames them after the device it polled.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "JSON-SCALE"
DEFAULT_PORT = 80
DEFAULT_PATH = "/"
WEIGHT_KEYS = ("weight", "value", "mass")
KG_PER_UNIT = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "lbs": 0.45359237}

_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*", re.ASCII)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


@dataclass(frozen=True)
class ScaleReading:
    """One decoded weight document."""

    weight_kg: float
    stable: bool | None
    source_time: datetime | None


def _fail(field: str, reason: str) -> DeviceProtocolError:
    return DeviceProtocolError(DEVICE_TYPE, field, reason)


def parse_document(body: bytes) -> ScaleReading:
    """Decode a weight document; anything outside the contract above is a DeviceProtocolError."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise _fail("", f"not JSON ({error}): {body[:120]!r}") from None
    if not isinstance(document, dict):
        raise _fail("", f"expected a JSON object, got {type(document).__name__}: {body[:120]!r}")
    key = next((key for key in WEIGHT_KEYS if key in document), None)
    if key is None:
        raise _fail("weight", f"none of {', '.join(WEIGHT_KEYS)} in {body[:120]!r}")
    unit = document.get("unit")
    if not isinstance(unit, str) or unit.strip().lower() not in KG_PER_UNIT:
        raise _fail("unit", f"expected one of {', '.join(KG_PER_UNIT)}, got {unit!r}")
    weight = _number(document[key], key) * KG_PER_UNIT[unit.strip().lower()]
    if not math.isfinite(weight):
        raise _fail(key, f"{document[key]!r} {unit} is not a finite weight")
    return ScaleReading(weight, _stable(document.get("stable")), _timestamp(document.get("timestamp")))


def _number(value: Any, key: str) -> float:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(key, f"expected a number, got {value!r}"[:200])
    try:
        return float(value)
    except OverflowError:
        raise _fail(key, "number too large") from None


def _stable(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _fail("stable", f"expected true or false, got {value!r}"[:200])


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
        return None if when.utcoffset() is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def measurements(reading: ScaleReading) -> list[Measurement]:
    """``weight`` (kg) and ``stable`` (flag), both stamped with the scale's own time when it sent one."""
    return [
        Measurement("weight", reading.weight_kg, "kg", reading.source_time),
        Measurement("stable", reading.stable, "", reading.source_time),
    ]


def format_document(weight_kg: float, unit: str, stable: bool, timestamp: datetime, decimals: int = 3) -> bytes:
    """The document a scale sends: the weight in ``unit`` rounded to ``decimals``, time as ISO 8601 ``Z``."""
    when = timestamp.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    weight = round(weight_kg / KG_PER_UNIT[unit], decimals)
    return json.dumps({"weight": weight, "unit": unit, "stable": stable, "timestamp": when}).encode("utf-8")
