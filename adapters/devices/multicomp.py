"""Multicomp Pro MP710508 reader: four channels and the STATUS byte over UDP 18190, one query per datagram."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
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
from ricochetdb.domain.errors import DeviceError, DeviceProtocolError
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
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    local_port = options.get("local_port")
    if local_port is not None:
        local_port = parse.port(local_port, record, "local_port", minimum=0)
    return Mp710508Reader(host, port, parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record), local_port)
