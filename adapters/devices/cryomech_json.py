"""JSON-CMCPA reader: a Cryomech CPA compressor's status as one flat JSON object over HTTP GET.

Assumed contract (nothing public describes this device): ``GET http://host:port/path`` (port 80, path ``/``)
returns a JSON object whose keys are the CMCPA labels, for example::

    {"operating_state": 3, "compressor_running": true, "warnings": 0, "coolant_in_temperature": "65.2",
     "low_pressure": 80.1, "pressure_scale": 0, "temperature_scale": 0, "model_code": 1048, ...}

- Values may be numbers or numeric strings (whitespace around them is ignored); code labels want integers
  (``3``, ``3.0``, ``"3"``), ``compressor_running`` true/false, 0/1, on/off or yes/no, text labels text or
  numbers. A value of the wrong kind is a field error of its key; a missing key or null is no value.
- ``operating_state_name``, ``warning_flags``, ``alarm_flags`` and ``model`` are derived from their codes
  when the document has the code only; warnings and alarms may be given as the panel's negative sum.
- Units, as on the panel: temperatures per ``temperature_scale`` and pressures per ``pressure_scale``
  (0/1/2 = F/C/K and psi/bar/kPa; "" when the document has no or an unknown scale), motor current A, hours h.
- Any other key that is a valid label (an ASCII letter, then letters, digits or ``_``, at most 64, not a
  reserved name) is kept as a raw reading (unit "") when its value is a number, true/false or text; a key
  that is no label, or a nested value, is a field error; null is no value; reserved names are ignored.
- ``timestamp`` (ISO 8601, or seconds since the epoch; UTC when no zone is given) becomes the device time
  of the reply; a timestamp that is neither is a field error (the poll time applies).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices import cryomech_frames as frames
from ricochetdb.adapters.devices import cryomech_names as names
from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.polls import DeviceReply, FieldError
from ricochetdb.domain.readings import RESERVED_LABELS, Measurement, Value

DEVICE_TYPE = "JSON-CMCPA"
DEFAULT_PORT = 80
OPTIONS = ("port", "timeout", "path")
INT64 = 2**63
LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}", re.ASCII)
TRUE, FALSE = frozenset({"true", "on", "yes", "1"}), frozenset({"false", "off", "no", "0"})

TEXTS = ("operating_state_name", "warning_flags", "alarm_flags", "model", "software_revision")
FLOATS = (*codec.ANALOGUE, "operating_hours")
DERIVED: dict[str, tuple[str, Callable[[int], str]]] = {
    "operating_state_name": ("operating_state", names.state_name),
    "warning_flags": ("warnings", lambda bits: ",".join(names.flag_names(bits))),
    "alarm_flags": ("alarms", lambda bits: ",".join(names.flag_names(bits))),
    "model": ("model_code", names.model_name),
}
LABELS = tuple(m.label for m in codec.measurements(codec.decode_registers([0] * frames.CPA2_COUNT)))


def parse_document(body: bytes, record: str = DEVICE_TYPE) -> DeviceReply:
    """The reply held by one JSON document (see the module docstring); DeviceProtocolError if it is not one."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise DeviceProtocolError(record, "", f"not JSON ({error}); body {frames.hex_excerpt(body)}") from None
    if not isinstance(document, dict):
        raise DeviceProtocolError(record, "", f"not a JSON object; body {frames.hex_excerpt(body)}")
    values: dict[str, Value] = {}
    errors: list[FieldError] = []
    for label in LABELS:
        raw = document.get(label)
        if raw is None:
            continue
        value = _known(label, raw)
        if value is None:
            errors.append(FieldError(label, f"{_shown(raw)} is not {_kind(label)}"))
        else:
            values[label] = value
    for label, (code, name) in DERIVED.items():
        number = values.get(code)
        if label not in values and isinstance(number, int):
            values[label] = name(number)
    units = _units(values)
    measurements = [Measurement(label, values[label], units.get(label, "")) for label in LABELS if label in values]
    for key, raw in document.items():
        if key in LABELS or key in RESERVED_LABELS or raw is None:
            continue
        value = _raw(raw)
        if not LABEL.fullmatch(key):
            errors.append(FieldError(key[:64], "is not a storable label (a letter, then letters, digits or _)"))
        elif value is None:
            errors.append(FieldError(key, f"{type(raw).__name__} values are not read"))
        else:
            measurements.append(Measurement(key, value))
    when, problem = _source_time(document.get("timestamp"))
    if problem:
        errors.append(FieldError("timestamp", problem))
    return DeviceReply(measurements, errors, when)


