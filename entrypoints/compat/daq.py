"""The original ``DaqLogger``: a batch of DAQ messages stored whole or not at all."""

from __future__ import annotations

from typing import Any

from ricochetdb.entrypoints.compat.database import Database
from ricochetdb.entrypoints.compat.dates import aware


class DaqLogger:
    """Sends DAQ messages (dicts with ``topic`` and ``timestamp``) to the default collection ``daq_messages``."""

    def insert(self, messages: list[dict[str, Any]]) -> int:
        """Insert every message or none (RuntimeError naming the message and field); returns how many were new."""
        ricochet = Database.get_database().connection()
        return ricochet.daq_logger(ricochet.collections["daq"]).insert(aware(messages))
