"""Aim-TTi CPX200DP reader: both outputs polled over TCP 9221 in one ``;``-joined request line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, TcpTransport
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
from ricochetdb.domain.polls import DeviceReply

OPTIONS = frozenset({"port", "timeout"})


class CpxReader(Reader[TcpTransport, bytes]):
    """One CPX200DP: set V, set I, measured V, measured I and output state of outputs 1 and 2.

    A poll is ONE request line, ``V1?;I1?;V1O?;I1O?;OP1?;V2?;...;OP2?``, not ten round trips:
    every reply unit either names its quantity (``V1 12.00``) or carries its unit suffix
    (``12.001V``, ``0.498A``) at a fixed place, so the joined reply is unambiguous and each
    unit is checked against the query it answers. A reply with the wrong number of units
    closes the connection, so leftovers of it cannot shift the next poll.

    Every poll is a remote command: the supply stays in remote and its front panel locked
    while it is polled (docs/operations.md says what to do).
    """

    close_on_bad_reply = True

    def __init__(self, device_type: str, address: str, transport: TcpTransport) -> None:
        super().__init__(device_type, address, transport)
        self._line = ";".join(poll_queries())

    def ask(self) -> bytes:
        return self._exchange(self._line)

    def decode(self, raw: bytes) -> DeviceReply:
        return decode_poll(split_reply(raw, expected_replies(self._line)))

    def command(self, line: str) -> str:
        """Send one command line (``;`` groups allowed) and return the reply text, ``""`` for set commands.

        ``"*IDN?"`` -> ``"THURLBY THANDAR, CPX200DP, 123456, 1.00-1.00-1.00"``;
        ``"V1?;I1?"`` -> ``"V1 12.00;I1 0.500"``; ``"OP1 1"`` -> ``""``.
        """
        if not line.isascii() or "\n" in line.strip() or "\r" in line.strip():
            raise ValidationError(self.name, "command", f"must be one line of ASCII text, not {line!r}")
        reply = self._exchange(line)
        try:
            return ";".join(split_reply(reply, expected_replies(line)))
        except DeviceProtocolError as error:
            self.transport.close()
            raise DeviceProtocolError(self.name, error.field, error.reason) from None

    def _exchange(self, line: str) -> bytes:
        expected = expected_replies(line)
        return self.transport.exchange(command_line([line]), lambda data: reply_complete(data, expected))


def send_command(host: str, line: str, port: int = DEFAULT_PORT, timeout: float = DEFAULT_TIMEOUT) -> str:
    """One command line on a fresh connection; the reply text (``""`` for set commands).

    What the original ``CPX200Device.cpx200dp_cmd(device_ip_address, device_port, cmd)`` did;
    the compatibility facade wraps this (in a thread, if it must stay awaitable).
    """
    address = f"{host}:{port}"
    transport = TcpTransport(f"{DEVICE_TYPE} {address}", host=host, port=port, timeout=timeout)
    reader = CpxReader(DEVICE_TYPE, address, transport)
    try:
        return reader.command(line)
    finally:
        reader.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CpxReader:
    """A reader for ``"host"`` or ``"host:port"`` (port 9221 by default); options ``port``, ``timeout``."""
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    timeout = parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record)
    return CpxReader(device_type, address, TcpTransport(record, host=host, port=port, timeout=timeout))
