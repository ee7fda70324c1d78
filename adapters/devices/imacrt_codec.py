"""iMACRT MMR3/MGC3 UDP text protocol: port rule, parameter index tables, commands and replies (pure, no I/O).

One parameter per datagram, ASCII, no request id (protocols.md 2.1-2.4)::

    client:54321 ──>  module:12000+octet   MMR3GET 5<LF>           read parameter 5
    client:12000 <──  module               4.012345E+00<CR><LF>    one number (terminator optional)
    client:54321 ──>  module:12000+octet   MGC3SET 2 0.1<LF>       write parameter 2, no reply

The module listens on UDP port ``12000 + last octet`` of its IPv4 address and answers to
UDP port 12000 of the requesting host. Index tables (fluidlab, PyMeso, qubichw)::

    MMR3 channel c = 1..3: base b = 3 + 11*(c-1)   b+0 R (Ohm)  b+1 range  b+2 T (K)  b+3 status
                                                   b+9 excitation current (A)
    MGC3 loop p = 0..2:    base b = 1 + 12*p       b+0 on  b+1 setpoint (K)  b+2 T (K)  b+8 power (W)
                                                   b+9 status  b+11 measurement channel

Reply grammar [ASSUMED, no manual is public]: optional whitespace, a Python ``float()``
number (``1e-05``, ``nan`` allowed), optional CR/LF. Anything else is a DeviceProtocolError.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.polls import DeviceReply, FieldError
from ricochetdb.domain.readings import Measurement

MODELS = ("MMR3", "MGC3")
BASE_PORT = 12000
REPLY_PORT = 12000
MMR3_CHANNELS = (1, 2, 3)
MMR3_STRIDE = 11
MGC3_LOOPS = (0, 1, 2)
MGC3_STRIDE = 12
MAX_COMMAND = 256

# (offset from the channel/loop base, label suffix, unit, integer code?)
_MMR3_FIELDS = (
    (0, "resistance", "Ohm", False),
    (1, "range", "", True),
    (2, "temperature", "K", False),
    (3, "status", "", True),
    (9, "current", "A", False),
)
_MGC3_FIELDS = (
    (0, "on", "", True),
    (1, "setpoint", "K", False),
    (2, "temperature", "K", False),
    (8, "power", "W", False),
    (9, "status", "", True),
    (11, "channel", "", True),
)


@dataclass(frozen=True)
class Parameter:
    """One polled parameter: where it lives in the index table and how it is stored."""

    label: str
    index: int
    unit: str
    integer: bool = False


@dataclass(frozen=True)
class Command:
    """A parsed request: ``verb`` is GET, SET or IDN; ``value`` is the SET argument."""

    model: str
    verb: str
    index: int | None = None
    value: str = ""


def port_for(host: str) -> int:
    """The module's UDP port: ``12000 + last octet`` of its IPv4 address (192.168.2.213 -> 12213)."""
    try:
        octet = ipaddress.IPv4Address(host).packed[-1]
    except ValueError:
        raise ValidationError(host, "port", "the iMACRT port rule needs an IPv4 address; give the port") from None
    return BASE_PORT + octet


def mmr3_index(channel: int, offset: int) -> int:
    """MMR3 parameter index of ``offset`` (0..10) on ``channel`` (1..3): ``3 + 11*(channel-1) + offset``."""
    if channel not in MMR3_CHANNELS or not 0 <= offset < MMR3_STRIDE:
        raise ValueError(f"MMR3 channel {channel} offset {offset} out of range")
    return 3 + MMR3_STRIDE * (channel - 1) + offset


def mgc3_index(loop: int, offset: int) -> int:
    """MGC3 parameter index of ``offset`` (0..11) on PID ``loop`` (0..2): ``1 + 12*loop + offset``."""
    if loop not in MGC3_LOOPS or not 0 <= offset < MGC3_STRIDE:
        raise ValueError(f"MGC3 loop {loop} offset {offset} out of range")
    return 1 + MGC3_STRIDE * loop + offset


