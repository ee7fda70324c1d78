"""Cryomech CPA compressor emulator: a CPA3 panel (CPA1114) answering Modbus TCP FC04/FC06 with drifting values."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any, Unpack

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices import cryomech_frames as frames
from ricochetdb.adapters.emulators.base import EmulatorOptions, TcpEmulator, drift

MAX_READ = 125
ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE = 1, 2, 3


class SimulatedCompressor:
    """A plausible compressor in psi and °F: ~219 psi static at rest, ~80/290 psi and ~110 °F helium running."""

    def __init__(self, clock: Callable[[], float], running: bool = True) -> None:
        self.clock = clock
        self.running = running
        self._since = clock()
        self._hours = 12345.6

    def set_running(self, running: bool) -> None:
        """Start or stop; running time adds to the hour counter."""
        now = self.clock()
        if self.running:
            self._hours += (now - self._since) / 3600
        self.running, self._since = running, now

    def status(self) -> codec.CompressorStatus:
        """What the panel shows now (a CPA3 panel: the 55-register block)."""
        t, on = self.clock(), self.running
        hours = self._hours + ((t - self._since) / 3600 if on else 0.0)
        coolant_in = drift(65.0, 0.5, 900, t, 0.05)
        static = drift(219.0, 0.3, 3600, t, 0.05)
        low_avg, high_avg = (drift(80.0, 1.0, 300, t), drift(290.0, 2.0, 300, t)) if on else (static, static)
        analogue = {
            "coolant_in_temperature": coolant_in,
            "coolant_out_temperature": drift(82.0, 1.0, 900, t, 0.05) if on else coolant_in + 0.4,
            "oil_temperature": drift(100.0, 1.5, 1200, t, 0.1) if on else coolant_in + 1.0,
            "helium_temperature": drift(110.0, 2.0, 1200, t, 0.1) if on else coolant_in + 1.2,
            "low_pressure": low_avg + random.gauss(0.0, 0.3),
            "low_pressure_average": low_avg,
            "high_pressure": high_avg + random.gauss(0.0, 0.5),
            "high_pressure_average": high_avg,
            "delta_pressure_average": high_avg - low_avg,
            "motor_current": drift(11.5, 0.3, 600, t, 0.05) if on else 0.0,
        }
        tenths = {name: round(value, 1) for name, value in analogue.items()}
        cpa3 = codec.Cpa3Block(software_patch=4, **tenths, operating_hours=round(hours, 1), warnings=0, alarms=0)
        return codec.CompressorStatus(
            operating_state=3 if on else 0,
            compressor_running=on,
            warnings=0,
            alarms=0,
            **analogue,
            operating_hours=hours,
            pressure_scale=0,
            temperature_scale=0,
            panel_serial=4242,
            model_major=4,
            model_minor=24,
            software_major=3,
            software_minor=1,
            cpa3=cpa3,
        )


class CryomechEmulator(TcpEmulator):
    """FC04 on addresses 1..55 (else exception 02), FC06 at address 1 (1 starts, anything else stops)."""

    device_type = "CMCPA"

    def __init__(self, **common: Unpack[EmulatorOptions]) -> None:
        super().__init__(**common)
        self.compressor = SimulatedCompressor(self.clock)

    def device_options(self) -> dict[str, Any]:
        """What a reader needs to poll this emulator."""
        return {"port": self.port}

    def split(self, buffer: bytes) -> tuple[bytes, bytes] | None:
        """MBAP framing: 6 + length bytes; bytes that cannot start a frame are dropped whole."""
        if len(buffer) < 6:
            return None
        size = frames.frame_size(buffer)
        if size is None:
            return buffer, b""
        return (buffer[:size], buffer[size:]) if len(buffer) >= size else None

    def respond(self, request: bytes) -> bytes | None:
        """The panel's answer; unit ids are all accepted and the transaction id is echoed."""
        req = frames.decode_request(request)
        if req is None:
            return None
        reply: bytes
        if req.function == frames.READ_INPUT_REGISTERS:
            if not 1 <= req.value <= MAX_READ:
                reply = frames.exception_reply(req.tid, req.unit_id, req.function, ILLEGAL_VALUE)
            elif req.address < frames.FIRST_ADDRESS or req.address + req.value - 1 > codec.CPA3_COUNT:
                reply = frames.exception_reply(req.tid, req.unit_id, req.function, ILLEGAL_ADDRESS)
            else:
                block = codec.encode_registers(self.compressor.status())
                first = req.address - frames.FIRST_ADDRESS
                reply = frames.read_reply(req.tid, req.unit_id, block[first : first + req.value])
        elif req.function == frames.WRITE_SINGLE_REGISTER:
            if req.address == frames.FIRST_ADDRESS:
                self.compressor.set_running(req.value == frames.START)
                reply = request
            else:
                reply = frames.exception_reply(req.tid, req.unit_id, req.function, ILLEGAL_ADDRESS)
        else:
            reply = frames.exception_reply(req.tid, req.unit_id, req.function, ILLEGAL_FUNCTION)
        return reply
