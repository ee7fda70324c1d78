"""Opening the spool file: a damaged one is moved aside, named in the log, and a new spool starts."""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.domain.errors import DamagedFile

logger = logging.getLogger(__name__)

COMPANIONS = ("", "-wal", "-shm")


def open_spool(path: str) -> SqliteStore:
    """The spool at ``path``, checked whole; never a reason to stop writing to a healthy database."""
    try:
        store = SqliteStore(path, rollups=False)  # readings wait here to be replayed, never read as history
    except DamagedFile as error:
        return _fresh(path, str(error))
    try:
        store.verify()
    except DamagedFile as error:
        store.close()
        return _fresh(path, str(error))
    return store


def _fresh(path: str, reason: str) -> SqliteStore:
    aside = f"{path}.damaged-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    for suffix in COMPANIONS:
        if os.path.exists(path + suffix):
            os.replace(path + suffix, aside + suffix)
    logger.error(
        "spool %s is damaged (%s): moved to %s and a new spool started; "
        "to deliver what can still be read from it: ricochetdb spool replay --from %s",
        path,
        reason,
        aside,
        aside,
    )
    return SqliteStore(path, rollups=False)