def poll_parameters(model: str) -> tuple[Parameter, ...]:
    """What one poll reads: 5 parameters per MMR3 channel (15), 6 per MGC3 loop (18)."""
    if model == "MMR3":
        return tuple(
            Parameter(f"ch{c}_{name}", mmr3_index(c, offset), unit, integer)
            for c in MMR3_CHANNELS
            for offset, name, unit, integer in _MMR3_FIELDS
        )
    if model == "MGC3":
        return tuple(
            Parameter(f"pid{p}_{name}", mgc3_index(p, offset), unit, integer)
            for p in MGC3_LOOPS
            for offset, name, unit, integer in _MGC3_FIELDS
        )
    raise ValueError(f"unknown iMACRT model {model!r}")


def get_command(model: str, index: int) -> bytes:
    """``("MMR3", 5)`` -> ``b"MMR3GET 5\\n"``."""
    return f"{model}GET {index}\n".encode("ascii")


def set_command(model: str, index: int, value: float | str) -> bytes:
    """``("MGC3", 2, 0.1)`` -> ``b"MGC3SET 2 0.1\\n"`` (the module does not answer)."""
    return f"{model}SET {index} {value}\n".encode("ascii")


def parse_command(request: bytes) -> Command | None:
    """The emulator's side: ``MMR3GET 5``, ``MGC3SET 2 0.1``, ``*IDN?``; None for anything else."""
    if len(request) > MAX_COMMAND:
        return None
    words = request.decode("ascii", errors="replace").split()
    if not words:
        return None
    head = words[0].upper()
    if head in ("*IDN?", "*IDN") and len(words) == 1:
        return Command("", "IDN")
    model, verb = head[:4], head[4:]
    if model not in MODELS or verb not in ("GET", "SET") or len(words) < 2 or not words[1].isdigit():
        return None
    if verb == "GET" and len(words) == 2:
        return Command(model, verb, int(words[1]))
    if verb == "SET" and len(words) == 3:
        return Command(model, verb, int(words[1]), words[2])
    return None


def parse_number(reply: bytes, record: str = "iMACRT", field: str = "") -> float:
    """The number in one reply datagram; DeviceProtocolError (with the bytes) if there is none."""
    try:
        text = reply.decode("ascii")
    except UnicodeDecodeError:
        raise DeviceProtocolError(record, field, f"reply {reply[:64]!r} is not ASCII") from None
    try:
        return float(text.strip(" \t\r\n"))
    except ValueError:
        raise DeviceProtocolError(record, field, f"reply {reply[:64]!r} is not a number") from None


def decode(parameter: Parameter, reply: bytes, record: str, model: str) -> Measurement:
    """One GET reply as a Measurement; integral values of code parameters become ints."""
    number = parse_number(reply, record, f"{model}GET {parameter.index}")
    value: float | int = int(number) if parameter.integer and number.is_integer() else number
    return Measurement(parameter.label, value, parameter.unit)


def decode_poll(model: str, parameters: Sequence[Parameter], replies: Sequence[bytes]) -> DeviceReply:
    """The replies of one poll, one per parameter: a reply that is not a number is a field error of its label."""
    if len(replies) != len(parameters):
        raise DeviceProtocolError(model, "", f"{len(replies)} replies to {len(parameters)} requests")
    measurements: list[Measurement] = []
    errors: list[FieldError] = []
    for parameter, reply in zip(parameters, replies, strict=True):
        try:
            measurements.append(decode(parameter, reply, model, model))
        except DeviceProtocolError as error:
            errors.append(FieldError(parameter.label, f"{error.field}: {error.reason}"))
    return DeviceReply(measurements, errors)


def format_value(value: float | int | str) -> bytes:
    """The emulator's reply to a GET [ASSUMED format]: ``4.012345E+00\\r\\n``; text as is."""
    text = value if isinstance(value, str) else f"{float(value):.6E}"
    return (text + "\r\n").encode("ascii", errors="replace")
