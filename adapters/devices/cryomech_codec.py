"""Cryomech CPA compressor register map: register blocks ⇄ a typed status, and the status ⇄ Measurements.

Register block ("CPA2 float format", PDU addresses 1..53; 32-bit values word-swapped, CDAB)::

    addr  1 state | 2 running | 3-4 warnings (-sum, f32) | 5-6 alarms (-sum, f32) | 7-14 coolant in/out, oil,
    helium (f32) | 15-24 low P, low P avg, high P, high P avg, delta P avg (f32) | 25-26 motor current |
    27-28 hours | 29 pressure scale | 30 temperature scale | 31 serial | 32 model major.minor (2 x u8) |
    33 software major.minor (2 x u8) | "CPA3" block when 55 registers: 35 (high byte) software patch,
    40-49 the ten analogue values x10 (int16), 50-51 hours x10, 52-53 warnings, 54-55 alarms (u32, CDAB)

The Modbus TCP frames that carry the block are built and checked in ``cryomech_frames``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from ricochetdb.adapters.devices.cryomech_frames import CPA2_COUNT, bad_frame, reply_registers
from ricochetdb.adapters.devices.cryomech_names import (
    PRESSURE_UNITS,
    TEMPERATURE_UNITS,
    flag_names,
    model_name,
    state_name,
)
from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply, FieldError
from ricochetdb.domain.readings import Measurement

CPA3_COUNT = 55
CPA3_SOFTWARE = 3  # the first software major version that serves the CPA3 integer block
FLOAT32_MAX = 3.4028234663852886e38

TEMPERATURES = ("coolant_in_temperature", "coolant_out_temperature", "oil_temperature", "helium_temperature")
PRESSURES = ("low_pressure", "low_pressure_average", "high_pressure", "high_pressure_average", "delta_pressure_average")
ANALOGUE = (*TEMPERATURES, *PRESSURES, "motor_current")  # float block order, addresses 7..26


@dataclass(frozen=True)
class Cpa3Block:
    """The integer block of a CPA3 panel (55 registers): values x10, exact warning and alarm bit sums."""

    software_patch: int
    coolant_in_temperature: float
    coolant_out_temperature: float
    oil_temperature: float
    helium_temperature: float
    low_pressure: float
    low_pressure_average: float
    high_pressure: float
    high_pressure_average: float
    delta_pressure_average: float
    motor_current: float
    operating_hours: float
    warnings: int
    alarms: int


@dataclass(frozen=True)
class CompressorStatus:
    """One decoded register block; names and units derived from codes are properties."""

    operating_state: int
    compressor_running: bool
    warnings: int
    alarms: int
    coolant_in_temperature: float
    coolant_out_temperature: float
    oil_temperature: float
    helium_temperature: float
    low_pressure: float
    low_pressure_average: float
    high_pressure: float
    high_pressure_average: float
    delta_pressure_average: float
    motor_current: float
    operating_hours: float
    pressure_scale: int
    temperature_scale: int
    panel_serial: int
    model_major: int
    model_minor: int
    software_major: int
    software_minor: int
    cpa3: Cpa3Block | None = None

    @property
    def operating_state_name(self) -> str:
        """``running``, ``idling``... (see STATES)."""
        return state_name(self.operating_state)

    @property
    def pressure_unit(self) -> str:
        """psi, bar or kPa; "" for an undocumented scale code."""
        return PRESSURE_UNITS.get(self.pressure_scale, "")

    @property
    def temperature_unit(self) -> str:
        """F, C or K; "" for an undocumented scale code."""
        return TEMPERATURE_UNITS.get(self.temperature_scale, "")

    @property
    def model_code(self) -> int:
        """Register 32 as the panel sends it: major << 8 | minor."""
        return self.model_major << 8 | self.model_minor

    @property
    def model(self) -> str:
        """The model name, e.g. CPA1114."""
        return model_name(self.model_code)

    @property
    def cpa3_in_force(self) -> bool:
        """Whether the CPA3 integer block means anything: read (55 registers) from a panel of software 3 or later.

        A CPA2 panel read with 55 registers serves zeros there (as on the public real-panel capture).
        """
        return self.cpa3 is not None and self.software_major >= CPA3_SOFTWARE

    @property
    def software_revision(self) -> str:
        """major.minor, with .patch from a CPA3 block in force."""
        patch = f".{self.cpa3.software_patch}" if self.cpa3 is not None and self.cpa3_in_force else ""
        return f"{self.software_major}.{self.software_minor}{patch}"

    @property
    def exact_warnings(self) -> int:
        """The CPA3 integer sum if in force and agreeing with the float block (exact above 2**24), else the float's."""
        return self._ruling("warnings")

    @property
    def exact_alarms(self) -> int:
        """Like ``exact_warnings``."""
        return self._ruling("alarms")

    def _ruling(self, name: str) -> int:
        from_float: int = getattr(self, name)
        if self.cpa3 is None or not self.cpa3_in_force:
            return from_float
        from_block: int = getattr(self.cpa3, name)
        return from_block if _as_float32(from_block) == from_float else from_float


