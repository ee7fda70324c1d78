"""JSON network scale emulator: a liquid-helium dewar on a scale, slowly losing weight as it boils off."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Unpack

from ricochetdb.adapters.devices.scale_codec import DEVICE_TYPE, KG_PER_UNIT, format_document
from ricochetdb.adapters.emulators.base import EmulatorOptions, HttpEmulator, drift

PATHS = ("/", "/weight")


class ScaleEmulator(HttpEmulator):
    """Serves the weight document on ``/`` and ``/weight`` in ``unit`` (g, kg or lb).

    Weight = tare + helium left; the helium boils off at ``loss_kg_per_hour`` from the
    moment the emulator is made. For the first 5 s of every minute someone leans on the
    dewar: the reading wobbles and ``stable`` is false.
    """

    device_type = DEVICE_TYPE

    def __init__(
        self,
        *,
        unit: str = "kg",
        tare_kg: float = 48.0,
        helium_kg: float = 12.5,
        loss_kg_per_hour: float = 0.05,
        **common: Unpack[EmulatorOptions],
    ) -> None:
        super().__init__(**common)
        if unit not in KG_PER_UNIT:
            raise ValueError(f"unit must be one of {', '.join(KG_PER_UNIT)}, not {unit!r}")
        self.unit = unit
        self.tare_kg = tare_kg
        self.helium_kg = helium_kg
        self.loss_kg_per_hour = loss_kg_per_hour
        self.started = self.clock()

    def device_options(self) -> dict[str, Any]:
        """What a reader needs to poll this emulator."""
        return {"port": self.port, "path": "/"}

    def weight_kg(self, now: float) -> tuple[float, bool]:
        """(weight in kg, stable) at time ``now``."""
        helium = max(0.0, self.helium_kg - self.loss_kg_per_hour * (now - self.started) / 3600.0)
        stable = now % 60.0 >= 5.0
        wobble = 0.0 if stable else 0.4
        return drift(self.tare_kg + helium, wobble, 1.3, now, 0.002), stable

    def page(self, path: str) -> tuple[str, bytes] | None:
        """The weight document on ``/`` and ``/weight``, 404 elsewhere."""
        if path.split("?", 1)[0] not in PATHS:
            return None
        now = self.clock()
        weight, stable = self.weight_kg(now)
        return "application/json", format_document(weight, self.unit, stable, datetime.fromtimestamp(now, UTC))
