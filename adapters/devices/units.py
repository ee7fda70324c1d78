"""Numbers with units as devices write them in text (``0,85 K``, ``2 kΩ``, ``1.2e-3``), shared by the decoders.

Units are canonical (Ohm, K, W, A, mbar, %) and values scaled to them. SI prefixes are case
sensitive, as written on instruments: ``m`` is milli and ``M`` mega (``mΩ`` is not ``MΩ``), ``k``
is kilo and ``K`` is kelvin, so a bare ``k`` is no unit we know and is kept as written. Only unit
words without a prefix (``ohm``, ``W``, ``A``, ``bar``, ``Pa``) are read in any case.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(.*)", re.DOTALL)
_UNIT_TOKEN = re.compile(r"[A-Za-z%°Ωµμ/²³]{1,6}")
_INTEGER = re.compile(r"[+-]?\d{1,18}")

OHM, KELVIN, WATT, AMPERE, MBAR = "Ohm", "K", "W", "A", "mbar"
_PREFIXES = {"": 1.0, "k": 1e3, "M": 1e6, "m": 1e-3, "µ": 1e-6, "μ": 1e-6, "u": 1e-6, "n": 1e-9}


def _prefixed(names: tuple[str, ...], unit: str, prefixes: str) -> dict[str, tuple[str, float]]:
    return {prefix + name: (unit, _PREFIXES[prefix]) for prefix in ("", *prefixes.split()) for name in names}


# unit as written, case sensitive -> (canonical unit, factor)
UNITS: dict[str, tuple[str, float]] = {
    **_prefixed(("Ω", "Ohm", "Ohms", "ohm", "ohms"), OHM, "k M m"),
    "K": (KELVIN, 1.0),
    "mK": (KELVIN, 1e-3),
    **_prefixed(("W",), WATT, "m µ μ u n"),
    **_prefixed(("A",), AMPERE, "m µ μ u n"),
    "mbar": (MBAR, 1.0),
    "mBar": (MBAR, 1.0),
    "Pa": (MBAR, 1e-2),
    "kPa": (MBAR, 10.0),
    "%": ("%", 1.0),
}
# unit words without a prefix, read in any case (lower case key)
PLAIN: dict[str, tuple[str, float]] = {
    "ohm": (OHM, 1.0),
    "ohms": (OHM, 1.0),
    "w": (WATT, 1.0),
    "a": (AMPERE, 1.0),
    "bar": (MBAR, 1e3),
    "pa": (MBAR, 1e-2),
}
MISSING = frozenset({"", "n/a", "na", "nan", "none", "null"})


def canonical_unit(unit: str) -> tuple[str, float]:
    """``"kΩ"`` -> ``("Ohm", 1000.0)``, ``"mΩ"`` -> ``("Ohm", 0.001)``; unknown units are kept as written, factor 1."""
    text = unit.strip()
    return UNITS.get(text) or PLAIN.get(text.lower()) or (text, 1.0)


def known_unit(text: str) -> bool:
    """Whether ``text`` is a unit of the table (so a cell holding it labels the number before it)."""
    text = text.strip()
    return text in UNITS or text.lower() in PLAIN


def is_missing(text: str) -> bool:
    """An empty or placeholder cell (``-``, ``--``, ``n/a``, ``nan``...): no value, and no error either."""
    stripped = text.strip()
    return stripped.lower() in MISSING or set(stripped) == {"-"}


def parse_quantity(text: str) -> tuple[int | float, str] | None:
    """``"0,85 K"`` -> ``(0.85, "K")``, ``"12"`` -> ``(12, "")``; None if the text is not a number (+ unit)."""
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    number, rest = match.group(1), match.group(2).strip()
    if rest and not _UNIT_TOKEN.fullmatch(rest):
        return None
    unit, factor = canonical_unit(rest)
    if _INTEGER.fullmatch(number) and factor == 1.0:
        return int(number), unit
    return float(number.replace(",", ".")) * factor, unit