class CryomechJsonReader(Reader[HttpTransport, bytes]):
    """Polls the JSON page through the shared HTTP transport (keep-alive, deadline, body cap, back-off)."""

    def __init__(self, device_type: str, address: str, transport: HttpTransport, path: str = "/") -> None:
        super().__init__(device_type, address, transport)
        self.path = path

    def ask(self) -> bytes:
        return self.transport.get(self.path)

    def decode(self, raw: bytes) -> DeviceReply:
        return parse_document(raw, self.name)


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryomechJsonReader:
    """A reader for ``address`` (``host`` or ``host:port``, default port 80); options port, timeout, path."""
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    timeout = parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record)
    path = options.get("path", "/")
    if not isinstance(path, str):
        raise ValidationError(record, "path", f"must be text, not {type(path).__name__}")
    transport = HttpTransport(record, base_url=parse.http_base(host, port), timeout=timeout)
    return CryomechJsonReader(device_type, address, transport, path)


def _known(label: str, raw: Any) -> Value:
    """The value of a CMCPA label coerced to its kind (flag, text, float, else integer code), None to skip it."""
    if label == "compressor_running":
        return _flag(raw)
    if label in TEXTS:
        return raw.strip() if isinstance(raw, str) else _text_of_number(raw)
    number = _number(raw)
    if label in FLOATS:
        return None if number is None else float(number)
    if isinstance(number, float):
        number = int(number) if number.is_integer() and abs(number) < INT64 else None
    return abs(number) if number is not None and label in ("warnings", "alarms") else number


def _units(values: Mapping[str, Value]) -> dict[str, str]:
    pressure, temperature = values.get("pressure_scale"), values.get("temperature_scale")
    pressure = names.PRESSURE_UNITS.get(pressure, "") if isinstance(pressure, int) else ""
    temperature = names.TEMPERATURE_UNITS.get(temperature, "") if isinstance(temperature, int) else ""
    return {
        **dict.fromkeys(codec.PRESSURES, pressure),
        **dict.fromkeys(codec.TEMPERATURES, temperature),
        "motor_current": "A",
        "operating_hours": "h",
    }


def _number(raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        try:
            raw = int(text)
        except ValueError:
            try:
                raw = float(text)
            except ValueError:
                return None
    if isinstance(raw, int):
        return raw if abs(raw) < INT64 else float(raw)
    return raw if isinstance(raw, float) else None


def _flag(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        text = raw.strip().lower()
        if text in TRUE or text in FALSE:
            return text in TRUE
    number = _number(raw)
    return bool(number) if number in (0, 1) else None


def _text_of_number(raw: Any) -> str | None:
    return str(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


def _raw(raw: Any) -> Value:
    if isinstance(raw, bool):
        return raw
    number = _number(raw)
    if number is not None:
        return number
    return raw.strip() if isinstance(raw, str) else None


def _kind(label: str) -> str:
    if label == "compressor_running":
        return "a flag (true/false, 0/1, on/off, yes/no)"
    if label in TEXTS:
        return "text or a number"
    return "a number" if label in FLOATS else "an integer code"


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 64 else text[:64] + "..."


def _source_time(raw: Any) -> tuple[datetime | None, str]:
    """(the device time, "") or (None, why it is not one); no timestamp is (None, "")."""
    if raw is None:
        return None, ""
    try:
        if isinstance(raw, str):
            when = datetime.fromisoformat(raw.strip())
            return (when if when.tzinfo is not None else when.replace(tzinfo=UTC)), ""
        if isinstance(raw, int | float) and not isinstance(raw, bool) and math.isfinite(raw):
            return datetime.fromtimestamp(raw, UTC), ""
    except (ValueError, OverflowError, OSError):
        pass
    return None, f"{_shown(raw)} is not an ISO 8601 time or seconds since the epoch; the poll time is used"
