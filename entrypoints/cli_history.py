"""CLI commands on history: ``readings history|export``, ``rollup``, ``retention`` and ``stream summary``.

Examples::

    ricochetdb readings history T_MC --since 7d --points 500
    ricochetdb readings history T_MC --device fridge --start 2026-01-01T00:00Z --stop 2026-02-01T00:00Z --format csv
    ricochetdb readings export T_MC --since all --format csv > t_mc.csv
    ricochetdb rollup --rebuild --collection slowcontrol-2026
    ricochetdb retention --dry-run --config devices.toml
    ricochetdb stream summary s001 --collection slowcontrol-2026 --recompute
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ricochetdb.entrypoints.edge import SINCE_FORMS, positive

BIN_COLUMNS = ("t", "n", "mean", "min", "max", "first", "last")
EXPORT_COLUMNS = ("timestamp", "device", "label", "value", "unit")
SUMMARY_COLUMNS = (
    "collection", "device", "label", "n", "mean", "std", "min", "min_time", "max", "max_time", "first", "last",
    "coverage", "longest_gap_s",
)  # fmt: skip
RETENTION_COLUMNS = ("collection", "tier", "before", "rows", "bytes", "kept")
PAGE = 10_000


def _window_options(parser: argparse.ArgumentParser, since: str) -> None:
    parser.add_argument("label")
    parser.add_argument("--device", help="needed when several devices of the collection have the label")
    parser.add_argument("--collection", help="readings collection (default: --readings-collection)")
    parser.add_argument("--since", default=since, help=f"look back this far: {SINCE_FORMS} (default {since})")
    parser.add_argument("--start", help="ISO-8601 date with timezone (with --stop, instead of --since)")
    parser.add_argument("--stop", help="ISO-8601 date with timezone (default: now)")


def add_readings_actions(sub: Any, common: argparse.ArgumentParser) -> None:
    """``readings history`` and ``readings export``, under the ``readings`` command."""
    history = sub.add_parser("history", parents=[common], help="bins of one label over a window, any zoom")
    _window_options(history, "1d")
    history.add_argument("--points", type=positive, default=2000, help="at most this many bins (default 2000)")
    history.add_argument("--interval", type=float, help="sampling interval (s) gaps are measured against")
    history.add_argument("--format", choices=("table", "csv", "json"), default="table")
    history.set_defaults(handler=_history, access="read", columns=BIN_COLUMNS)
    export = sub.add_parser("export", parents=[common], help="raw readings of one label, streamed, any window")
    _window_options(export, "all")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.set_defaults(handler=_export, access="read")


def build(command: str, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``rollup`` or ``retention``."""
    parser.add_argument(
        "--collection", action="append", help="readings collection (repeatable; default: every one with values)"
    )
    if command == "rollup":
        parser.add_argument("--rebuild", action="store_true", help="every tier again from the raw values")
        parser.set_defaults(handler=_rollup)
        return
    parser.add_argument("--dry-run", action="store_true", help="only say what would go, with sizes")
    parser.add_argument("--config", default="devices.toml", help="file with the [retention] table (devices.toml)")
    parser.set_defaults(handler=_retention, columns=RETENTION_COLUMNS)


def add_stream_summary(leaf: Any) -> None:
    """``stream summary NAME``, through the stream command's ``leaf(action, help)``."""
    summary = leaf("summary", "what the slow control did during the stream: one line per numeric channel")
    summary.add_argument("name")
    summary.add_argument("--collection", action="append", help="readings collection (repeatable; default: all)")
    summary.add_argument("--config", help="device configuration: its collections and poll interval")
    summary.add_argument("--recompute", action="store_true", help="compute again (and keep it, if stopped)")
    summary.set_defaults(handler=_stream_summary, columns=SUMMARY_COLUMNS)


def _window(args: argparse.Namespace, api: Any) -> tuple[datetime | None, datetime | None]:
    from ricochetdb.domain.errors import ValidationError
    from ricochetdb.entrypoints.edge import parse_datetime, parse_since

    stop = None if args.stop is None else parse_datetime(args.stop, "--stop")
    if args.start is not None:
        return parse_datetime(args.start, "--start"), stop or api.now()
    if stop is not None:
        raise ValidationError("readings", "--stop", "goes with --start")
    return parse_since(args.since, api.now), api.now()


def _book(args: argparse.Namespace, api: Any) -> Any:
    return api.reading_book(args.collection or api.collections["readings"])


