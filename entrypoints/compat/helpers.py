"""The original module's small helpers, each delegating to the core."""

from __future__ import annotations

from datetime import datetime

from ricochetdb.adapters.clock import to_local as local_time
from ricochetdb.adapters.text_values import is_date, is_float, is_int

__all__ = ["is_date", "is_float", "is_int", "to_local"]


def to_local(utc_date: datetime) -> datetime:
    """``utc_date`` (naive means UTC) in this machine's time zone."""
    return local_time(utc_date)
