"""Retention: how long raw values and each rollup tier are kept (raw until configured, rollups forever).

The ``[retention]`` table of the device configuration::

    [retention]
    raw = "400d"        # raw values older than this go (default: kept forever)
    "1m" = "5y"         # minute buckets (default: forever); "1h" and "1d" likewise
    mongo_ttl = false   # MongoDB: let a TTL index expire raw documents after `raw` as well

Durations are whole days, weeks or years (``400d``, ``8w``, ``5y``; a year is 365 days). A cutoff
is the start of a UTC day, so whole days go and the buckets above them stay complete.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.rollups import WIDTH_US, floor_to
from ricochetdb.domain.validation import from_micros, to_micros

TIER_KEYS = ("raw", "1m", "1h", "1d")
_DAYS = {"d": 1, "day": 1, "days": 1, "w": 7, "week": 7, "weeks": 7, "y": 365, "year": 365, "years": 365}
_FORM = re.compile(r"(\d+)\s*([a-z]+)")


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each tier is kept (None: forever), and whether MongoDB expires raw documents by itself."""

    keep: dict[str, timedelta | None]
    mongo_ttl: bool = False

    def cutoffs(self, now: datetime) -> dict[str, int]:
        """Per tier with a limit: the first microsecond kept (the start of a UTC day)."""
        return {
            tier: floor_to(to_micros(now - kept), WIDTH_US["1d"])
            for tier, kept in self.keep.items()
            if kept is not None
        }

    def describe(self, now: datetime) -> dict[str, str]:
        """Per tier, what is kept, for people."""
        cutoffs = self.cutoffs(now)
        return {
            tier: f"since {from_micros(cutoffs[tier]).date().isoformat()}" if tier in cutoffs else "forever"
            for tier in TIER_KEYS
        }


def parse_days(value: Any, record: str, field: str) -> timedelta:
    """``400d``, ``8w``, ``5y`` (or a number of days) as a duration of at least one day."""
    if isinstance(value, int) and not isinstance(value, bool):
        days = value
    elif isinstance(value, str) and (match := _FORM.fullmatch(value.strip().lower())) and match[2] in _DAYS:
        days = int(match[1]) * _DAYS[match[2]]
    else:
        raise ValidationError(record, field, f"must be days, weeks or years such as '400d', '8w', '5y', got {value!r}")
    if days < 1:
        raise ValidationError(record, field, f"must keep at least one day, got {value!r}")
    return timedelta(days=days)


def parse_policy(table: Mapping[str, Any] | None, origin: str = "[retention]") -> RetentionPolicy:
    """The ``[retention]`` table, validated; refused naming the key when something is wrong."""
    table = dict(table or {})
    for key in table:
        if key not in (*TIER_KEYS, "mongo_ttl"):
            raise ValidationError(origin, key, f"unknown key (expected one of {', '.join(TIER_KEYS)}, mongo_ttl)")
    keep = {tier: None if table.get(tier) is None else parse_days(table[tier], origin, tier) for tier in TIER_KEYS}
    ttl = table.get("mongo_ttl", False)
    if not isinstance(ttl, bool):
        raise ValidationError(origin, "mongo_ttl", f"must be true or false, got {ttl!r}")
    if ttl and keep["raw"] is None:
        raise ValidationError(origin, "mongo_ttl", "needs raw = ... (how long raw documents live)")
    return RetentionPolicy(keep, ttl)
