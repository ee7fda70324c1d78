"""CLI commands for operations: ``status``, ``spool status|replay`` and ``sync --to``.

``status`` calls a run or stream *running* while it started less than ``--left-open-after``
(default 2d) ago, and *left open* once it started longer ago without being stopped. Degraded
devices of the device configuration are listed; devices it no longer names are listed apart, and
forgotten once their last event is older than ``--forget-devices-after`` (default 7d).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from ricochetdb.entrypoints.edge import positive

DEFAULT_CONFIG = "devices.toml"


def build(command: str, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``status``, ``spool`` or ``sync``."""
    if command == "status":
        parser.add_argument("--config", help=f"device configuration (default ./{DEFAULT_CONFIG} if present)")
        parser.add_argument("--left-open-after", default="2d", help="a run or stream started longer ago is left open")
        parser.add_argument(
            "--forget-devices-after", default="7d", help="unconfigured devices silent longer are dropped"
        )
        parser.set_defaults(handler=_status, access="read")
    elif command == "spool":
        parser.add_argument("action", choices=("status", "replay", "set-aside"))
        parser.add_argument("what", nargs="?", choices=("list", "show", "retry", "discard"), help="with set-aside")
        parser.add_argument("number", nargs="?", type=positive, help="with set-aside show/retry/discard: the item")
        parser.add_argument("--bulk-size", type=positive, default=1000, help="items per write (default 1000)")
        parser.add_argument("--from", dest="source", help="with replay: a spool file to deliver (one moved aside)")
        parser.epilog = (
            "spool status | spool replay [--from FILE] | spool set-aside list | spool set-aside show|retry|discard N"
        )
        parser.set_defaults(handler=_spool, access="read")
    else:
        parser.add_argument(
            "--to", required=True, help='target URI (better: a variable, e.g. --to "$RICOCHETDB_TARGET")'
        )
        parser.add_argument("--to-db-name", help="target database name when the URI has none")
        parser.add_argument("--bulk-size", type=positive, default=1000, help="items per write (default 1000)")
        parser.set_defaults(handler=_sync, access="read")


def _status(args: argparse.Namespace, api: Any) -> Any:
    """Where the data goes, whether the database answers, what waits in the spool, what is left open."""
    from ricochetdb.adapters.uris import redact
    from ricochetdb.domain.errors import RicochetError, StoreUnavailable
    from ricochetdb.entrypoints.edge import parse_duration
    from ricochetdb.entrypoints.output import UNREACHABLE, Outcome

    left_open_after = _duration(parse_duration, args.left_open_after, "--left-open-after")
    forget_after = _duration(parse_duration, args.forget_devices_after, "--forget-devices-after")
    status: dict[str, Any] = {"database": redact(api.describe())}
    try:
        now = api.now()
    except StoreUnavailable as error:
        status.update(reachable=False, error=redact(str(error)), spooled=api.spool_pending())
        status["set_aside"] = len(api.set_aside())
        return Outcome(status, UNREACHABLE, f"database unavailable: {status['error']}")
    status.update(database_time=now, reachable=True, spooled=api.spool_pending(), set_aside=len(api.set_aside()))
    try:
        status.update(_open_records(api, now, left_open_after))
        status.update(_devices(api, _config(args.config), now, forget_after))
    except StoreUnavailable as error:
        status.update(reachable=False, error=redact(str(error)))
        return Outcome(status, UNREACHABLE, f"database unavailable: {status['error']}")
    except RicochetError as error:
        status["error"] = redact(str(error))
    return status


def _duration(parse: Any, text: str, option: str) -> Any:
    from ricochetdb.domain.errors import ValidationError

    duration = parse(text)
    if duration is None:
        raise ValidationError(option, text, "is not a duration: use 90m, 6h, 2d, 1w or '6 hours'")
    return duration


def _open_records(api: Any, now: Any, left_open_after: Any) -> dict[str, list[str]]:
    from ricochetdb.entrypoints.output import utc_text

    running: list[str] = []
    left_open: list[str] = []
    for book in (api.runs, api.streams):
        for record in book.list():
            if record.running and record.start_date is not None:
                age = now - record.start_date
                hours = f"{age.total_seconds() / 3600:.1f} h"
                line = f"{record.label} started {utc_text(record.start_date)} ({hours} ago)"
                (left_open if age > left_open_after else running).append(line)
    return {"running": running, "left_open": left_open}


def _config(path: str | None) -> Any:
    from ricochetdb.entrypoints.devices_config import load_config

    if path is None:
        return load_config(DEFAULT_CONFIG) if os.path.exists(DEFAULT_CONFIG) else None
    return load_config(path)


