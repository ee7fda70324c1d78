"""Multicomp Pro MP710508 reader: four channels and the STATUS byte over UDP 18190, one query per datagram."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.multicomp_codec import (
    CHANNEL_QUERIES,
    CHANNELS,
    DEFAULT_PORT,
    STATUS_QUERY,
    channel_query,
    decode_poll,
)
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, UdpTransport
from ricochetdb.domain.polls import DeviceReply

OPTIONS = frozenset({"port", "timeout", "local_port"})


class Mp710508Reader(Reader[UdpTransport, tuple[bytes, list[bytes]]]):
    """One MP710508: per channel set V/I, measured V/I, CV/CC and output flags (17 queries a poll).

    Replies carry no request id, so late datagrams of an earlier poll are drained first.
    """

    def ask(self) -> tuple[bytes, list[bytes]]:
        """(STATUS? reply, the 16 channel replies); DeviceTimeout at the first silent query."""
        self.transport.drain()
        status = self.transport.exchange(STATUS_QUERY)
        return status, [
            self.transport.exchange(channel_query(name, channel)) for channel in CHANNELS for name in CHANNEL_QUERIES
        ]

    def decode(self, raw: tuple[bytes, list[bytes]]) -> DeviceReply:
        return decode_poll(*raw)


def build(device_type: str, address: str, options: Mapping[str, Any]) -> Mp710508Reader:
    """A reader for ``"host"`` or ``"host:port"`` (18190 by default); options ``port``, ``timeout``, ``local_port``.

    The device answers reliably only to a client whose local UDP port equals its own port, so
    ``local_port`` defaults to ``port``; 0 lets the system choose (tests, emulators). The socket is
    connected to the device, so two supplies polled from one host on the same local port each get
    their own replies.
    """
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    local_port = options.get("local_port")
    local = port if local_port is None else parse.port(local_port, record, "local_port", minimum=0)
    timeout = parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record)
    transport = UdpTransport(record, host=host, port=port, timeout=timeout, local_port=local, connected=True)
    return Mp710508Reader(device_type, address, transport)
