"""JSON network scale reader: one HTTP GET per poll, weight normalised to kg, the scale's own time kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.scale_codec import (
    DEFAULT_PATH,
    DEFAULT_PORT,
    DEVICE_TYPE,
    measurements,
    parse_document,
)
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, Backoff, HttpTransport
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement

OPTIONS = frozenset({"port", "timeout", "path"})


class ScaleReader:
    """One scale (e.g. under a helium dewar): ``weight`` in kg and the ``stable`` flag."""

    device_type = DEVICE_TYPE

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        path: str = DEFAULT_PATH,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: Backoff | None = None,
    ) -> None:
        self.address = f"{host}:{port}"
        self.name = f"{self.device_type} {self.address}"
        self.path = path
        self.transport = HttpTransport(
            name=self.name, backoff=backoff or Backoff(), base_url=f"http://{host}:{port}", timeout=timeout
        )

    def read(self) -> list[Measurement]:
        """One GET of the weight document; raises only DeviceError subclasses."""
        body = self.transport.get(self.path)
        try:
            return measurements(parse_document(body))
        except DeviceProtocolError as error:
            raise DeviceProtocolError(self.name, error.field, error.reason) from None
        except Exception as error:  # a parser bug must still surface as a device error
            raise DeviceProtocolError(self.name, "", f"{type(error).__name__}: {error}; body {body[:200]!r}") from error

    def close(self) -> None:
        self.transport.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> ScaleReader:
    """A reader for ``"host"`` or ``"host:port"`` (port 80 by default); options ``port``, ``timeout``, ``path``."""
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    path = options.get("path", DEFAULT_PATH)
    if not isinstance(path, str) or not path.startswith("/") or not path.isascii() or any(c.isspace() for c in path):
        raise ValidationError(record, "path", f"must be an ASCII URL path starting with '/', not {path!r}")
    return ScaleReader(host, port, path, parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record))
