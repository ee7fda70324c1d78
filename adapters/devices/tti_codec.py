"""Aim-TTi CPX200DP text protocol: query lines, tolerant reply grammar and reply formats (pure, no I/O).

Requests are ASCII lines ended by LF; several commands share a line separated by ``;``.
Replies end with CR LF; the replies to a ``;`` group come back ``;``-separated on one line
(IEEE 488.2 style) or, tolerated as well, one line each::

    request  V1?;I1?;V1O?;I1O?;OP1?<LF>
    reply    V1 12.000;I1 0.500;12.001V;0.498A;1<CR><LF>

Reply grammar (protocols.md 3.2/3.3; the exact decimals are ASSUMED)::

    V<N>? / I<N>?      ->  V1 1.350 / I1 0.100         ^(V|I)[12] <float>$
    V<N>O? / I<N>O?    ->  -0.006V / 0.000A            ^<float>(V|A)$
    OVP<N>? / OCP<N>?  ->  VP1 4.000 / CP1 OFF / 4.000 ^((VP|CP)[12] )?(<float>|OFF)$
    OP<N>?             ->  1 / 0                       ^[01]$

Every parse error is a DeviceProtocolError whose record is the bare device type; the reader
renames it after the device it polled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.readings import Measurement

DEVICE_TYPE = "CPX200"
DEFAULT_PORT = 9221
OUTPUTS = (1, 2)

_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SETPOINT = re.compile(rf"(V|I)([12])\s+({_NUMBER})", re.ASCII)
_READBACK = re.compile(rf"({_NUMBER})\s*(V|A)", re.ASCII)
_TRIP = re.compile(rf"(?:(VP|CP)([12])\s+)?({_NUMBER}|OFF)", re.IGNORECASE | re.ASCII)
_STATE = re.compile(r"[01]")
_SEPARATORS = re.compile(r"[;\r\n]")


def _fail(field: str, reason: str) -> DeviceProtocolError:
    return DeviceProtocolError(DEVICE_TYPE, field, reason)


def _number(text: str, field: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _fail(field, f"value {text!r} is not finite")
    return value


def poll_queries(outputs: Sequence[int] = OUTPUTS) -> list[str]:
    """The queries of one poll, per output: set V, set I, measured V, measured I, output state."""
    return [query for n in outputs for query in (f"V{n}?", f"I{n}?", f"V{n}O?", f"I{n}O?", f"OP{n}?")]


def command_line(commands: Sequence[str]) -> bytes:
    """``["V1?", "I1?"]`` -> ``b"V1?;I1?\\n"``: one LF-terminated request line."""
    return (";".join(command.strip() for command in commands) + "\n").encode("ascii")


def expected_replies(line: str) -> int:
    """How many reply units a command line asks for: one per ``;``-separated query (``?``)."""
    return sum(1 for command in line.split(";") if command.strip().endswith("?"))


def _units(text: str) -> list[str]:
    return [unit.strip() for unit in _SEPARATORS.split(text) if unit.strip()]


def _printable(reply: bytes) -> bool:
    return all(32 <= byte < 127 or byte in (9, 10, 13) for byte in reply)


def reply_complete(reply: bytes, expected: int) -> bool:
    """True once ``expected`` reply units ended by a line break have arrived.

    Also true as soon as a byte no CPX reply can hold arrives (control or non-ASCII
    byte), so nonsense is refused by :func:`split_reply` at once instead of timing out.
    """
    if expected == 0 or not _printable(reply):
        return True
    return reply.endswith(b"\n") and len(_units(reply.decode("ascii"))) >= expected


def split_reply(reply: bytes, expected: int) -> list[str]:
    """The ``expected`` reply units of one reply, CR LF and spaces stripped.

    ``b"V1 1.350;1.349V\\r\\n"`` -> ``["V1 1.350", "1.349V"]``; one line per unit is accepted too.
    """
    if not _printable(reply):
        raise _fail("", f"reply holds bytes outside printable ASCII: {reply[:80]!r}")
    units = _units(reply.decode("ascii"))
    if len(units) != expected:
        raise _fail("", f"expected {expected} reply unit(s), got {len(units)}: {reply[:200]!r}")
    return units


def parse_setpoint(text: str, kind: str, output: int) -> float:
    """``"V1 1.350"`` (kind "V", output 1) -> 1.35; ``"I2 0.100"`` (kind "I", output 2) -> 0.1."""
    match = _SETPOINT.fullmatch(text.strip())
    if match is None or match[1] != kind or int(match[2]) != output:
        raise _fail(f"{kind}{output}?", f"expected '{kind}{output} <number>', got {text!r}")
    return _number(match[3], f"{kind}{output}?")


def parse_readback(text: str, unit: str) -> float:
    """``"-0.006V"`` (unit "V") -> -0.006; ``"0.000A"`` (unit "A") -> 0.0."""
    match = _READBACK.fullmatch(text.strip())
    if match is None or match[2] != unit:
        raise _fail(f"readback {unit}", f"expected '<number>{unit}', got {text!r}")
    return _number(match[1], f"readback {unit}")


def parse_trip(text: str, kind: str, output: int) -> float | None:
    """OVP/OCP trip level: ``"VP1 4.000"`` or bare ``"4.000"`` -> 4.0; ``"CP1 OFF"`` -> None."""
    match = _TRIP.fullmatch(text.strip())
    if match is None or (match[1] is not None and (match[1].upper() != kind or int(match[2]) != output)):
        raise _fail(f"{kind}{output}", f"expected '[{kind}{output} ]<number>|OFF', got {text!r}")
    return None if match[3].upper() == "OFF" else _number(match[3], f"{kind}{output}")


def parse_output_state(text: str, output: int) -> bool:
    """``"1"`` -> True (output on), ``"0"`` -> False."""
    if _STATE.fullmatch(text.strip()) is None:
        raise _fail(f"OP{output}?", f"expected '0' or '1', got {text!r}")
    return text.strip() == "1"


def decode_poll(units: Sequence[str], outputs: Sequence[int] = OUTPUTS) -> list[Measurement]:
    """The measurements of one poll from the reply units to :func:`poll_queries`, in order."""
    if len(units) != 5 * len(outputs):
        raise _fail("", f"expected {5 * len(outputs)} reply units, got {len(units)}")
    measurements: list[Measurement] = []
    for index, n in enumerate(outputs):
        v_set, i_set, v_out, i_out, state = units[5 * index : 5 * index + 5]
        measurements += [
            Measurement(f"out{n}_voltage_set", parse_setpoint(v_set, "V", n), "V"),
            Measurement(f"out{n}_current_set", parse_setpoint(i_set, "I", n), "A"),
            Measurement(f"out{n}_voltage_measured", parse_readback(v_out, "V"), "V"),
            Measurement(f"out{n}_current_measured", parse_readback(i_out, "A"), "A"),
            Measurement(f"out{n}_on", parse_output_state(state, n), ""),
        ]
    return measurements


def format_setpoint(kind: str, output: int, value: float) -> str:
    """``("V", 1, 1.35)`` -> ``"V1 1.350"`` (the device's NR2 form)."""
    return f"{kind}{output} {value:.3f}"


def format_readback(value: float, unit: str) -> str:
    """``(-0.006, "V")`` -> ``"-0.006V"``."""
    return f"{value:.3f}{unit}"


def format_trip(kind: str, output: int, value: float | None) -> str:
    """``("VP", 1, 4.0)`` -> ``"VP1 4.000"``; ``None`` -> ``"VP1 OFF"``."""
    return f"{kind}{output} OFF" if value is None else f"{kind}{output} {value:.3f}"


def format_reply(units: Sequence[str]) -> bytes:
    """Reply units joined by ``;`` and ended by CR LF, as the device sends them."""
    return (";".join(units) + "\r\n").encode("ascii")
