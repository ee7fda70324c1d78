"""Which adapter reads which device type: the one table the poller's wiring needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ricochetdb.adapters.devices import (
    cryoconcept,
    cryoconcept_json,
    cryomech,
    cryomech_json,
    imacrt,
    multicomp,
    scale,
    tti,
)
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.devices import check_device_type
from ricochetdb.domain.validation import check_name

Builder = Callable[[str, str, Mapping[str, Any]], DeviceReader]

BUILDERS: dict[str, Builder] = {
    "MMR3": imacrt.build,
    "MGC3": imacrt.build,
    "CMCPA": cryomech.build,
    "JSON-CMCPA": cryomech_json.build,
    "CRYO": cryoconcept.build,
    "JSON-CRYO": cryoconcept_json.build,
    "CPX200": tti.build,
    "MP710508": multicomp.build,
    "JSON-SCALE": scale.build,
}


def build_reader(device_type: str, address: str, options: Mapping[str, Any] | None = None) -> DeviceReader:
    """A reader for ``device_type`` at ``address`` ("host" or "host:port"); bad options are refused by name."""
    kind = check_device_type(device_type)
    return BUILDERS[kind](kind, check_name(address, f"{kind} device", "address"), dict(options or {}))
