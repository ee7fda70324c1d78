"""JSON-CMCPA emulator: the simulated Cryomech compressor's labels as one JSON object on ``GET /``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Unpack

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.emulators.base import EmulatorOptions, HttpEmulator
from ricochetdb.adapters.emulators.cryomech import SimulatedCompressor


class CryomechJsonEmulator(HttpEmulator):
    """Serves ``/`` (query strings ignored); every other path is a 404."""

    device_type = "JSON-CMCPA"

    def __init__(self, **common: Unpack[EmulatorOptions]) -> None:
        super().__init__(**common)
        self.compressor = SimulatedCompressor(self.clock)

    def device_options(self) -> dict[str, Any]:
        """What a reader needs to poll this emulator."""
        return {"port": self.port, "path": "/"}

    def page(self, path: str) -> tuple[str, bytes] | None:
        """The status document, with the panel's own time as ``timestamp``."""
        if path.partition("?")[0] != "/":
            return None
        document: dict[str, Any] = {
            m.label: round(m.value, 2) if isinstance(m.value, float) else m.value
            for m in codec.measurements(self.compressor.status())
        }
        document["timestamp"] = datetime.fromtimestamp(self.clock(), UTC).isoformat()
        return "application/json", json.dumps(document).encode()
