"""The ``ricochetdb`` command: bookkeeping, DAQ messages and readings from a shell.

Exit codes: 0 done, 2 refused input (one line on stderr saying what and where),
3 the database could not be reached or refuses us (login, rights, URI, TLS).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any

from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS
from ricochetdb.adapters.uris import redact
from ricochetdb.domain.errors import RicochetError, StoreConfigurationError, StoreUnavailable, ValidationError
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.entrypoints import cli_devices, cli_ops
from ricochetdb.entrypoints.api import Ricochet, connect
from ricochetdb.entrypoints.container import DEFAULT_COLLECTIONS
from ricochetdb.entrypoints.edge import parse_datetime, parse_since, read_json, read_uri_file, with_dates
from ricochetdb.entrypoints.output import table, to_json

logger = logging.getLogger("ricochetdb")
Handler = Callable[[argparse.Namespace, Ricochet], Any]

RUN_COLUMNS = ("name", "detector", "start_date", "stop_date", "description")
STREAM_COLUMNS = ("name", "status", "start_date", "stop_date", "comment")
READING_COLUMNS = ("device_type", "device", "label", "value", "unit", "timestamp")


def _doc(record: Detector | Run | Stream) -> dict[str, Any]:
    if isinstance(record, Detector):
        return DETECTORS.to_doc(record)
    if isinstance(record, Run):
        doc = RUNS.to_doc(record)
        return {**doc, "detector": ", ".join(record.detector_names)}
    return STREAMS.to_doc(record)


def _reading(reading: Reading) -> dict[str, Any]:
    return {column: getattr(reading, column) for column in READING_COLUMNS}


def _when(text: str | None, what: str) -> Any:
    return None if text is None else parse_datetime(text, what)


def _data(args: argparse.Namespace, what: str) -> Any:
    return with_dates(read_json(args.data, what), what)


def _detector(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("detector", help="detectors").add_subparsers(dest="action", required=True)
    create = group.add_parser("create", help="create from JSON (text, file or -)")
    create.add_argument("data")
    create.set_defaults(handler=lambda a, api: _doc(api.detectors.create(_data(a, "detector"))))
    group.add_parser("list").set_defaults(handler=lambda a, api: [_doc(d) for d in api.detectors.list()])
    show = group.add_parser("show")
    show.add_argument("name")
    show.set_defaults(handler=lambda a, api: _doc(api.detectors.get(a.name)))


def _dated(sub: argparse._SubParsersAction[argparse.ArgumentParser], kind: str) -> argparse._SubParsersAction[Any]:
    group = sub.add_parser(kind, help=f"{kind}s").add_subparsers(dest="action", required=True)

    def book(api: Ricochet) -> Any:
        return api.runs if kind == "run" else api.streams

    create = group.add_parser("create", help="create from JSON (text, file or -)")
    create.add_argument("data")
    create.set_defaults(handler=lambda a, api: _doc(book(api).create(_data(a, kind))))
    for action in ("start", "stop"):
        command = group.add_parser(action, help=f"{action} now (database time) or --at an ISO date")
        command.add_argument("name")
        command.add_argument("--at", help="ISO-8601 date with timezone, e.g. 2026-11-24T03:00:00Z")
        command.set_defaults(
            handler=lambda a, api, action=action: _doc(
                getattr(book(api), action)(a.name, _when(a.at, f"{kind} {a.name!r} {action}"))
            )
        )
    group.add_parser("list").set_defaults(handler=lambda a, api: [_doc(r) for r in book(api).list()])
    show = group.add_parser("show")
    show.add_argument("name")
    show.set_defaults(handler=lambda a, api: _doc(book(api).get(a.name)))
    return group


def _stream_extras(group: argparse._SubParsersAction[Any]) -> None:
    history = group.add_parser("history", help="processing history").add_subparsers(dest="step", required=True)
    add = history.add_parser("add", help="add a history record to a finished stream")
    add.add_argument("name")
    add.add_argument("--detector", required=True)
    add.add_argument("--label", required=True, help="processed, analyzed, ...")
    add.add_argument("--commit", required=True, help="git commit of the code used")
    add.add_argument("--description", default="")
    add.add_argument("--status", type=float, help="fraction of processing success, 0..1")
    add.add_argument("--conf", help="processing configuration as JSON")
    add.add_argument("--at", help="ISO-8601 date with timezone (default: now)")
    add.set_defaults(
        handler=lambda a, api: _doc(
            api.streams.add_history_record(
                _when(a.at, "history timestamp") or api.now(),
                a.name,
                a.detector,
                a.label,
                a.commit,
                a.description,
                a.status,
                None if a.conf is None else read_json(a.conf, "--conf"),
            )
        )
    )
    detector = group.add_parser("add-detector", help="add a detector to a finished stream")
    detector.add_argument("name")
    detector.add_argument("--channel-config", required=True, help="JSON with det_name")
    detector.add_argument("--acq-config", default="{}", help="JSON")
    detector.add_argument("--bbox-status", default="{}", help="JSON")
    detector.set_defaults(
        handler=lambda a, api: _doc(
            api.streams.add_detector(
                a.name,
                read_json(a.channel_config, "--channel-config"),
                read_json(a.acq_config, "--acq-config"),
                read_json(a.bbox_status, "--bbox-status"),
            )
        )
    )
    temperature = group.add_parser("temperature", help="set, or compute from readings, the stream temperature")
    temperature.add_argument("name")
    temperature.add_argument("--mean", type=float)
    temperature.add_argument("--std", type=float)
    temperature.add_argument("--from-readings", metavar="COLLECTION", help="compute from this readings collection")
    temperature.add_argument("--label", default="T_4K", help="thermometer label (default T_4K)")
    temperature.add_argument("--device", help="restrict to one device")
    temperature.set_defaults(handler=_temperature)


def _temperature(args: argparse.Namespace, api: Ricochet) -> Any:
    if args.from_readings:
        return _doc(api.streams.compute_temperature(args.name, args.from_readings, args.label, args.device))
    if args.mean is None or args.std is None:
        raise ValidationError(f"stream {args.name!r} temperature", "--mean/--std", "give both, or --from-readings")
    return _doc(api.streams.add_temperature(args.name, args.mean, args.std))


def _daq(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("daq", help="DAQ messages").add_subparsers(dest="action", required=True)
    insert = group.add_parser("insert", help="insert a JSON list of messages (file or -), all or nothing")
    insert.add_argument("data")
    insert.set_defaults(handler=lambda a, api: {"inserted": api.daq.insert(_data(a, "DAQ batch"))})
    show = group.add_parser("list", help="stored messages")
    show.add_argument("--topic")
    show.add_argument("--limit", type=int, default=50)
    show.set_defaults(handler=lambda a, api: api.daq.find(a.topic, a.limit))


def _readings(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    group = sub.add_parser("readings", help="stored readings").add_subparsers(dest="action", required=True)
    latest = group.add_parser("latest", help="latest reading of every label")
    latest.add_argument("--device")
    latest.add_argument(
        "--since", default="1d", help="look back this far: 30m, 6h, 2d, an ISO date, or 'all' (default 1d)"
    )
    latest.set_defaults(
        handler=lambda a, api: [_reading(r) for r in api.readings.latest(a.device, parse_since(a.since, api.now))]
    )


def _ingest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ingest = sub.add_parser("ingest", help="load processing result files newer than the database, then delete them")
    ingest.add_argument("folder")
    ingest.add_argument("--regexp", default=r".*\.json", help=r"file names to take (whole name), default '.*\.json'")
    ingest.add_argument("--keep", action="store_true", help="do not delete the loaded files")
    ingest.set_defaults(handler=_run_ingest)


def _run_ingest(args: argparse.Namespace, api: Ricochet) -> Any:
    report = api.processing.parse_folder(args.folder, args.regexp, delete_files=not args.keep)
    rows = [{"file": name, "outcome": "loaded", "reason": ""} for name in report.loaded]
    rows += [{"file": name, "outcome": "skipped", "reason": why} for name, why in report.skipped]
    rows += [{"file": name, "outcome": "rejected", "reason": why} for name, why in report.rejected]
    return rows


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ricochetdb", description=__doc__)
    parser.add_argument(
        "--db",
        help="sqlite:///file.sqlite or mongodb://host:27017/db (default: env RICOCHETDB_URI, else ./ricochetdb.sqlite)",
    )
    parser.add_argument("--db-file", help="read the URI from this file (mode 600), to keep the password private")
    parser.add_argument("--db-name", help="MongoDB database name when the URI has none")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every cycle, not only changes")
    parser.add_argument("--version", action="version", version=f"ricochetdb {version('ricochetdb')}")
    parser.add_argument("--timeout-ms", type=int, default=3000, help="MongoDB server selection timeout (ms)")
    parser.add_argument(
        "--spool", help="MongoDB's local fallback file (default: env RICOCHETDB_SPOOL, else ./ricochetdb-spool.sqlite)"
    )
    for kind, default in DEFAULT_COLLECTIONS.items():
        parser.add_argument(f"--{kind}-collection", default=default, help=f"(default {default})")
    sub = parser.add_subparsers(dest="command", required=True)
    _detector(sub)
    _dated(sub, "run")
    _stream_extras(_dated(sub, "stream"))
    _daq(sub)
    _readings(sub)
    _ingest(sub)
    cli_devices.add_commands(sub)
    cli_ops.add_commands(sub)
    return parser


def _print(result: Any, args: argparse.Namespace) -> None:
    if args.json:
        sys.stdout.write(to_json(result) + "\n")
    elif isinstance(result, list):
        rows = [row if isinstance(row, dict) else {"value": row} for row in result]
        columns = _columns(args, rows)
        table(rows, columns, sys.stdout)
    elif isinstance(result, dict):
        width = max((len(key) for key in result), default=0)
        for key, value in result.items():
            sys.stdout.write(f"{key.ljust(width)}  {to_json(value) if isinstance(value, (dict, list)) else value}\n")


def _columns(args: argparse.Namespace, rows: list[dict[str, Any]]) -> Sequence[str]:
    if args.command == "run":
        return RUN_COLUMNS
    if args.command == "stream":
        return STREAM_COLUMNS
    if args.command in ("readings", "demo"):
        return READING_COLUMNS
    return list(dict.fromkeys(key for row in rows for key in row)) or ["name"]


def _configure_logging(verbose: bool) -> None:
    """Log lines on stderr stamped in UTC, so a night's log reads against the stored timestamps."""
    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    collections = {kind: getattr(args, f"{kind}_collection") for kind in DEFAULT_COLLECTIONS}
    try:
        if not getattr(args, "needs_db", True):
            _print(args.handler(args, None), args)
            return 0
        uri = read_uri_file(args.db_file) if args.db_file else args.db
        with connect(uri, args.db_name, collections=collections, timeout_ms=args.timeout_ms, spool=args.spool) as api:
            _print(args.handler(args, api), args)
    except StoreUnavailable as error:
        sys.stderr.write(f"ricochetdb: database unavailable: {redact(str(error))}\n")
        return 3
    except StoreConfigurationError as error:
        sys.stderr.write(f"ricochetdb: database configuration refused: {redact(str(error))}\n")
        return 3
    except RicochetError as error:
        sys.stderr.write(f"ricochetdb: {redact(str(error))}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