def _history(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.output import Outcome

    start, stop = _window(args, api)
    book = _book(args, api)
    if start is None:  # --since all: from the first value of the series
        start = book.history_query.first_reading(args.label, args.device) or stop
    history = book.history(args.label, args.device, start, stop, args.points, interval=args.interval)
    rows = [{column: getattr(item, column) for column in BIN_COLUMNS} for item in history.bins]
    gaps = [{"start": gap.start, "stop": gap.stop} for gap in history.gaps]
    if args.format == "json" or args.json:
        args.json = True
        keys = ("collection", "device", "label", "unit", "tier", "start", "stop")
        head = {key: getattr(history, key) for key in keys}
        return {**head, "bins": rows, "gaps": gaps}
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(BIN_COLUMNS)
        writer.writerows([_csv(row[column]) for column in BIN_COLUMNS] for row in rows)
        return None
    note = f"{history.device} {history.label} [{history.unit}]: {len(rows)} bins from tier {history.tier}"
    if gaps:
        note += f"; {len(gaps)} gap(s): " + ", ".join(f"{_csv(g['start'])} .. {_csv(g['stop'])}" for g in gaps[:5])
    return Outcome(rows, message=note)


def _csv(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _export(args: argparse.Namespace, api: Any) -> None:
    """Page through the raw readings by time, writing each page before reading the next (bounded memory)."""
    from ricochetdb.application.history import iter_readings

    start, stop = _window(args, api)
    book = _book(args, api)
    readings = iter_readings(book.repository, book.rollups, args.label, args.device, start, stop, PAGE)
    if args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(EXPORT_COLUMNS)
        for reading in readings:
            writer.writerow([_csv(getattr(reading, column)) for column in EXPORT_COLUMNS])
        return
    sys.stdout.write("[")
    for index, reading in enumerate(readings):
        row = {column: _csv(getattr(reading, column)) for column in EXPORT_COLUMNS}
        sys.stdout.write(("," if index else "") + "\n" + json.dumps(row, ensure_ascii=False))
    sys.stdout.write("\n]\n")


def _collections(args: argparse.Namespace, api: Any) -> list[str]:
    return list(dict.fromkeys(args.collection or api.store.reading_collections() or [api.collections["readings"]]))


def _rollup(args: argparse.Namespace, api: Any) -> Any:
    import logging

    from ricochetdb.application.retention import incomplete_series, rebuild
    from ricochetdb.entrypoints.output import PARTIAL, Outcome

    collections = _collections(args, api)
    if args.rebuild:
        done = rebuild(api.store, collections, logging.getLogger("ricochetdb.rollup").info)
        return [{"collection": name, "series": count, "rolled_up": "rebuilt"} for name, count in done.items()]
    rows = []
    for collection in collections:
        missing = incomplete_series(api.store, collection)
        state = "complete" if not missing else f"incomplete: {', '.join(missing[:5])}"
        rows.append({"collection": collection, "rolled_up": state})
    if any(row["rolled_up"] != "complete" for row in rows):
        return Outcome(rows, PARTIAL, "some series are not fully rolled up: run `ricochetdb rollup --rebuild`")
    return rows


def _retention(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.application.retention import apply_retention
    from ricochetdb.entrypoints.output import Outcome

    policy = _policy(args.config)
    report = apply_retention(api.store, _collections(args, api), policy, delete=not args.dry_run)
    rows = [
        {
            "collection": item.collection,
            "tier": item.tier,
            "before": item.before,
            "rows": item.rows,
            "bytes": item.bytes,
            "kept": ", ".join(item.kept) or "-",
        }
        for item in report.items
    ]
    kept = {tier: f"kept {when}" for tier, when in policy.describe(api.now()).items()}
    note = "; ".join(f"{tier} {text}" for tier, text in kept.items())
    if args.dry_run:
        note = f"dry run, nothing deleted ({note})"
    elif rows and api.store.describe().startswith("sqlite"):
        note += "; deleted pages are reused, the file shrinks only with VACUUM (needs its size free, locks it)"
    if report.ttl:
        note += f"; MongoDB expires raw documents itself in {', '.join(report.ttl)}"
    return Outcome(rows, message=note)


def _policy(path: str) -> Any:
    import os
    import tomllib

    from ricochetdb.domain.errors import ValidationError
    from ricochetdb.domain.retention import parse_policy

    if not os.path.exists(path):
        raise ValidationError("retention", "--config", f"{path} does not exist: it holds the [retention] table")
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle).get("retention")
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValidationError("retention", path, f"cannot be read: {error}") from None
    return parse_policy(table, f"{path} [retention]")


def _stream_summary(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.devices_config import load_config

    config = None if args.config is None else load_config(args.config)
    collections = args.collection
    if collections is None and config is not None:
        collections = list(dict.fromkeys([config.collection, *(d.collection for d in config.devices)]))
    interval = None if config is None else config.interval
    summary = api.streams.summary(args.name, collections, args.recompute or bool(collections), interval)
    rows = [dict(_fields(channel)) for channel in summary]
    if args.json:
        return {"start": summary.start, "stop": summary.stop, "interval_s": summary.interval_s, "channels": rows}
    return rows


def _fields(channel: Any) -> Iterator[tuple[str, Any]]:
    for column in SUMMARY_COLUMNS:
        yield column, getattr(channel, column)
