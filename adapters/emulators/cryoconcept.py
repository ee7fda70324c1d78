"""CryoConcept ``CRYO`` emulator: the controller's HTML status page (Latin-1, French labels) with drifting values."""

from __future__ import annotations

from typing import Any, Unpack

from ricochetdb.adapters.emulators.base import EmulatorOptions, HttpEmulator, drift
from ricochetdb.adapters.emulators.imacrt import resistance

_PERIOD = 900.0


def fridge_state(now: float) -> dict[str, float]:
    """One cold dilution fridge, keyed by the CryoConcept log column names (units K, mbar, %, Ohm, 0/1; K3..K8 none)."""
    t_mc = drift(0.012, 0.0004, _PERIOD, now)
    t_still = drift(0.85, 0.01, _PERIOD, now)
    t_4k = drift(3.9, 0.03, _PERIOD, now)
    state = {
        "full range": t_mc,
        "still": t_still,
        "Platine 4K": t_4k,
        "P1": drift(1.2e-3, 1e-4, _PERIOD, now),
        "P2": drift(0.4, 0.02, _PERIOD, now),
        "P3": drift(12.0, 0.5, _PERIOD, now),
        **{f"K{n}": drift(0.1 * n, 0.01, _PERIOD, now) for n in (3, 4, 5, 6, 8)},
        "Pumping turbo speed": 100.0,
        "R MMR1 1": resistance(t_4k),
        "R MMR1 2": resistance(t_still),
        "R MMR1 3": resistance(t_mc),
        "P/T": drift(12.5, 0.2, _PERIOD, now),
        "Turbo AUX": 1.0,
        "PT": 1.0,
    }
    state.update({f"VE{n}": float(n % 3 == 0) for n in range(1, 9)})
    return state


_UNITS = {"full range": "K", "Platine 4K": "K", "Pumping turbo speed": "%", "P/T": "%"}


class CryoConceptEmulator(HttpEmulator):
    """Serves ``path`` as a Latin-1 table ``Mesure | Valeur | Unité``, written as a French controller would.

    It mixes the layouts the reader accepts: decimal commas, a unit inside the value cell
    (``still``), ``&Omega;`` entities, ``&nbsp;`` padding and a row without a number.
    """

    device_type = "CRYO"

    def __init__(self, *, path: str = "/www/device.htm", **common: Unpack[EmulatorOptions]) -> None:
        super().__init__(**common)
        self.path = path

    def _row(self, name: str, value: float) -> str:
        if name == "still":
            return f"<tr><td>{name}</td><td>{value:.4f} K</td><td></td></tr>"
        if name.startswith(("P1", "P2", "P3")):
            return f"<tr><td>{name}</td><td>{value:.3e}</td><td>mbar</td></tr>"
        if name.startswith("K"):  # what K3..K8 measure is not public: the page gives no unit
            return f"<tr><td>{name}</td><td>{value:.3e}</td><td></td></tr>"
        if name.startswith("R MMR1"):
            return f"<tr><td>{name}</td><td>{value:.1f}</td><td>&Omega;</td></tr>"
        if value.is_integer():
            return f"<tr><td>{name}</td><td>&nbsp;{int(value)}&nbsp;</td><td>{_UNITS.get(name, '')}</td></tr>"
        text = f"{value:.5f}".replace(".", ",")
        return f"<tr><td>{name}</td><td>{text}</td><td>{_UNITS.get(name, '')}</td></tr>"

    def page(self, path: str) -> tuple[str, bytes] | None:
        if path.split("?", 1)[0] != self.path:
            return None
        rows = "\n".join(self._row(name, value) for name, value in fridge_state(self.clock()).items())
        page = (
            '<html><head><meta charset="iso-8859-1"><title>Cryostat - état</title></head><body>\n'
            "<h1>Température &amp; pressions</h1>\n<table>\n"
            "<tr><th>Mesure</th><th>Valeur</th><th>Unité</th></tr>\n"
            f"{rows}\n<tr><td>Alarme</td><td>aucune</td><td></td></tr>\n</table>\n</body></html>\n"
        )
        return "text/html; charset=iso-8859-1", page.encode("latin-1")

    def device_options(self) -> dict[str, Any]:
        """Reader options for this emulator."""
        return {"port": self.port, "path": self.path}
