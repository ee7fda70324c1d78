"""Multicomp Pro MP710508 emulator: four channels on UDP, bare-float replies, a binary STATUS byte."""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Unpack

from ricochetdb.adapters.devices.multicomp_codec import (
    DEVICE_TYPE,
    ChannelStatus,
    encode_status,
    format_float,
)
from ricochetdb.adapters.emulators.base import EmulatorOptions, UdpEmulator, drift

logger = logging.getLogger(__name__)

IDN = b"MP710508 V1.1 SN:00002338"
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?"
_QUERY = re.compile(r"(VSET|ISET|VOUT|IOUT)([1-4])\?", re.ASCII)
_SET = re.compile(rf"(VSET|ISET)([1-4]):({_NUMBER})", re.ASCII)
_OUTPUT = re.compile(r"OUT([1-4]+):([01])", re.ASCII)


@dataclass
class Channel:
    """The settings of one channel and the resistive load wired to it."""

    voltage: float
    current: float
    on: bool
    load_ohms: float

    @property
    def cv(self) -> bool:
        """Constant voltage unless the load would draw more than the current limit (off reads CV)."""
        return not self.on or self.voltage / self.load_ohms <= self.current


class Mp710508Emulator(UdpEmulator):
    """An MP710508 with a load on every channel: ch1 CV, ch2 current-limited (CC), ch3 and ch4 off."""

    device_type = DEVICE_TYPE

    def __init__(self, *, noise: float = 0.0005, **common: Unpack[EmulatorOptions]) -> None:
        super().__init__(**common)
        self.noise = noise
        self.channels = {
            1: Channel(voltage=5.0, current=1.0, on=True, load_ohms=10.0),
            2: Channel(voltage=12.0, current=0.5, on=True, load_ohms=10.0),
            3: Channel(voltage=3.3, current=2.0, on=False, load_ohms=100.0),
            4: Channel(voltage=0.0, current=0.1, on=False, load_ohms=1000.0),
        }
        self._lock = threading.Lock()

    def device_options(self) -> dict[str, Any]:
        """What a reader needs to poll this emulator (any local port: it answers the sender)."""
        return {"port": self.port, "local_port": 0}

    def status(self) -> bytes:
        """The STATUS byte as the device would send it now."""
        return encode_status([ChannelStatus(cv=c.cv, output=c.on) for c in self.channels.values()])

    def measured(self, n: int) -> tuple[float, float]:
        """(volts, amps) at channel ``n`` now."""
        channel, now = self.channels[n], self.clock()
        if not channel.on:
            return drift(0.0, 0.002, 89.0, now, self.noise), 0.0
        amps = channel.voltage / channel.load_ohms if channel.cv else channel.current
        volts = amps * channel.load_ohms
        return drift(volts, 0.001 * volts, 300.0, now, self.noise), drift(amps, 0.001 * amps, 300.0, now, self.noise)

    def respond(self, request: bytes) -> bytes | None:
        """The reply datagram to one command; set commands say nothing."""
        command = request.decode("ascii", "replace").strip().upper()
        with self._lock:
            if command == "*IDN?":
                return IDN
            if command == "STATUS?":
                return self.status()
            if (query := _QUERY.fullmatch(command)) is not None:
                return format_float(self._value(query[1], int(query[2])))
            if (match := _SET.fullmatch(command)) is not None:
                setattr(self.channels[int(match[2])], "voltage" if match[1] == "VSET" else "current", float(match[3]))
            elif (match := _OUTPUT.fullmatch(command)) is not None:
                for digit in match[1]:
                    self.channels[int(digit)].on = match[2] == "1"
            else:
                logger.debug("MP710508 emulator ignores %r", command)
        return None

    def _value(self, name: str, n: int) -> float:
        if name == "VSET":
            return self.channels[n].voltage
        if name == "ISET":
            return self.channels[n].current
        volts, amps = self.measured(n)
        return volts if name == "VOUT" else amps
