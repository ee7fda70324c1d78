"""CryoConcept ``JSON-CRYO`` emulator: the assumed flat JSON document (protocols.md 5.2) with drifting values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any, Unpack

from ricochetdb.adapters.emulators.base import EmulatorOptions, HttpEmulator
from ricochetdb.adapters.emulators.cryoconcept import fridge_state


class CryoConceptJsonEmulator(HttpEmulator):
    """Serves ``path`` as one flat JSON object: numbers, a numeric string, a boolean, a null and a NaN."""

    device_type = "JSON-CRYO"

    def __init__(self, *, path: str = "/", **common: Unpack[EmulatorOptions]) -> None:
        super().__init__(**common)
        self.path = path

    def document(self) -> dict[str, Any]:
        """The document served now; ``timestamp`` is the emulator clock as ISO-8601 UTC."""
        now = self.clock()
        state = fridge_state(now)
        return {
            "timestamp": datetime.fromtimestamp(now, UTC).isoformat().replace("+00:00", "Z"),
            "T_MC": state["full range"],
            "T_still": state["still"],
            "T_4K": state["Platine 4K"],
            "P1": state["P1"],
            "P2": state["P2"],
            "P3": f"{state['P3']:.3f}",
            "turbo_speed_pct": int(state["Pumping turbo speed"]),
            "PT": 1,
            "Turbo AUX": True,
            "VE1": 0,
            "VE2": 1,
            "T_sorb": None,
            "T_50K": float("nan"),
        }

    def page(self, path: str) -> tuple[str, bytes] | None:
        if path.split("?", 1)[0] != self.path:
            return None
        return "application/json", json.dumps(self.document()).encode("utf-8")

    def device_options(self) -> dict[str, Any]:
        """Reader options for this emulator."""
        return {"port": self.port, "path": self.path}
