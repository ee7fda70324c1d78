"""CryoConcept ``JSON-CRYO`` reader: a flat JSON object of log-column values over HTTP (contract ASSUMED).

protocols.md 5.2 (no public source; confirm on the real controller)::

    GET <path>  ->  {"timestamp": "2025-01-31T12:00:00Z", "T_MC": 0.012, "P1": "1.2e-3", "PT": 1,
                     "VE1": false, "T_sorb": null, "T_50K": NaN, ...}

- values: numbers, booleans (0/1), numeric strings (``"0,85"``, ``"0.85 K"``); null, NaN,
  ``"nan"`` and ``""`` mean "no value" and are skipped silently;
- text that is no number and nested objects/lists are field errors (the other keys are kept);
- every key is kept, as a sanitised label (``T_MC`` -> ``t_mc``), unit from the value's suffix
  or from the log column rules (:func:`cryoconcept.cryo_unit`);
- ``timestamp``: ISO-8601 with a timezone -> ``source_time`` of every measurement; otherwise
  it is a field error and ``source_time`` stays None (the poller's clock applies).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ricochetdb.adapters.devices.cryoconcept import cryo_unit, http_transport
from ricochetdb.adapters.devices.html_table import parse_quantity, snake_label, unique_labels
from ricochetdb.adapters.devices.imacrt import keep_good
from ricochetdb.adapters.devices.transport import HttpTransport
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "JSON-CRYO"
DEFAULT_PATH = "/"
TIME_KEY = "timestamp"
_MISSING = ("", "nan", "null", "none", "n/a", "-", "--")

Number = int | float


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 text with a timezone as an aware UTC datetime; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
        return when.astimezone(UTC) if when.utcoffset() is not None else None
    except (ValueError, OverflowError):
        return None


def _value(value: Any, record: str, key: str) -> tuple[Number, str] | None:
    """(number, unit) or None when the key has no value; DeviceProtocolError when it is not a number."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value), ""
    if isinstance(value, int):
        return value, ""
    if isinstance(value, float):
        return (value, "") if math.isfinite(value) else None
    if isinstance(value, str):
        if value.strip().lower() in _MISSING:
            return None
        quantity = parse_quantity(value)
        if quantity is not None and math.isfinite(quantity[0]):
            return quantity
        raise DeviceProtocolError(record, key, f"value {value[:64]!r} is not a number")
    raise DeviceProtocolError(record, key, f"nested {type(value).__name__} values are not read")


def parse_document(body: bytes, record: str) -> tuple[list[Measurement], list[DeviceProtocolError]]:
    """The measurements of one JSON-CRYO reply and the field errors; DeviceProtocolError if it is no JSON object."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise DeviceProtocolError(record, "", f"not JSON ({error}): {body[:80]!r}") from None
    if not isinstance(document, dict):
        raise DeviceProtocolError(record, "", f"expected a JSON object, got {type(document).__name__}")
    errors: list[DeviceProtocolError] = []
    source_time = None
    if TIME_KEY in document:
        source_time = parse_time(document[TIME_KEY])
        if source_time is None:
            reason = f"{document[TIME_KEY]!r:.80} is not an ISO-8601 time with a timezone; poll time used"
            errors.append(DeviceProtocolError(record, TIME_KEY, reason))
    found: list[tuple[str, Number, str]] = []
    for key, raw in document.items():
        if key == TIME_KEY:
            continue
        try:
            quantity = _value(raw, record, key)
        except DeviceProtocolError as error:
            errors.append(error)
            continue
        if quantity is not None:
            found.append((key, *quantity))
    labels = unique_labels(snake_label(key) for key, _value, _unit in found)
    measurements = [
        Measurement(label, value, unit or cryo_unit(label), source_time)
        for label, (_key, value, unit) in zip(labels, found, strict=True)
    ]
    return measurements, errors


class CryoConceptJsonReader:
    """Reads the JSON-CRYO document; good keys are returned even when others are bad (see ``field_errors``)."""

    device_type = DEVICE_TYPE

    def __init__(self, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        self.address = address
        self.transport = transport
        self.path = path
        self.field_errors: list[DeviceProtocolError] = []

    @property
    def name(self) -> str:
        return f"{self.device_type} {self.address}"

    def read(self) -> list[Measurement]:
        """GET the document; DeviceProtocolError if it is not a JSON object or holds no number."""
        body = self.transport.get(self.path)
        try:
            measurements, errors = parse_document(body, self.name)
        except DeviceProtocolError:
            raise
        except Exception as error:  # a reader raises only DeviceErrors, whatever the document holds
            raise DeviceProtocolError(self.name, "", f"unreadable document: {type(error).__name__}: {error}") from None
        self.field_errors = errors
        return keep_good(self.name, measurements, errors)

    def close(self) -> None:
        self.transport.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryoConceptJsonReader:
    """A ``JSON-CRYO`` reader for ``host`` or ``host:port``; options ``port``, ``timeout``, ``path`` (default /)."""
    if device_type != DEVICE_TYPE:
        raise ValidationError(f"{device_type} {address}", "device_type", f"must be {DEVICE_TYPE}")
    transport, path = http_transport(device_type, address, options, DEFAULT_PATH)
    return CryoConceptJsonReader(address, transport, path)
