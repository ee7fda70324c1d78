"""CLI commands on data: ``daq insert|list``, ``readings latest`` and ``ingest``."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime
from typing import Any

from ricochetdb.entrypoints.edge import SINCE_FORMS, positive

DAQ_EXAMPLE = '[{"topic": "daq", "timestamp": 1764000000.0, "rate_hz": 12.5}]'
READING_COLUMNS = ("collection", "device_type", "device", "label", "value", "unit", "timestamp")
INGEST_COLUMNS = ("file", "outcome", "reason")
DEFAULT_CONFIG = "devices.toml"


def build(command: str, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``daq``, ``readings`` or ``ingest``."""
    if command == "ingest":
        parser.add_argument("folder")
        parser.add_argument(
            "--regexp", default=r".*\.json", help=r"file names to take (whole name), default '.*\.json'"
        )
        parser.add_argument("--keep", action="store_true", help="do not delete the loaded files")
        parser.set_defaults(handler=_ingest, columns=INGEST_COLUMNS)
        return
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    if command == "daq":
        insert = sub.add_parser(
            "insert",
            parents=[common],
            help="insert a JSON list of messages, all or nothing",
            epilog=f"mandatory fields of every message: topic, timestamp (epoch seconds or ISO date)\n"
            f"example: ricochetdb daq insert '{DAQ_EXAMPLE}'",
        )
        insert.add_argument("data", help="JSON as text, a file name, or - for stdin")
        insert.set_defaults(handler=_daq_insert)
        listing = sub.add_parser("list", parents=[common], help="stored messages, newest first")
        listing.add_argument("--topic")
        listing.add_argument("--since", default="all", help=f"messages stamped since: {SINCE_FORMS} (default all)")
        listing.add_argument("--limit", type=positive, default=50, help="at most this many (default 50)")
        listing.set_defaults(handler=_daq_list, access="read")
        return
    latest = sub.add_parser("latest", parents=[common], help="latest reading of every label")
    latest.add_argument(
        "--collection",
        action="append",
        help="readings collection (repeatable; default: every collection of the device config)",
    )
    latest.add_argument(
        "--config", help=f"device configuration whose collections to search (default ./{DEFAULT_CONFIG} if present)"
    )
    latest.add_argument("--device", help="a device name, type or address")
    latest.add_argument("--since", default="1d", help=f"look back this far: {SINCE_FORMS} (default 1d)")
    latest.set_defaults(handler=_latest, access="read", columns=READING_COLUMNS)
    from ricochetdb.entrypoints.cli_history import add_readings_actions

    add_readings_actions(sub, common)


def _daq_insert(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.edge import read_json, with_dates

    return {"inserted": api.daq.insert(with_dates(read_json(args.data, "DAQ batch"), "DAQ batch"))}


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _daq_list(args: argparse.Namespace, api: Any) -> Any:
    """Newest first (by the messages' own timestamps), at most --limit, since --since."""
    from ricochetdb.entrypoints.edge import parse_since

    since = parse_since(args.since, api.now)
    floor = None if since is None else since.timestamp()
    found = [
        (stamp, index, message)
        for index, message in enumerate(api.daq.find(args.topic))
        if (stamp := _epoch(message.get("timestamp"))) is not None and (floor is None or stamp >= floor)
    ]
    newest = [message for _, _, message in sorted(found, key=lambda item: item[:2], reverse=True)[: args.limit]]
    if args.json:
        return newest
    args.columns = ["timestamp", "topic", *dict.fromkeys(key for message in newest for key in message)]
    return [{**message, "timestamp": _as_date(message["timestamp"])} for message in newest]


def _as_date(value: Any) -> Any:
    """A DAQ epoch timestamp as a date, for tables (``--json`` keeps the number)."""
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        return value


def _latest(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.edge import parse_since
    from ricochetdb.entrypoints.output import Outcome

    config = _config(args.config)
    collections = args.collection or _collections(config) or [api.collections["readings"]]
    since = parse_since(args.since, api.now)
    matches = _device_matcher(args.device, config)
    rows = [
        {"collection": collection, **{column: getattr(reading, column) for column in READING_COLUMNS[1:]}}
        for collection in dict.fromkeys(collections)
        for reading in api.reading_book(collection).latest(None, since)
        if matches(reading.device_type, reading.device)
    ]
    if rows:
        return rows
    window = "ever" if since is None else f"since {since.isoformat(timespec='seconds')}"
    device = f" of device {args.device!r}" if args.device else ""
    return Outcome(rows, message=f"no reading{device} {window} in {', '.join(collections)}")


def _config(path: str | None) -> Any:
    """The device configuration given, else ./devices.toml if there is one, else None."""
    from ricochetdb.entrypoints.devices_config import load_config

    if path is None:
        return load_config(DEFAULT_CONFIG) if os.path.exists(DEFAULT_CONFIG) else None
    return load_config(path)


def _collections(config: Any) -> list[str]:
    return [] if config is None else [config.collection, *(device.collection for device in config.devices)]


def _device_matcher(wanted: str | None, config: Any) -> Any:
    """Whether a reading's (device type, device) is the device asked for by name, type or address."""
    if wanted is None:
        return lambda _type, _device: True
    known = {wanted}
    for device in [] if config is None else config.devices:
        if wanted in (device.name, device.address) or wanted.upper() == device.type:
            known |= {device.identity, device.address}

    def matches(device_type: str, device: str) -> bool:
        address = device.partition("@")[2]
        return device in known or wanted.upper() == device_type.upper() or wanted == address

    return matches


def _ingest(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.output import PARTIAL, Outcome

    report = api.processing.parse_folder(args.folder, args.regexp, delete_files=not args.keep)
    deleted = set(report.deleted)
    rows = [
        {"file": name, "outcome": "loaded", "reason": "deleted" if name in deleted else ""} for name in report.loaded
    ]
    for name, why in report.skipped:
        outcome = "already stored, deleted" if name in deleted else "skipped"
        rows.append({"file": name, "outcome": outcome, "reason": why})
    rows += [{"file": name, "outcome": "rejected", "reason": why} for name, why in report.rejected]
    if not report.rejected:
        return rows
    folder = os.path.join(args.folder, "rejected")
    message = f"ingest: {len(report.rejected)} files rejected, moved to {folder} with their reasons"
    return Outcome(rows, PARTIAL, message)
