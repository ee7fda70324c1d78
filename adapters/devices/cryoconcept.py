"""CryoConcept ``CRYO`` reader: the fridge controller's HTML page of label/value[/unit] table rows over HTTP.

No CryoConcept export is public (protocols.md 5.1): the page is ASSUMED to be a table of
``label | value [unit]`` or ``label | value | unit`` rows, read by the shared
:mod:`html_page` decoder. Labels are the sanitised raw names (``Platine 4K`` ->
``platine_4k``); where the page gives no unit, the controller log's column units apply
(:func:`cryoconcept_units.cryo_unit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.cryoconcept_units import cryo_unit
from ricochetdb.adapters.devices.html_page import page_reply
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import DeviceReply

DEVICE_TYPE = "CRYO"
DEFAULT_PATH = "/www/device.htm"
OPTIONS = ("port", "timeout", "path")


class CryoConceptReader(Reader[HttpTransport, bytes]):
    """Reads the CryoConcept controller page; DeviceProtocolError if no pair is found or it is truncated."""

    def __init__(self, device_type: str, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        super().__init__(device_type, address, transport)
        self.path = path

    def ask(self) -> bytes:
        return self.transport.get(self.path)

    def decode(self, raw: bytes) -> DeviceReply:
        """Every label/number pair of the page, with its unit; text where a number belongs is a field error."""
        return page_reply(raw, cryo_unit)


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryoConceptReader:
    """A ``CRYO`` reader for ``host`` or ``host:port``; options ``port``, ``timeout``, ``path``."""
    record = f"{device_type} {address}"
    if device_type != DEVICE_TYPE:
        raise ValidationError(record, "device_type", f"must be {DEVICE_TYPE}")
    opts = parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, opts, None, record)
    path = parse.url_path(opts.get("path", DEFAULT_PATH), record)
    timeout = parse.timeout(opts.get("timeout", DEFAULT_TIMEOUT), record)
    transport = HttpTransport(record, base_url=parse.http_base(host, port), timeout=timeout)
    return CryoConceptReader(device_type, address, transport, path)