def block_mismatches(status: CompressorStatus) -> list[FieldError]:
    """Where the CPA3 integer block and the float block disagree on warnings or alarms (the float block rules)."""
    if status.cpa3 is None:
        return []
    software = f"{status.software_major}.{status.software_minor}"
    why = "" if status.cpa3_in_force else f" (software {software} has no CPA3 block: read 53 registers)"
    errors = []
    for name in ("warnings", "alarms"):
        from_float, from_block = getattr(status, name), getattr(status.cpa3, name)
        if _as_float32(from_block) != from_float:
            reason = f"CPA3 integer block says {from_block}, float block {from_float}: the float block is kept{why}"
            errors.append(FieldError(name, reason))
    return errors


def reply(status: CompressorStatus) -> DeviceReply:
    """A decoded status as a device reply: every label, and the blocks' disagreements as field errors."""
    return DeviceReply(measurements(status), block_mismatches(status))


def decode_reply(frame: bytes, tid: int, count: int = CPA2_COUNT, record: str = "CMCPA") -> CompressorStatus:
    """Check one FC04 reply frame to request ``tid`` and decode its ``count`` registers."""
    return decode_registers(reply_registers(frame, tid, count, record), record)


def decode_any_reply(frame: bytes, record: str = "CMCPA") -> CompressorStatus:
    """An FC04 reply of either block size (53 or 55 registers), whatever its transaction id."""
    if len(frame) < 9:
        raise bad_frame(record, "frame", f"{len(frame)} bytes, shorter than any Modbus TCP reply", frame)
    count = CPA3_COUNT if frame[8] == 2 * CPA3_COUNT else CPA2_COUNT
    return decode_reply(frame, struct.unpack_from(">H", frame)[0], count, record)


def decode_registers(registers: Sequence[int], record: str = "CMCPA") -> CompressorStatus:
    """The status held by a 53- (CPA2) or 55-register (CPA3) block read from address 1."""
    if len(registers) not in (CPA2_COUNT, CPA3_COUNT):
        raise DeviceProtocolError(record, "registers", f"{len(registers)} registers, expected 53 or 55")
    reg = [0, *registers]  # reg[n] is PDU address n

    def f32(address: int) -> float:
        return _float32(reg[address], reg[address + 1])

    def tenths(address: int) -> float:
        return _int16(reg[address]) / 10

    cpa3 = None
    if len(registers) == CPA3_COUNT:
        cpa3 = Cpa3Block(
            software_patch=reg[35] >> 8,
            coolant_in_temperature=tenths(40),
            coolant_out_temperature=tenths(41),
            oil_temperature=tenths(42),
            helium_temperature=tenths(43),
            low_pressure=tenths(44),
            low_pressure_average=tenths(45),
            high_pressure=tenths(46),
            high_pressure_average=tenths(47),
            delta_pressure_average=tenths(48),
            motor_current=tenths(49),
            operating_hours=_uint32(reg[50], reg[51]) / 10,
            warnings=_uint32(reg[52], reg[53]),
            alarms=_uint32(reg[54], reg[55]),
        )
    return CompressorStatus(
        operating_state=reg[1],
        compressor_running=reg[2] != 0,
        warnings=_bit_sum(reg[3], reg[4], "warnings", record),
        alarms=_bit_sum(reg[5], reg[6], "alarms", record),
        coolant_in_temperature=f32(7),
        coolant_out_temperature=f32(9),
        oil_temperature=f32(11),
        helium_temperature=f32(13),
        low_pressure=f32(15),
        low_pressure_average=f32(17),
        high_pressure=f32(19),
        high_pressure_average=f32(21),
        delta_pressure_average=f32(23),
        motor_current=f32(25),
        operating_hours=f32(27),
        pressure_scale=reg[29] & 0xFF,
        temperature_scale=reg[30] & 0xFF,
        panel_serial=reg[31],
        model_major=reg[32] >> 8,
        model_minor=reg[32] & 0xFF,
        software_major=reg[33] >> 8,
        software_minor=reg[33] & 0xFF,
        cpa3=cpa3,
    )


