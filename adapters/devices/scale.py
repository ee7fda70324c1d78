"""JSON network scale reader: one HTTP GET per poll, weight normalised to kg, the scale's own time kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.scale_codec import DEFAULT_PATH, DEFAULT_PORT, parse_document
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import DeviceReply

OPTIONS = frozenset({"port", "timeout", "path"})


class ScaleReader(Reader[HttpTransport, bytes]):
    """One scale (e.g. under a helium dewar): ``weight`` in kg and the ``stable`` flag."""

    def __init__(self, device_type: str, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        super().__init__(device_type, address, transport)
        self.path = path

    def ask(self) -> bytes:
        return self.transport.get(self.path)

    def decode(self, raw: bytes) -> DeviceReply:
        return parse_document(raw)


def build(device_type: str, address: str, options: Mapping[str, Any]) -> ScaleReader:
    """A reader for ``"host"`` or ``"host:port"`` (port 80 by default); options ``port``, ``timeout``, ``path``."""
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    path = options.get("path", DEFAULT_PATH)
    if not isinstance(path, str) or not path.startswith("/") or not path.isascii() or any(c.isspace() for c in path):
        raise ValidationError(record, "path", f"must be an ASCII URL path starting with '/', not {path!r}")
    timeout = parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record)
    transport = HttpTransport(record, base_url=parse.http_base(host, port), timeout=timeout)
    return ScaleReader(device_type, address, transport, path)
