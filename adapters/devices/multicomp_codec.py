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
itself (0x0A and 0x0D are valid states). Any other bytes after it are reported as a field
error and the first byte is still decoded: the four channels' values are kept. A reply that
is not a number is a field error of its label.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply, FieldError
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


def decode_status(reply: bytes) -> tuple[tuple[ChannelStatus, ...], bytes]:
    """The STATUS byte -> four ChannelStatus, channel 1 first (bit n-1 is CV, bit n+3 is output on).

    Also returns what followed the byte other than a LF or CR LF terminator (b"" normally).
    """
    if not reply:
        raise DeviceProtocolError(DEVICE_TYPE, "STATUS?", "empty reply, expected one status byte")
    byte, rest = reply[0], reply[1:]
    extra = b"" if rest in (b"", b"\n", b"\r\n") else rest
    return tuple(ChannelStatus(cv=bool(byte >> (n - 1) & 1), output=bool(byte >> (n + 3) & 1)) for n in CHANNELS), extra


def encode_status(statuses: Sequence[ChannelStatus]) -> bytes:
    """Four ChannelStatus -> the STATUS byte (inverse of :func:`decode_status`'s first part)."""
    byte = 0
    for n, status in zip(CHANNELS, statuses, strict=True):
        byte |= status.cv << (n - 1) | status.output << (n + 3)
    return bytes([byte])


# query -> (label suffix, unit)
QUANTITIES = {
    "VSET": ("voltage_set", "V"),
    "ISET": ("current_set", "A"),
    "VOUT": ("voltage_measured", "V"),
    "IOUT": ("current_measured", "A"),
}


def decode_poll(status_reply: bytes, replies: Sequence[bytes]) -> DeviceReply:
    """One poll: the STATUS reply, then the CHANNEL_QUERIES replies of channels 1..4 in order.

    Per channel: set V, set I, measured V, measured I, CV flag, output flag. A reply that is no
    number, or bytes after the status byte, are field errors; everything else is kept. Any byte is
    a valid STATUS, so it cannot be checked: when no number of the poll is good either (a device
    answering garbage), the reply holds nothing and the read fails.
    """
    if len(replies) != len(CHANNELS) * len(CHANNEL_QUERIES):
        raise DeviceProtocolError(DEVICE_TYPE, "", f"{len(replies)} replies to {4 * len(CHANNEL_QUERIES)} queries")
    errors: list[FieldError] = []
    statuses: tuple[ChannelStatus, ...] | None = None
    try:
        statuses, extra = decode_status(status_reply)
        if extra:
            errors.append(FieldError("STATUS?", f"{len(extra)} byte(s) after the status byte ignored: {extra[:40]!r}"))
    except DeviceProtocolError as error:
        errors.append(FieldError(error.field, error.reason))
    answers = iter(replies)
    measurements: list[Measurement] = []
    numbers = 0
    for channel in CHANNELS:
        for query in CHANNEL_QUERIES:
            quantity, unit = QUANTITIES[query]
            label = f"ch{channel}_{quantity}"
            try:
                measurements.append(Measurement(label, parse_float(next(answers), f"{query}{channel}?"), unit))
                numbers += 1
            except DeviceProtocolError as error:
                errors.append(FieldError(label, f"{error.field}: {error.reason}"))
        if statuses is not None:
            status = statuses[channel - 1]
            measurements += [Measurement(f"ch{channel}_cv", status.cv), Measurement(f"ch{channel}_on", status.output)]
    return DeviceReply(measurements if numbers else [], errors)