def _devices(api: Any, config: Any, now: Any, forget_after: Any) -> dict[str, list[str]]:
    """Degraded devices by their latest event: configured ones, and apart those the configuration no longer names."""
    from ricochetdb.entrypoints.output import utc_text

    configured: set[str] = set()
    for device in [] if config is None else config.devices:
        configured |= {device.identity, device.address}
    latest: dict[str, Any] = {}
    for event in api.store.events(api.collections["events"]).find(limit=1000):
        latest.setdefault(event.device, event)
    degraded: list[str] = []
    former: list[str] = []
    for event in latest.values():
        if event.state != "degraded":
            continue
        line = f"{event.device_type} {event.device} since {utc_text(event.timestamp)}: {event.error}"
        if config is not None and event.device in configured:
            degraded.append(line)
        elif now - event.timestamp <= forget_after:
            (degraded if config is None else former).append(line)
    result = {"degraded_devices": degraded}
    if config is not None:
        result["unconfigured_devices"] = former
    return result


def _spool(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.adapters.uris import redact
    from ricochetdb.entrypoints.cli_devices import stop_on_interrupt
    from ricochetdb.entrypoints.output import PARTIAL, UNREACHABLE, Outcome

    if args.action == "status":
        shelved = len(api.set_aside())
        return {**(api.spool_pending() or {"spool": "empty"}), **({"set_aside": shelved} if shelved else {})}
    if args.action == "set-aside":
        return _set_aside(args, api)
    with stop_on_interrupt() as stop:
        if args.source:
            report = api.replay_file(args.source, args.bulk_size)
        else:
            report = api.replay_spool(args.bulk_size, should_stop=stop.is_set)
    left = sum(api.spool_pending().values())
    result: dict[str, Any] = {"delivered": report.total, "new": report.new, **report.delivered, "still_spooled": left}
    if report.set_aside:
        result["set_aside"] = report.set_aside
    if report.stopped:
        result["stopped"] = redact(report.stopped)
        return Outcome(result, UNREACHABLE, f"replay stopped, {left} items still spooled: {result['stopped']}")
    if left or report.set_aside:
        note = f", {report.set_aside} refused and set aside ('spool set-aside list')" if report.set_aside else ""
        return Outcome(result, PARTIAL, f"{left} items still spooled{note}")
    return result


def _set_aside(args: argparse.Namespace, api: Any) -> Any:
    """What the database refused outright: list it, show one item, retry it once fixed, or discard it."""
    from ricochetdb.domain.errors import ValidationError

    what = args.what or "list"
    if what == "list":
        return [
            {
                "number": i.number,
                "kind": i.kind,
                "collection": i.collection,
                "when": i.when,
                "item": i.summary,
                "reason": i.reason,
            }
            for i in api.set_aside()
        ]
    if args.number is None:
        raise ValidationError("spool set-aside", what, "needs the item's number (see 'spool set-aside list')")
    if what == "show":
        kind, collection, item = api.shelf.get(args.number)
        return {"number": args.number, "kind": kind, "collection": collection, "item": repr(item)}
    if what == "retry":
        return {"number": args.number, "stored": True, "new": api.retry_set_aside(args.number)}
    api.discard_set_aside(args.number)
    return {"number": args.number, "discarded": True}


def _sync(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.adapters.sqlite.archive import SqliteArchive
    from ricochetdb.adapters.sqlite.store import SqliteStore
    from ricochetdb.application.sync import sync
    from ricochetdb.domain.errors import ValidationError
    from ricochetdb.entrypoints.api import connect
    from ricochetdb.entrypoints.cli_run import local_file
    from ricochetdb.entrypoints.output import PARTIAL, Outcome

    source = api.store
    if not isinstance(source, SqliteStore) or source.path == ":memory:":
        raise ValidationError("sync", "--db", "the source must be a SQLite file (sqlite:///path)")
    if not args.to.strip():
        raise ValidationError("sync", "--to", "is empty: give the target URI (is $RICOCHETDB_TARGET set?)")
    target_file = local_file(args.to)
    if target_file is not None and os.path.realpath(target_file) == os.path.realpath(source.path):
        raise ValidationError("sync", "--to", f"is the source file itself ({source.path}): nothing to push")
    with connect(args.to, args.to_db_name, spool="") as target:
        report = sync(SqliteArchive(source), target.store, args.bulk_size)
    result = {"new": report.new, "already_there": report.already_there, "conflicts": report.conflicts}
    if report.conflicts:
        return Outcome(result, PARTIAL, f"sync: {len(report.conflicts)} conflicts, nothing overwritten (listed above)")
    return result
