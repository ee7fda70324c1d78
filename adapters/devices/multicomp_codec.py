"""Multicomp Pro MP710508 UDP protocol: queries, bare-float replies and the binary STATUS byte (pure, no I/O).

One ASCII command per datagram, ended by LF; one reply datagram per query (protocols.md 4)::

    VSET<n>? / ISET<n>?   ->  12.000            set voltage (V) / current limit (A), n = 1..4
    VOUT<n>? / IOUT<n>?   ->  11.998            measured voltage (V) / current (A)
    *IDN?                 ->  MP710508 V1.1 SN:00002338
    STATUS?               ->  ONE BINARY BYTE, never text:

        bit   7    6    5    4    3    2    1    0
            +----+----+----+----+----+----+----+----+
            |on4 |on3 |on2 |on1 |cv4 |cv3 |cv2 |cv1 |   on = output enabled, cv = 1 CV / 0 CC
            +----+----+----+----+----+----+----+----+

Float replies may carry spaces, CR, LF or NUL padding (decimals and terminator ASSUMED);
the STATUS byte may be followed by LF or CR LF, which is never stripped from the byte
itself (0x0A and 0x0D are valid states). Errors name the bare device type; the reader
renames them after the device it polled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "MP710508"
DEFAULT_PORT = 18190
CHANNELS = (1, 2, 3, 4)
STATUS_QUERY = b"STATUS?\n"
CHANNEL_QUERIES = ("VSET", "ISET", "VOUT", "IOUT")

_FLOAT = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_PADDING = b" \t\r\n\0"


@dataclass(frozen=True)
class ChannelStatus:
    """One channel's bits of the STATUS byte."""

    cv: bool
    output: bool


def channel_query(name: str, channel: int) -> bytes:
    """``("VOUT", 3)`` -> ``b"VOUT3?\\n"``."""
    if name not in CHANNEL_QUERIES or channel not in CHANNELS:
        raise ValueError(f"no query {name}{channel}?")
    return f"{name}{channel}?\n".encode("ascii")


def parse_float(reply: bytes, field: str) -> float:
    """``b"12.000"`` (or ``b" 12.000\\r\\n"``) -> 12.0; anything else is a DeviceProtocolError."""
    text = reply.strip(_PADDING)
    if _FLOAT.fullmatch(text) is None:
        raise DeviceProtocolError(DEVICE_TYPE, field, f"expected a number, got {reply[:80]!r}")
    value = float(text)
    if not math.isfinite(value):
        raise DeviceProtocolError(DEVICE_TYPE, field, f"value {reply[:80]!r} is not finite")
    return value


def format_float(value: float) -> bytes:
    """12.0 -> ``b"12.000"``: the reply form the emulator sends."""
    return f"{value:.3f}".encode("ascii")


def decode_status(reply: bytes) -> tuple[ChannelStatus, ...]:
    """The STATUS byte -> four ChannelStatus, channel 1 first: bit n-1 is CV, bit n+3 is output on."""
    if len(reply) == 0 or reply[1:] not in (b"", b"\n", b"\r\n"):
        raise DeviceProtocolError(DEVICE_TYPE, "STATUS?", f"expected one status byte, got {reply[:80]!r}")
    byte = reply[0]
    return tuple(ChannelStatus(cv=bool(byte >> (n - 1) & 1), output=bool(byte >> (n + 3) & 1)) for n in CHANNELS)


def encode_status(statuses: Sequence[ChannelStatus]) -> bytes:
    """Four ChannelStatus -> the STATUS byte (inverse of :func:`decode_status`)."""
    byte = 0
    for n, status in zip(CHANNELS, statuses, strict=True):
        byte |= status.cv << (n - 1) | status.output << (n + 3)
    return bytes([byte])


def channel_measurements(channel: int, values: Sequence[float], status: ChannelStatus) -> list[Measurement]:
    """The labelled measurements of one channel from its CHANNEL_QUERIES replies and status bits."""
    voltage_set, current_set, voltage_measured, current_measured = values
    return [
        Measurement(f"ch{channel}_voltage_set", voltage_set, "V"),
        Measurement(f"ch{channel}_current_set", current_set, "A"),
        Measurement(f"ch{channel}_voltage_measured", voltage_measured, "V"),
        Measurement(f"ch{channel}_current_measured", current_measured, "A"),
        Measurement(f"ch{channel}_cv", status.cv, ""),
        Measurement(f"ch{channel}_on", status.output, ""),
    ]
