"""The local UTC clock, for stores whose server has no clock of its own (SQLite, memory)."""

from __future__ import annotations

from datetime import UTC, datetime

from ricochetdb.domain.readings import ClockSource


class LocalClock:
    """UTC from this machine; ``source`` says so, so documents can be flagged."""

    source: ClockSource = "local"

    def now(self) -> datetime:
        return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    """``moment`` in this machine's time zone; a naive ``moment`` is taken as UTC (the original API's rule)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return aware.astimezone()
