"""JSON network scale: the weight document, its keys and units, normalised to kilograms (pure, no I/O).

ASSUMED contract (protocols.md 6; no public product documents one), HTTP GET on ``/``::

    {"weight": 12.345, "unit": "kg", "stable": true, "timestamp": "2025-01-31T12:00:00Z"}

- the weight is under ``weight``, else ``value``, else ``mass``: a JSON number or a numeric string;
- ``unit`` is required (g, kg, lb or lbs, any case): a value of unknown unit is never stored;
- ``stable`` is optional: true/false, 0/1 or "true"/"false"/"yes"/"no"; missing or null -> None;
- ``timestamp`` is optional: ISO 8601 with a timezone becomes the device time (UTC);
  a naive or unparsable one is a field error and the poll time applies.
A bad weight (missing, unknown unit, not a number) or a bad ``stable`` is a field error of its
label, the rest of the reply is kept; a body that is no JSON object is a DeviceProtocolError
naming the bare device type, renamed by the reader after the device it polled.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply, FieldError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "JSON-SCALE"
DEFAULT_PORT = 80
DEFAULT_PATH = "/"
WEIGHT_KEYS = ("weight", "value", "mass")
KG_PER_UNIT = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "lbs": 0.45359237}

_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*", re.ASCII)
_TRUE = frozenset({"true", "yes", "1"})
_FALSE = frozenset({"false", "no", "0"})


def _fail(field: str, reason: str) -> DeviceProtocolError:
    return DeviceProtocolError(DEVICE_TYPE, field, reason)


def parse_document(body: bytes) -> DeviceReply:
    """``weight`` (kg) and ``stable`` of one document, with the scale's time; see the contract above."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise _fail("", f"not JSON ({error}): {body[:120]!r}") from None
    if not isinstance(document, dict):
        raise _fail("", f"expected a JSON object, got {type(document).__name__}: {body[:120]!r}")
    measurements: list[Measurement] = []
    errors: list[FieldError] = []
    for label, read in (("weight", _weight), ("stable", _stable)):
        try:
            measurements.append(Measurement(label, *read(document)))
        except DeviceProtocolError as error:
            errors.append(FieldError(label, error.reason))
    when, problem = _timestamp(document.get("timestamp"))
    if problem:
        errors.append(FieldError("timestamp", problem))
    return DeviceReply(measurements, errors, when)


def _weight(document: dict[str, Any]) -> tuple[float, str]:
    key = next((key for key in WEIGHT_KEYS if key in document), None)
    if key is None:
        raise _fail("weight", f"none of {', '.join(WEIGHT_KEYS)} in the document")
    unit = document.get("unit")
    if not isinstance(unit, str) or unit.strip().lower() not in KG_PER_UNIT:
        raise _fail("unit", f"unit {unit!r:.40} is not one of {', '.join(KG_PER_UNIT)}")
    weight = _number(document[key], key) * KG_PER_UNIT[unit.strip().lower()]
    if not math.isfinite(weight):
        raise _fail(key, f"{document[key]!r:.40} {unit} is not a finite weight")
    return weight, "kg"


def _number(value: Any, key: str) -> float:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(key, f"{key} {value!r:.60} is not a number")
    try:
        return float(value)
    except OverflowError:
        raise _fail(key, f"{key} is too large a number") from None


def _stable(document: dict[str, Any]) -> tuple[bool | None, str]:
    value = document.get("stable")
    if value is None or isinstance(value, bool):
        return value, ""
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True, ""
    if text in _FALSE:
        return False, ""
    raise _fail("stable", f"{value!r:.60} is not true or false")


def _timestamp(value: Any) -> tuple[datetime | None, str]:
    """(device time, "") or (None, why not); no timestamp is (None, "")."""
    if value is None:
        return None, ""
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
            if when.utcoffset() is not None:
                return when.astimezone(UTC), ""
        except (ValueError, OverflowError):
            pass
    return None, f"{value!r:.60} is not an ISO 8601 time with a timezone; the poll time is used"


def format_document(weight_kg: float, unit: str, stable: bool, timestamp: datetime, decimals: int = 3) -> bytes:
    """The document a scale sends: the weight in ``unit`` rounded to ``decimals``, time as ISO 8601 ``Z``."""
    when = timestamp.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    weight = round(weight_kg / KG_PER_UNIT[unit], decimals)
    return json.dumps({"weight": weight, "unit": unit, "stable": stable, "timestamp": when}).encode("utf-8")
