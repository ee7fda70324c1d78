"""Units of CryoConcept labels where the page or document gives none: the controller log's columns (pure).

Shared by the ``CRYO`` page and the ``JSON-CRYO`` document. Only units a public source gives are
filled in (the Dspx-Monitor log columns, protocols.md 5.1): temperatures in K, ``P1``..``P3`` in
mbar, turbo speed and mixture in %, MMR1 resistances in Ohm. ``K3``..``K8`` get none: no public
source says what they measure, and a guessed unit would be stored as a fact.
"""

from __future__ import annotations

import re

# Units of the CryoConcept log columns (Dspx-Monitor), by sanitised label.
LOG_UNITS: dict[str, str] = {
    "full_range": "K",
    "still": "K",
    "platine_4k": "K",
    "pumping_turbo_speed": "%",
    "p_t": "%",
    "turbo_aux": "",
    "pt": "",
    **{f"p{n}": "mbar" for n in (1, 2, 3)},
    **{f"r_mmr1_{n}": "Ohm" for n in (1, 2, 3)},
}
_RULES = (
    (re.compile(r"ve\d+|k\d+"), ""),
    (re.compile(r"t_.*|.*_k"), "K"),
    (re.compile(r"r_.*|.*_ohm"), "Ohm"),
    (re.compile(r"p\d+|.*_mbar"), "mbar"),
    (re.compile(r".*_pct"), "%"),
    (re.compile(r".*_w"), "W"),
)


def cryo_unit(label: str) -> str:
    """The unit of a sanitised CryoConcept label: log column table, then name rules (``t_*`` K...), else ''."""
    if label in LOG_UNITS:
        return LOG_UNITS[label]
    for pattern, unit in _RULES:
        if pattern.fullmatch(label):
            return unit
    return ""
