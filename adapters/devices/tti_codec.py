"""Aim-TTi CPX200DP text protocol: query lines, tolerant reply grammar and reply formats (pure, no I/O).

Requests are ASCII lines ended by LF; several commands share a line separated by ``;``.
Each reply ends with its own CR LF, also within a ``;`` group (the CPX400D manual: "each
response is terminated by" CR LF); replies ``;``-separated on one line are tolerated too::

    request  V1?;I1?;V1O?;I1O?;OP1?<LF>
    reply    V1 12.00<CR><LF>I1 0.500<CR><LF>12.001V<CR><LF>0.498A<CR><LF>1<CR><LF>

Reply grammar (protocols.md 3.2/3.3; the voltage setpoint has two decimals, as issue 9 reports
from the manual; the other decimals are ASSUMED)::

    V<N>? / I<N>?      ->  V1 1.35 / I1 0.100          ^(V|I)[12] <float>$
    V<N>O? / I<N>O?    ->  -0.006V / 0.000A            ^<float>(V|A)$
    OVP<N>? / OCP<N>?  ->  VP1 4.000 / CP1 OFF / 4.000 ^((VP|CP)[12] )?(<float>|OFF)$
    OP<N>?             ->  1 / 0                       ^[01]$

A reply unit that breaks its grammar is a field error of its label (the other units are kept);
a reply with the wrong number of units is a DeviceProtocolError whose record is the bare device
type, renamed by the reader after the device it polled.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply, FieldError
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


# per output, in poll order: label suffix, unit, parser of the reply unit
_POLL_FIELDS: tuple[tuple[str, str, Callable[[str, int], float | bool]], ...] = (
    ("voltage_set", "V", lambda text, n: parse_setpoint(text, "V", n)),
    ("current_set", "A", lambda text, n: parse_setpoint(text, "I", n)),
    ("voltage_measured", "V", lambda text, _n: parse_readback(text, "V")),
    ("current_measured", "A", lambda text, _n: parse_readback(text, "A")),
    ("on", "", parse_output_state),
)


def decode_poll(units: Sequence[str], outputs: Sequence[int] = OUTPUTS) -> DeviceReply:
    """The reply of one poll from the units answering :func:`poll_queries`, in order; a bad unit is a field error."""
    if len(units) != 5 * len(outputs):
        raise _fail("", f"expected {5 * len(outputs)} reply units, got {len(units)}")
    measurements: list[Measurement] = []
    errors: list[FieldError] = []
    for index, n in enumerate(outputs):
        for (name, unit, parse), text in zip(_POLL_FIELDS, units[5 * index : 5 * index + 5], strict=True):
            try:
                measurements.append(Measurement(f"out{n}_{name}", parse(text, n), unit))
            except DeviceProtocolError as error:
                errors.append(FieldError(f"out{n}_{name}", f"{error.field}: {error.reason}"))
    return DeviceReply(measurements, errors)


def format_setpoint(kind: str, output: int, value: float) -> str:
    """``("V", 1, 1.35)`` -> ``"V1 1.35"``, ``("I", 1, 0.1)`` -> ``"I1 0.100"`` (the device's NR2 forms)."""
    return f"{kind}{output} {value:.2f}" if kind == "V" else f"{kind}{output} {value:.3f}"


def format_readback(value: float, unit: str) -> str:
    """``(-0.006, "V")`` -> ``"-0.006V"``."""
    return f"{value:.3f}{unit}"


def format_trip(kind: str, output: int, value: float | None) -> str:
    """``("VP", 1, 4.0)`` -> ``"VP1 4.000"``; ``None`` -> ``"VP1 OFF"``."""
    return f"{kind}{output} OFF" if value is None else f"{kind}{output} {value:.3f}"


def format_reply(units: Sequence[str]) -> bytes:
    """Reply units each ended by its own CR LF, as the device sends the replies to a ``;`` group."""
    return "".join(unit + "\r\n" for unit in units).encode("ascii")
