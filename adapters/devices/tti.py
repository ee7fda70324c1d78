"""Aim-TTi CPX200DP reader: both outputs polled over TCP 9221 in one ``;``-joined request line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, Backoff, TcpTransport
from ricochetdb.adapters.devices.tti_codec import (
    DEFAULT_PORT,
    DEVICE_TYPE,
    command_line,
    decode_poll,
    expected_replies,
    poll_queries,
    reply_complete,
    split_reply,
)
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement

T = TypeVar("T")
OPTIONS = frozenset({"port", "timeout"})


class CpxReader:
    """One CPX200DP: set V, set I, measured V, measured I and output state of outputs 1 and 2.

    A poll is ONE request line, ``V1?;I1?;V1O?;I1O?;OP1?;V2?;...;OP2?``, not ten round trips:
    every reply unit either names its quantity (``V1 12.000``) or carries its unit suffix
    (``12.001V``, ``0.498A``) at a fixed place, so the joined reply is unambiguous and each
    unit is checked against the query it answers. A reply that breaks the grammar closes the
    connection, so leftovers of it cannot shift the next poll.
    """

    device_type = DEVICE_TYPE

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        backoff: Backoff | None = None,
    ) -> None:
        self.address = f"{host}:{port}"
        self.name = f"{self.device_type} {self.address}"
        self.transport = TcpTransport(
            name=self.name, backoff=backoff or Backoff(), host=host, port=port, timeout=timeout
        )
        self._poll = poll_queries()

    def read(self) -> list[Measurement]:
        """One poll of both outputs; raises only DeviceError subclasses."""
        return self._exchange(";".join(self._poll), decode_poll)

    def command(self, line: str) -> str:
        """Send one command line (``;`` groups allowed) and return the reply text, ``""`` for set commands.

        ``"*IDN?"`` -> ``"THURLBY THANDAR, CPX200DP, 123456, 1.00-1.00-1.00"``;
        ``"V1?;I1?"`` -> ``"V1 12.000;I1 0.500"``; ``"OP1 1"`` -> ``""``.
        """
        if not line.isascii() or "\n" in line.strip() or "\r" in line.strip():
            raise ValidationError(self.name, "command", f"must be one line of ASCII text, not {line!r}")
        return self._exchange(line, ";".join)

    def _exchange(self, line: str, decode: Callable[[list[str]], T]) -> T:
        expected = expected_replies(line)
        reply = self.transport.exchange(command_line([line]), lambda data: reply_complete(data, expected))
        try:
            return decode(split_reply(reply, expected))
        except DeviceProtocolError as error:
            self.transport.close()
            raise DeviceProtocolError(self.name, error.field, error.reason) from None
        except Exception as error:  # a parser bug must still surface as a device error
            self.transport.close()
            reason = f"{type(error).__name__}: {error}; reply {reply[:200]!r}"
            raise DeviceProtocolError(self.name, "", reason) from error

    def close(self) -> None:
        self.transport.close()


def send_command(host: str, line: str, port: int = DEFAULT_PORT, timeout: float = DEFAULT_TIMEOUT) -> str:
    """One command line on a fresh connection; the reply text (``""`` for set commands).

    What the original ``CPX200Device.cpx200dp_cmd(device_ip_address, device_port, cmd)`` did;
    the compatibility facade wraps this (in a thread, if it must stay awaitable).
    """
    reader = CpxReader(host, port, timeout)
    try:
        return reader.command(line)
    finally:
        reader.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CpxReader:
    """A reader for ``"host"`` or ``"host:port"`` (port 9221 by default); options ``port``, ``timeout``."""
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    return CpxReader(host, port, parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record))
