"""Cryomech CPA Modbus TCP framing: pure MBAP + FC04/FC06 frames, exception replies, frame checks.

Every frame is a Modbus TCP ADU: a 7-byte MBAP header, then the PDU::

    [          MBAP header          ] [           PDU            ]
    [ tid ][ pid=0 ][ length ][ uid ] [ FC ][ data ...           ]
      2B      2B       2B       1B      1B
    length = 1 (uid) + len(PDU), all fields big-endian

    read request    09 99 | 00 00 | 00 06 | 01 | 04 | 00 01 | 00 35        FC04, address 1, 53 registers
    read reply      09 99 | 00 00 | 00 6D | 01 | 04 | 6A | r1 r1 r2 r2 ...  byte count = 2*N, then N registers
    exception       09 99 | 00 00 | 00 03 | 01 | 84 | 02                    FC|0x80, exception code
    write (start)   09 99 | 00 00 | 00 06 | 01 | 06 | 00 01 | 00 01        FC06, address 1, 1 = start, else stop

The registers these frames carry are decoded in ``cryomech_codec``.

Frames are built with pymodbus's pure pieces (``FramerSocket.buildFrame`` and its PDU classes); replies (and
the emulator's requests) are parsed with ``struct`` because pymodbus's ``FramerSocket.decode`` reports a wrong
protocol id as "need more bytes" and does not check the transaction id, and its ``DecodePDU`` turns a malformed
PDU into ``None`` and a log line, while a reader must reject the frame naming the offending field.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

from pymodbus.framer import FramerSocket
from pymodbus.pdu import DecodePDU, ExceptionResponse
from pymodbus.pdu.register_message import (
    ReadInputRegistersRequest,
    ReadInputRegistersResponse,
    WriteSingleRegisterRequest,
)

from ricochetdb.domain.errors import DeviceProtocolError

FIRST_ADDRESS = 1
CPA2_COUNT = 53  # the default read: the CPA2 block from address 1
READ_INPUT_REGISTERS = 0x04
WRITE_SINGLE_REGISTER = 0x06
START, STOP = 0x0001, 0x00FF
MAX_LENGTH = 254  # uid + the largest Modbus PDU (253 bytes)
HEX_LIMIT = 64

EXCEPTIONS = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "device failure",
    5: "acknowledge",
    6: "device busy",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target failed to respond",
}

_FRAMER = FramerSocket(DecodePDU(is_server=False))


@dataclass(frozen=True)
class Request:
    """A request as the emulator sees it: ``value`` is the register count (FC04) or the value written (FC06)."""

    tid: int
    unit_id: int
    function: int
    address: int
    value: int


def read_request(tid: int, unit_id: int = 1, address: int = FIRST_ADDRESS, count: int = CPA2_COUNT) -> bytes:
    """FC04 Read Input Registers: ``tid 0000 0006 uid 04 addr count`` (12 bytes)."""
    return _FRAMER.buildFrame(
        ReadInputRegistersRequest(address=address, count=count, dev_id=unit_id, transaction_id=tid)
    )


def write_request(tid: int, value: int, unit_id: int = 1, address: int = FIRST_ADDRESS) -> bytes:
    """FC06 Write Single Register (1 = start, 0x00FF = stop at address 1); the reply echoes the request."""
    return _FRAMER.buildFrame(
        WriteSingleRegisterRequest(address=address, registers=[value], dev_id=unit_id, transaction_id=tid)
    )


def read_reply(tid: int, unit_id: int, registers: Sequence[int]) -> bytes:
    """FC04 reply: ``tid 0000 len uid 04 2N r1 .. rN`` with len = 3 + 2N."""
    return _FRAMER.buildFrame(ReadInputRegistersResponse(registers=list(registers), dev_id=unit_id, transaction_id=tid))


def exception_reply(tid: int, unit_id: int, function: int, code: int) -> bytes:
    """Modbus exception: ``tid 0000 0003 uid FC|80 code``."""
    return _FRAMER.buildFrame(ExceptionResponse(function, code, device_id=unit_id, transaction=tid))


def frame_size(buffer: bytes) -> int | None:
    """The full length the MBAP header announces; None until 6 bytes are there or if the header is impossible."""
    if len(buffer) < 6:
        return None
    pid, length = struct.unpack_from(">HH", buffer, 2)
    return 6 + length if pid == 0 and 2 <= length <= MAX_LENGTH else None


def reply_complete(buffer: bytes) -> bool:
    """True once a whole frame is in, or as soon as the header shows the bytes cannot be a frame."""
    if len(buffer) < 6:
        return False
    size = frame_size(buffer)
    return size is None or len(buffer) >= size


def reply_registers(frame: bytes, tid: int, count: int, record: str = "CMCPA") -> list[int]:
    """The registers of an FC04 reply, after checking MBAP, function code and byte count.

    Raises DeviceProtocolError naming the field at fault (a Modbus exception reply included).
    """
    if len(frame) < 9:
        raise bad_frame(record, "frame", f"{len(frame)} bytes, shorter than any Modbus TCP reply", frame)
    got_tid, pid, length, _uid, function = struct.unpack_from(">HHHBB", frame)
    if pid != 0:
        raise bad_frame(record, "protocol_id", f"is {pid}, not 0", frame)
    if length != len(frame) - 6:
        raise bad_frame(record, "length", f"says {length} bytes follow, {len(frame) - 6} did", frame)
    if got_tid != tid:
        raise bad_frame(record, "transaction_id", f"is {got_tid}, the request had {tid}", frame)
    if function & 0x80:
        code = frame[8]
        name = EXCEPTIONS.get(code, "unknown exception")
        raise bad_frame(
            record, "exception", f"Modbus exception {code:#04x} ({name}) to FC {function & 0x7F:#04x}", frame
        )
    if function != READ_INPUT_REGISTERS:
        raise bad_frame(record, "function_code", f"is {function:#04x}, not 0x04", frame)
    if frame[8] != 2 * count or len(frame) != 9 + 2 * count:
        raise bad_frame(
            record, "byte_count", f"is {frame[8]} with {len(frame) - 9} data bytes, expected {2 * count}", frame
        )
    return list(struct.unpack_from(f">{count}H", frame, 9))


def decode_request(frame: bytes) -> Request | None:
    """A request as the panel reads it: ``tid 0000 len uid FC addr value``; None if it is not one.

    Any function code is returned (address and value 0 unless it is the 12-byte FC04/FC06 form) so that
    the emulator can answer "illegal function".
    """
    if len(frame) < 8 or frame_size(frame) != len(frame):
        return None
    tid, _pid, _length, unit_id, function = struct.unpack_from(">HHHBB", frame)
    if function not in (READ_INPUT_REGISTERS, WRITE_SINGLE_REGISTER):
        return Request(tid, unit_id, function, 0, 0)
    if len(frame) != 12:
        return None
    address, value = struct.unpack_from(">HH", frame, 8)
    return Request(tid, unit_id, function, address, value)


def hex_excerpt(data: bytes) -> str:
    """The first 64 bytes in hex, for error messages."""
    more = f" ... ({len(data)} bytes)" if len(data) > HEX_LIMIT else ""
    return data[:HEX_LIMIT].hex(" ") + more


def bad_frame(record: str, field: str, reason: str, frame: bytes) -> DeviceProtocolError:
    """The error for a frame refused at ``field``, with the frame's first bytes in hex."""
    return DeviceProtocolError(record, field, f"{reason}; frame {hex_excerpt(frame)}")
