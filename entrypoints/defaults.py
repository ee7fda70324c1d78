"""What the entrypoints assume when not told: the database URI, spool file, collection names, the OS user.

Kept apart from the container so that the command line can name them without importing a driver.
"""

from __future__ import annotations

import os

DEFAULT_URI = "sqlite:///./ricochetdb.sqlite"
DEFAULT_SPOOL = "./ricochetdb-spool.sqlite"
DEFAULT_COLLECTIONS = {
    "detectors": "lio_detector_info",
    "runs": "lio_run_info",
    "streams": "lio_stream_info",
    "daq": "daq_messages",
    "readings": "readings",
    "events": "device_events",
    "processing": "processing_results",
}


def database_uri(given: str | None) -> str:
    """``given``, else env ``RICOCHETDB_URI`` (when set and not empty), else the local SQLite file."""
    return given or os.environ.get("RICOCHETDB_URI") or DEFAULT_URI


def os_user() -> str:
    """Who is at the keyboard, as the operating system says (kept with every change of a record)."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
