"""A whole emulated cryostat: one emulator of every device type on 127.0.0.x, on free ports."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ricochetdb.adapters.emulators.base import Emulator
from ricochetdb.adapters.emulators.cryoconcept import CryoConceptEmulator
from ricochetdb.adapters.emulators.cryoconcept_json import CryoConceptJsonEmulator
from ricochetdb.adapters.emulators.cryomech import CryomechEmulator
from ricochetdb.adapters.emulators.cryomech_json import CryomechJsonEmulator
from ricochetdb.adapters.emulators.imacrt import ImacrtEmulator, ImacrtHttpEmulator
from ricochetdb.adapters.emulators.multicomp import Mp710508Emulator
from ricochetdb.adapters.emulators.scale import ScaleEmulator
from ricochetdb.adapters.emulators.tti import CpxEmulator

Factory = Callable[..., Emulator]

EMULATORS: dict[str, Factory] = {
    "MMR3": lambda **kw: ImacrtEmulator("MMR3", **kw),
    "MMR3-HTTP": lambda **kw: ImacrtHttpEmulator("MMR3", **kw),
    "MGC3": lambda **kw: ImacrtEmulator("MGC3", **kw),
    "CMCPA": CryomechEmulator,
    "JSON-CMCPA": CryomechJsonEmulator,
    "CRYO": CryoConceptEmulator,
    "JSON-CRYO": CryoConceptJsonEmulator,
    "CPX200": CpxEmulator,
    "MP710508": Mp710508Emulator,
    "JSON-SCALE": ScaleEmulator,
}

# iMACRT modules answer to a fixed reply port; each gets its own loopback address, like real modules.
IMACRT_HOSTS = {"MMR3": "127.0.0.2", "MGC3": "127.0.0.3"}


def free_udp_port(host: str = "127.0.0.1") -> int:
    """A UDP port nobody holds right now (for the iMACRT reply port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class EmulatedDevice:
    """A running emulator and how to poll it."""

    device_type: str
    emulator: Emulator

    @property
    def address(self) -> str:
        """``host:port``, so that devices sharing 127.0.0.1 stay distinct in the store."""
        return self.emulator.address

    @property
    def options(self) -> dict[str, Any]:
        """The reader options other than the port (which is in the address)."""
        return {key: value for key, value in self.emulator.device_options().items() if key != "port"}


def start_emulator(device_type: str, port: int = 0, fault: str = "none", **extra: Any) -> EmulatedDevice:
    """Start one emulator of ``device_type`` (an EMULATORS key) on 127.0.0.1 (iMACRT: its own address)."""
    kind = device_type.upper()
    if kind not in EMULATORS:
        raise ValueError(f"no emulator for {device_type!r}; choose among {', '.join(EMULATORS)}")
    if kind in IMACRT_HOSTS:
        extra.setdefault("host", IMACRT_HOSTS[kind])
        extra.setdefault("reply_port", free_udp_port())
    emulator = EMULATORS[kind](port=port, fault=fault, **extra)
    emulator.start()
    return EmulatedDevice(kind.removesuffix("-HTTP"), emulator)


def start_cryostat(fault: str = "none") -> list[EmulatedDevice]:
    """One emulator of every device type, started; stop them with :func:`stop_all`."""
    reply_port = free_udp_port()
    started: list[EmulatedDevice] = []
    try:
        for kind in EMULATORS:
            if kind == "MMR3-HTTP":
                continue
            extra = {"reply_port": reply_port} if kind in IMACRT_HOSTS else {}
            started.append(start_emulator(kind, fault=fault, **extra))
    except BaseException:
        stop_all(started)
        raise
    return started


def stop_all(devices: list[EmulatedDevice]) -> None:
    for device in devices:
        device.emulator.stop()
