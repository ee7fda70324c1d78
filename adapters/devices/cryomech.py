"""CMCPA reader: a Cryomech CPA compressor polled over Modbus TCP (FC04, 53 or 55 registers from address 1)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices import cryomech_frames as frames
from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, TcpTransport
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import DeviceReply

DEVICE_TYPE = "CMCPA"
DEFAULT_PORT = 502
OPTIONS = ("port", "timeout", "unit_id", "registers")


class CryomechReader(Reader[TcpTransport, tuple[int, bytes]]):
    """Reads the whole register block in one FC04 request on a persistent connection.

    A frame that does not decode closes the connection: the stream may hold the rest of it,
    and the next poll must start clean.
    """

    close_on_bad_reply = True

    def __init__(
        self,
        device_type: str,
        address: str,
        transport: TcpTransport,
        unit_id: int = 1,
        registers: int = frames.CPA2_COUNT,
    ) -> None:
        super().__init__(device_type, address, transport)
        self.unit_id = unit_id
        self.registers = registers
        self._tids = itertools.cycle(range(1, 0x10000))

    def ask(self) -> tuple[int, bytes]:
        """(transaction id, reply frame) of one FC04 request with a new transaction id."""
        tid = next(self._tids)
        request = frames.read_request(tid, self.unit_id, frames.FIRST_ADDRESS, self.registers)
        return tid, self.transport.exchange(request, frames.reply_complete)

    def decode(self, raw: tuple[int, bytes]) -> DeviceReply:
        tid, frame = raw
        return codec.reply(codec.decode_reply(frame, tid, self.registers, self.name))


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryomechReader:
    """A reader for ``address`` (``host`` or ``host:port``, default port 502).

    Options: ``port``, ``timeout`` (s), ``unit_id`` (default 1), ``registers`` (53, the CPA2 float block, or 55
    to add the CPA3 integer block).
    """
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    timeout = parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record)
    unit_id = options.get("unit_id", 1)
    if isinstance(unit_id, bool) or not isinstance(unit_id, int) or not 0 <= unit_id <= 0xFF:
        raise ValidationError(record, "unit_id", f"must be an integer 0..255, not {unit_id!r}")
    registers = options.get("registers", frames.CPA2_COUNT)
    if registers not in (frames.CPA2_COUNT, codec.CPA3_COUNT):
        raise ValidationError(record, "registers", f"must be 53 or 55, not {registers!r}")
    transport = TcpTransport(record, host=host, port=port, timeout=timeout)
    return CryomechReader(device_type, address, transport, unit_id, registers)
