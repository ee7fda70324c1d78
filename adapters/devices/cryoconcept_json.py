"""CryoConcept ``JSON-CRYO`` reader: a flat JSON object of log-column values over HTTP (contract ASSUMED).

protocols.md 5.2 (no public source; confirm on the real controller)::

    GET <path>  ->  {"timestamp": "2025-01-31T12:00:00Z", "T_MC": 0.012, "P1": "1.2e-3", "PT": 1,
                     "VE1": false, "T_sorb": null, "T_50K": NaN, ...}

- values: numbers, booleans (0/1), numeric strings (``"0,85"``, ``"0.85 K"``); null, NaN,
  ``"nan"`` and ``""`` mean "no value" and are skipped silently;
- text that is no number and nested objects/lists are field errors (the other keys are kept);
- every key is kept, as a sanitised label (``T_MC`` -> ``t_mc``), unit from the value's suffix
  or from the log column rules (:func:`cryoconcept_units.cryo_unit`);
- ``timestamp``: ISO-8601 with a timezone -> the reply's device time; otherwise it is a field
  error and the device time stays None (the poller's clock applies).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.cryoconcept_units import cryo_unit
from ricochetdb.adapters.devices.html_table import snake_label, unique_labels
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT
from ricochetdb.adapters.devices.units import parse_quantity
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.polls import DeviceReply, FieldError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "JSON-CRYO"
DEFAULT_PATH = "/"
OPTIONS = ("port", "timeout", "path")
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


def _value(value: Any) -> tuple[Number, str] | str | None:
    """(number, unit); None when the key has no value; the reason when it is not a number."""
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
        return f"value {value[:64]!r} is not a number"
    return f"nested {type(value).__name__} values are not read"


def parse_document(body: bytes, record: str = DEVICE_TYPE) -> DeviceReply:
    """The reply held by one JSON-CRYO document; DeviceProtocolError if it is no JSON object."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise DeviceProtocolError(record, "", f"not JSON ({error}): {body[:80]!r}") from None
    if not isinstance(document, dict):
        raise DeviceProtocolError(record, "", f"expected a JSON object, got {type(document).__name__}")
    errors: list[FieldError] = []
    source_time = None
    if TIME_KEY in document:
        source_time = parse_time(document[TIME_KEY])
        if source_time is None:
            reason = f"{document[TIME_KEY]!r:.80} is not an ISO-8601 time with a timezone; poll time used"
            errors.append(FieldError(TIME_KEY, reason))
    found = [(key, out) for key, raw in document.items() if key != TIME_KEY and (out := _value(raw)) is not None]
    labels = unique_labels(snake_label(key) for key, _outcome in found)
    measurements: list[Measurement] = []
    for label, (_key, outcome) in zip(labels, found, strict=True):
        if isinstance(outcome, str):
            errors.append(FieldError(label, outcome))
        else:
            value, unit = outcome
            measurements.append(Measurement(label, value, unit or cryo_unit(label)))
    return DeviceReply(measurements, errors, source_time)


class CryoConceptJsonReader(Reader[HttpTransport, bytes]):
    """Reads the JSON-CRYO document; good keys are kept even when others are bad (field errors)."""

    def __init__(self, device_type: str, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        super().__init__(device_type, address, transport)
        self.path = path

    def ask(self) -> bytes:
        return self.transport.get(self.path)

    def decode(self, raw: bytes) -> DeviceReply:
        """The document's reply; DeviceProtocolError if it is not a JSON object or holds no number."""
        return parse_document(raw, self.name)


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryoConceptJsonReader:
    """A ``JSON-CRYO`` reader for ``host`` or ``host:port``; options ``port``, ``timeout``, ``path`` (default /)."""
    record = f"{device_type} {address}"
    if device_type != DEVICE_TYPE:
        raise ValidationError(record, "device_type", f"must be {DEVICE_TYPE}")
    opts = parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, opts, None, record)
    path = parse.url_path(opts.get("path", DEFAULT_PATH), record)
    timeout = parse.timeout(opts.get("timeout", DEFAULT_TIMEOUT), record)
    transport = HttpTransport(record, base_url=parse.http_base(host, port), timeout=timeout)
    return CryoConceptJsonReader(device_type, address, transport, path)
