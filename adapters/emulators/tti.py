"""Aim-TTi CPX200DP emulator: two outputs on TCP, ``;`` groups, silent set commands, CR LF replies."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Unpack

from ricochetdb.adapters.devices.tti_codec import (
    DEVICE_TYPE,
    format_readback,
    format_reply,
    format_setpoint,
    format_trip,
)
from ricochetdb.adapters.emulators.base import EmulatorOptions, TcpEmulator, drift

logger = logging.getLogger(__name__)

IDN = "THURLBY THANDAR, CPX200DP, 123456, 1.00-1.00-1.00"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?"
_SET = re.compile(rf"(V|I)([12])V?\s+({_NUMBER})", re.ASCII)
_SET_TRIP = re.compile(rf"O(V|C)P([12])\s+({_NUMBER}|OFF)", re.ASCII)
_SET_OUTPUT = re.compile(r"OP([12]|ALL)\s+([01])", re.ASCII)
_QUERY = re.compile(r"(V|I)([12])(O?)\?|OP([12])\?|O(V|C)P([12])\?", re.ASCII)


@dataclass
class Output:
    """The settings of one output and the resistive load wired to it."""

    voltage: float
    current: float
    on: bool
    load_ohms: float
    ovp: float | None = None
    ocp: float | None = None


class CpxEmulator(TcpEmulator):
    """A CPX200DP: output 1 drives a 10 ohm load in constant voltage, output 2 is off.

    Measured values follow the setpoints into the load (constant current when V/R exceeds
    the current limit) with a slow drift; an output that is off reads a few millivolts.
    """

    device_type = DEVICE_TYPE

    def __init__(self, *, noise: float = 0.0005, **common: Unpack[EmulatorOptions]) -> None:
        super().__init__(**common)
        self.noise = noise
        self.outputs = {
            1: Output(voltage=12.0, current=1.5, on=True, load_ohms=10.0, ovp=20.0, ocp=3.0),
            2: Output(voltage=5.0, current=0.2, on=False, load_ohms=4.7),
        }
        self._lock = threading.Lock()

    def device_options(self) -> dict[str, Any]:
        """What a reader needs to poll this emulator."""
        return {"port": self.port}

    def measured(self, n: int) -> tuple[float, float]:
        """(volts, amps) at output ``n`` now."""
        output, now = self.outputs[n], self.clock()
        if not output.on:
            return drift(0.0, 0.003, 97.0, now, self.noise), 0.0
        volts, amps = output.voltage, output.voltage / output.load_ohms
        if amps > output.current:
            volts, amps = output.current * output.load_ohms, output.current
        return drift(volts, 0.001 * volts, 300.0, now, self.noise), drift(amps, 0.001 * amps, 300.0, now, self.noise)

    def respond(self, request: bytes) -> bytes | None:
        """Answer every query of a ``;`` group in one CR LF line; set commands say nothing."""
        with self._lock:
            replies = [self._command(part.strip().upper()) for part in request.decode("ascii", "replace").split(";")]
        units = [reply for reply in replies if reply is not None]
        return format_reply(units) if units else None

    def _command(self, command: str) -> str | None:
        if command == "*IDN?":
            return IDN
        if (query := _QUERY.fullmatch(command)) is not None:
            return self._query(query)
        if (match := _SET.fullmatch(command)) is not None:
            output = self.outputs[int(match[2])]
            if match[1] == "V":
                output.voltage = float(match[3])
            else:
                output.current = float(match[3])
        elif (match := _SET_TRIP.fullmatch(command)) is not None:
            level = None if match[3] == "OFF" else float(match[3])
            setattr(self.outputs[int(match[2])], "ovp" if match[1] == "V" else "ocp", level)
        elif (match := _SET_OUTPUT.fullmatch(command)) is not None:
            for n in (1, 2) if match[1] == "ALL" else (int(match[1]),):
                self.outputs[n].on = match[2] == "1"
        elif command:
            logger.debug("CPX200 emulator ignores %r", command)
        return None

    def _query(self, query: re.Match[str]) -> str:
        if query[1] is not None:
            n = int(query[2])
            if query[3]:
                volts, amps = self.measured(n)
                return format_readback(volts, "V") if query[1] == "V" else format_readback(amps, "A")
            output = self.outputs[n]
            return format_setpoint(query[1], n, output.voltage if query[1] == "V" else output.current)
        if query[4] is not None:
            return "1" if self.outputs[int(query[4])].on else "0"
        output = self.outputs[int(query[6])]
        return format_trip(f"{query[5]}P", int(query[6]), output.ovp if query[5] == "V" else output.ocp)