def encode_registers(status: CompressorStatus) -> list[int]:
    """The register block (55 with a CPA3 block, else 53) a panel in ``status`` serves from address 1."""
    reg = [0] * (CPA3_COUNT + 1)
    reg[1], reg[2] = status.operating_state, int(status.compressor_running)
    values = [
        -float(status.warnings),
        -float(status.alarms),
        *(getattr(status, name) for name in ANALOGUE),
        status.operating_hours,
    ]
    for address, value in zip(range(3, 29, 2), values, strict=True):
        reg[address], reg[address + 1] = _words32(struct.pack(">f", value))
    reg[29], reg[30], reg[31] = status.pressure_scale, status.temperature_scale, status.panel_serial
    reg[32] = status.model_major << 8 | status.model_minor
    reg[33] = status.software_major << 8 | status.software_minor
    if status.cpa3 is None:
        return reg[1 : CPA2_COUNT + 1]
    block = status.cpa3
    reg[35] = block.software_patch << 8
    for address, name in enumerate(ANALOGUE, start=40):
        reg[address] = round(getattr(block, name) * 10) & 0xFFFF
    reg[50], reg[51] = _words32(struct.pack(">I", round(block.operating_hours * 10)))
    reg[52], reg[53] = _words32(struct.pack(">I", block.warnings))
    reg[54], reg[55] = _words32(struct.pack(">I", block.alarms))
    return reg[1:]


def measurements(status: CompressorStatus) -> list[Measurement]:
    """Every stored label of a status, with its unit (the scales decide pressure and temperature units)."""
    units = {
        **dict.fromkeys(TEMPERATURES, status.temperature_unit),
        **dict.fromkeys(PRESSURES, status.pressure_unit),
        "motor_current": "A",
        "operating_hours": "h",
    }
    warnings, alarms = status.exact_warnings, status.exact_alarms
    return [
        Measurement("operating_state", status.operating_state),
        Measurement("operating_state_name", status.operating_state_name),
        Measurement("compressor_running", status.compressor_running),
        Measurement("warnings", warnings),
        Measurement("warning_flags", ",".join(flag_names(warnings))),
        Measurement("alarms", alarms),
        Measurement("alarm_flags", ",".join(flag_names(alarms))),
        *(Measurement(name, getattr(status, name), unit) for name, unit in units.items()),
        Measurement("pressure_scale", status.pressure_scale),
        Measurement("temperature_scale", status.temperature_scale),
        Measurement("panel_serial", status.panel_serial),
        Measurement("model_code", status.model_code),
        Measurement("model", status.model),
        Measurement("software_revision", status.software_revision),
    ]


def _words32(packed: bytes) -> tuple[int, int]:
    high, low = struct.unpack(">HH", packed)
    return low, high  # CDAB: the low word sits at the lower address


def _float32(low: int, high: int) -> float:
    value: float = struct.unpack(">f", struct.pack(">HH", high, low))[0]
    if not math.isfinite(value):
        return value
    exact = struct.pack(">f", value)
    for digits in range(6, 10):  # the shortest decimal that is the same float32: 65.2, not 65.19999694824219
        short = float(f"{value:.{digits}g}")
        if abs(short) <= FLOAT32_MAX and struct.pack(">f", short) == exact:
            return short
    return value


def _as_float32(value: int) -> float:
    """``value`` as the float block holds it (float32 rounds bit sums above 2**24)."""
    rounded: float = struct.unpack(">f", struct.pack(">f", float(value)))[0]
    return rounded


def _uint32(low: int, high: int) -> int:
    return high << 16 | low


def _int16(word: int) -> int:
    return word - 0x10000 if word & 0x8000 else word


def _bit_sum(low: int, high: int, field: str, record: str) -> int:
    """Warnings and alarms are minus the bit sum as a float; -0.0 is "none" (seen on a real panel).

    Read from the exact float32 (not its shortest decimal, which is 1073741800 for 2**30).
    """
    value: float = struct.unpack(">f", struct.pack(">HH", high, low))[0]
    if not math.isfinite(value) or abs(value) >= 2**32:
        raise DeviceProtocolError(record, field, f"{value!r} is not a bit sum")
    return round(abs(value))
