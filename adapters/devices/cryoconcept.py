"""CryoConcept ``CRYO`` reader: the fridge controller's HTML page of label/value[/unit] table rows over HTTP.

No CryoConcept export is public (protocols.md 5.1): the page is ASSUMED to be a table of
``label | value [unit]`` or ``label | value | unit`` rows, read by the shared
:mod:`html_table` parser. Labels are the sanitised raw names (``Platine 4K`` ->
``platine_4k``); where the page gives no unit, the controller log's column units apply
(:func:`cryo_unit`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.imacrt import page_measurements
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, HttpTransport
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "CRYO"
DEFAULT_PATH = "/www/device.htm"
OPTIONS = ("port", "timeout", "path")

# Units of the CryoConcept log columns (Dspx-Monitor), by sanitised label.
LOG_UNITS: dict[str, str] = {
    "full_range": "K",
    "still": "K",
    "platine_4k": "K",
    "pumping_turbo_speed": "%",
    "p_t": "%",
    "turbo_aux": "",
    "pt": "",
    **{f"p{n}": "mbar" for n in (1, 2, 3)},
    **{f"k{n}": "mbar" for n in (3, 4, 5, 6, 8)},
    **{f"r_mmr1_{n}": "Ohm" for n in (1, 2, 3)},
}
_RULES = (
    (re.compile(r"ve\d+"), ""),
    (re.compile(r"t_.*|.*_k"), "K"),
    (re.compile(r"r_.*|.*_ohm"), "Ohm"),
    (re.compile(r"p\d+|.*_mbar"), "mbar"),
    (re.compile(r".*_pct"), "%"),
    (re.compile(r".*_w"), "W"),
)


def cryo_unit(label: str) -> str:
    """The unit of a sanitised CryoConcept label: log column table, then name rules (``t_*`` K...), else ''."""
    if label in LOG_UNITS:
        return LOG_UNITS[label]
    for pattern, unit in _RULES:
        if pattern.fullmatch(label):
            return unit
    return ""


def http_transport(
    device_type: str, address: str, options: Mapping[str, Any], default_path: str
) -> tuple[HttpTransport, str]:
    """The HTTP transport and page path of ``build(device_type, address, options)``; ValidationError on bad options."""
    record = f"{device_type} {address}"
    opts = parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, opts, None, record)
    path = opts.get("path", default_path)
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValidationError(record, "path", f"{path!r} is not a URL path")
    timeout = parse.timeout(opts.get("timeout", DEFAULT_TIMEOUT), record)
    base = f"http://{host}:{port}" if port else f"http://{host}"
    return HttpTransport(record, base_url=base, timeout=timeout), path


class CryoConceptReader:
    """Reads the CryoConcept controller page; DeviceProtocolError if no pair is found or it is truncated."""

    device_type = DEVICE_TYPE

    def __init__(self, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        self.address = address
        self.transport = transport
        self.path = path

    @property
    def name(self) -> str:
        return f"{self.device_type} {self.address}"

    def read(self) -> list[Measurement]:
        """GET the page and return every label/number pair, with its unit."""
        return page_measurements(self.name, self.transport.get(self.path), cryo_unit)

    def close(self) -> None:
        self.transport.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryoConceptReader:
    """A ``CRYO`` reader for ``host`` or ``host:port``; options ``port``, ``timeout``, ``path``."""
    if device_type != DEVICE_TYPE:
        raise ValidationError(f"{device_type} {address}", "device_type", f"must be {DEVICE_TYPE}")
    transport, path = http_transport(device_type, address, options, DEFAULT_PATH)
    return CryoConceptReader(address, transport, path)
