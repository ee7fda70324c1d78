"""What a text from a device page holds: a date, a float, an int (the original API's ``is_*`` helpers)."""

from __future__ import annotations

from typing import Any

from dateutil import parser


def is_float(value: Any) -> bool:
    """True if ``value`` reads as a float (``"1.5"``, ``"1e-3"``, ``"nan"``); False for anything else."""
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def is_int(value: Any) -> bool:
    """True if ``value`` reads as a whole number (``"42"``, ``"-3"``); ``"4.0"`` is not."""
    try:
        int(value)
    except (TypeError, ValueError):
        return False
    return True


def is_date(value: Any) -> bool:
    """True if ``value`` is a text dateutil reads as a date (``"2022-05-11T14:35:30"``, ``"11/05/2022"``)."""
    if not isinstance(value, str):
        return False
    try:
        parser.parse(value)
    except (ValueError, OverflowError):
        return False
    return True
