"""Multicomp Pro MP710508 reader: four channels and the STATUS byte over UDP 18190, one query per datagram."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices.multicomp_codec import (
    CHANNEL_QUERIES,
    CHANNELS,
    DEFAULT_PORT,
    DEVICE_TYPE,
    STATUS_QUERY,
    channel_measurements,
    channel_query,
    decode_status,
    parse_float,
)
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, Backoff, UdpTransport
from ricochetdb.domain.errors import DeviceError, DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement

OPTIONS = frozenset({"port", "timeout", "local_port"})


class Mp710508Reader:
    """One MP710508: per channel set V/I, measured V/I, CV/CC and output flags (17 queries a poll).

    The device answers reliably only to a client whose local UDP port equals its own port,
    so ``local_port`` defaults to ``port``; 0 lets the system choose (tests, emulators).
    Replies carry no request id, so late datagrams of an earlier poll are drained first.
    """

    device_type = DEVICE_TYPE

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        local_port: int | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.address = f"{host}:{port}"
        self.name = f"{self.device_type} {self.address}"
        self.transport = UdpTransport(
            name=self.name,
            backoff=backoff or Backoff(),
            host=host,
            port=port,
            timeout=timeout,
            local_port=port if local_port is None else local_port,
        )

    def read(self) -> list[Measurement]:
        """One poll of the four channels; raises only DeviceError subclasses."""
        self.transport.drain()
        try:
            statuses = decode_status(self.transport.exchange(STATUS_QUERY))
            measurements: list[Measurement] = []
            for channel, status in zip(CHANNELS, statuses, strict=True):
                values = [self._query(name, channel) for name in CHANNEL_QUERIES]
                measurements += channel_measurements(channel, values, status)
            return measurements
        except DeviceProtocolError as error:
            raise DeviceProtocolError(self.name, error.field, error.reason) from None
        except DeviceError:
            raise
        except Exception as error:  # a parser bug must still surface as a device error
            raise DeviceProtocolError(self.name, "", f"{type(error).__name__}: {error}") from error

    def _query(self, name: str, channel: int) -> float:
        return parse_float(self.transport.exchange(channel_query(name, channel)), f"{name}{channel}?")

    def close(self) -> None:
        self.transport.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> Mp710508Reader:
    """A reader for ``"host"`` or ``"host:port"`` (18190 by default); options ``port``, ``timeout``, ``local_port``."""
    record = f"{device_type} {address}"
    for option in options:
        if option not in OPTIONS:
            raise ValidationError(record, str(option), "unknown option")
    host, port = _endpoint(address, options.get("port"), DEFAULT_PORT, record)
    local_port = options.get("local_port")
    if local_port is not None:
        local_port = _port(local_port, record, "local_port", minimum=0)
    return Mp710508Reader(host, port, _timeout(options.get("timeout", DEFAULT_TIMEOUT), record), local_port)


def _endpoint(address: str, port: Any, default: int, record: str) -> tuple[str, int]:
    host, colon, text = address.rpartition(":") if ":" in address else (address, "", "")
    if not host.strip():
        raise ValidationError(record, "address", "expected 'host' or 'host:port'")
    given = {_port(value, record, "port") for value in (text if colon else None, port) if value is not None}
    if len(given) > 1:
        raise ValidationError(record, "port", f"option port={port!r} contradicts the address")
    return host.strip(), given.pop() if given else default


def _port(value: Any, record: str, field: str, minimum: int = 1) -> int:
    text = isinstance(value, str) and value.isascii() and value.isdigit()
    if isinstance(value, bool) or not (isinstance(value, int) or text):
        raise ValidationError(record, field, f"must be a whole number, not {value!r}")
    if not minimum <= int(value) < 65536:
        raise ValidationError(record, field, f"{value} is outside {minimum}..65535")
    return int(value)


def _timeout(value: Any, record: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 3600:
        raise ValidationError(record, "timeout", f"must be a number of seconds in (0, 3600), not {value!r}")
    return float(value)
