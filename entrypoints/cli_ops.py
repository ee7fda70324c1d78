"""CLI commands for operations: ``status``, ``spool status|replay`` and ``sync --to``."""

from __future__ import annotations

import argparse
from typing import Any

from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.adapters.uris import redact
from ricochetdb.application.sync import sync
from ricochetdb.domain.errors import RicochetError, StoreUnavailable, ValidationError
from ricochetdb.entrypoints.api import Ricochet, connect


def _status(_args: argparse.Namespace, api: Ricochet) -> dict[str, Any]:
    """Where the data goes, whether the database answers, what waits in the spool, what is left open."""
    status: dict[str, Any] = {"database": redact(api.describe())}
    try:
        status["database_time"] = api.now()
        status["reachable"] = True
    except StoreUnavailable as error:
        status["reachable"] = False
        status["error"] = redact(str(error))
    status["spooled"] = api.spool_pending()
    if status["reachable"]:
        try:
            status["left_open"] = api.left_open()
            status["degraded_devices"] = _degraded(api)
        except RicochetError as error:
            status["error"] = redact(str(error))
    return status


def _degraded(api: Ricochet) -> list[str]:
    """Devices whose latest health event says degraded, with the error and since when."""
    latest: dict[str, Any] = {}
    for event in api.store.events(api.collections["events"]).find(limit=1000):
        latest.setdefault(event.device, event)
    return [
        f"{e.device_type} {e.device} since {e.timestamp.isoformat(timespec='seconds')}: {e.error}"
        for e in latest.values()
        if e.state == "degraded"
    ]


def _spool(args: argparse.Namespace, api: Ricochet) -> Any:
    if args.action == "status":
        return api.spool_pending() or {"spool": "empty"}
    report = api.replay_spool(args.bulk_size)
    result: dict[str, Any] = {"delivered": report.total, "new": report.new, **report.delivered}
    if report.stopped:
        result["stopped"] = redact(report.stopped)
    result["still_spooled"] = sum(api.spool_pending().values())
    return result


def _sync(args: argparse.Namespace, api: Ricochet) -> Any:
    source = api.store
    if not isinstance(source, SqliteStore):
        raise ValidationError("sync", "--db", "the source must be a SQLite file (sqlite:///path)")
    with connect(args.to, args.to_db_name, spool="") as target:
        report = sync(SqliteArchive(source), target.store, args.bulk_size)
    return {"pushed": report.pushed, "unchanged": report.unchanged, "conflicts": report.conflicts}


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``status``, ``spool`` and ``sync``."""
    sub.add_parser("status", help="database, spool, open runs/streams, degraded devices").set_defaults(handler=_status)
    spool = sub.add_parser("spool", help="the local spool of a MongoDB database")
    spool.add_argument("action", choices=("status", "replay"))
    spool.add_argument("--bulk-size", type=int, default=1000)
    spool.set_defaults(handler=_spool)
    push = sub.add_parser("sync", help="push this SQLite file to a MongoDB database, exactly once")
    push.add_argument("--to", required=True, help='target URI (better: a variable, e.g. --to "$RICOCHETDB_TARGET")')
    push.add_argument("--to-db-name", help="target database name when the URI has none")
    push.add_argument("--bulk-size", type=int, default=1000)
    push.set_defaults(handler=_sync)
