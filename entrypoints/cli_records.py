"""CLI commands of the books: ``detector``, ``run`` and ``stream`` (create, update, delete, start, stop, show...).

Only argparse is imported to build them; what a command runs is imported when it runs.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ricochetdb.domain.records import Detector, Run, Stream
    from ricochetdb.domain.revisions import Revision

MANDATORY = {
    "detector": (
        "name, acq_config, channel_config, status",
        '{"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"}',
    ),
    "run": ("name, detector", '{"name": "run01", "detector": [{"name": "RED15"}], "description": ""}'),
    "stream": (
        "name, acq_config, channel_config, comment",
        '{"name": "s001", "acq_config": {"d2": 250}, '
        '"channel_config": [{"det_name": "RED15", "chan_name": "ChalA"}], "comment": ""}',
    ),
}
UPDATABLE = {
    "detector": ("every field but the name", '{"status": "broken", "description": "cable cut"}'),
    "run": ("description, extra", '{"description": "warm-up aborted"}'),
    "stream": ("comment, status, acq_config, channel_config, extra", '{"comment": "noisy", "status": "bad"}'),
}
COLUMNS = {
    "detector": ("name", "status", "acq_config", "channel_config"),
    "run": ("name", "detector", "start_date", "stop_date", "description"),
    "stream": ("name", "status", "start_date", "stop_date", "comment"),
}
HISTORY_COLUMNS = ("timestamp", "user", "action", "revision", "before", "after")
JSON_INPUT = "JSON as text, a file name, or - for stdin"


def build(kind: str, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """The subcommands of ``detector``, ``run`` or ``stream``."""
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def leaf(action: str, help_text: str, **kwargs: Any) -> argparse.ArgumentParser:
        return sub.add_parser(action, help=help_text, description=help_text, parents=[common], **kwargs)

    fields, example = MANDATORY[kind]
    create = leaf(
        "create",
        f"create a {kind} from {JSON_INPUT}",
        epilog=f"mandatory fields: {fields}\nexample: ricochetdb {kind} create '{example}'",
    )
    create.add_argument("data", help=JSON_INPUT)
    changeable, example = UPDATABLE[kind]
    update = leaf(
        "update",
        f"correct a {kind}: the fields given replace the stored ones (kept in its history)",
        epilog=f"fields that may change: {changeable}\nexample: ricochetdb {kind} update NAME '{example}'",
    )
    update.add_argument("name")
    update.add_argument("data", help=JSON_INPUT)
    update.set_defaults(handler=_update)
    delete = leaf("delete", f"delete a {kind} created by mistake (refused once referenced); its history stays")
    delete.add_argument("name")
    delete.set_defaults(handler=_delete)
    leaf("list", f"every {kind}").set_defaults(handler=_list, access="records", columns=COLUMNS[kind])
    show = leaf("show", f"one {kind}, or with --history every change made to it")
    show.add_argument("name")
    show.add_argument("--history", action="store_true", help="who changed what, when (database time)")
    show.set_defaults(handler=_show, access="records")
    if kind == "detector":
        create.set_defaults(handler=_create)
        return
    create.add_argument("--allow-future", action="store_true", help="accept a start or stop date in the future")
    create.set_defaults(handler=_create)
    for action in ("start", "stop"):
        command = leaf(action, f"{action} now (database time) or --at an ISO date")
        command.add_argument("name")
        command.add_argument("--at", help="ISO-8601 date with timezone, e.g. 2026-11-24T03:00:00Z")
        command.add_argument("--allow-future", action="store_true", help="accept a date in the future")
        command.set_defaults(handler=_start_stop)
    if kind == "stream":
        from ricochetdb.entrypoints.cli_streams import build_extras

        build_extras(leaf)


def book(args: argparse.Namespace, api: Any) -> Any:
    return {"detector": api.detectors, "run": api.runs, "stream": api.streams}[args.command]


def doc(record: Detector | Run | Stream) -> dict[str, Any]:
    """A record as users read it (the stored document)."""
    from ricochetdb.adapters.documents import DETECTORS, RUNS, STREAMS
    from ricochetdb.domain.records import Detector, Run

    if isinstance(record, Detector):
        return DETECTORS.to_doc(record)
    if isinstance(record, Run):
        return {**RUNS.to_doc(record), "detector": ", ".join(record.detector_names)}
    return STREAMS.to_doc(record)


def _data(args: argparse.Namespace, what: str) -> Any:
    from ricochetdb.entrypoints.edge import read_json, with_dates

    return with_dates(read_json(args.data, what), what)


def _create(args: argparse.Namespace, api: Any) -> Any:
    data = _data(args, args.command)
    if args.command == "detector":
        return doc(api.detectors.create(data))
    record = book(args, api).create(data, allow_future=args.allow_future)
    from ricochetdb.domain.records import unknown_fields

    if isinstance(data, dict) and (unknown := unknown_fields(data, args.command)):
        import logging

        logging.getLogger("ricochetdb").warning(
            "%s: not fields of a %s, kept under 'extra': %s", record.label, args.command, ", ".join(unknown)
        )
    return doc(record)


def _update(args: argparse.Namespace, api: Any) -> Any:
    return doc(book(args, api).update(args.name, _data(args, f"{args.command} {args.name!r} update")))


def _delete(args: argparse.Namespace, api: Any) -> Any:
    book(args, api).delete(args.name)
    return {
        "deleted": f"{args.command} {args.name!r}",
        "history": f"ricochetdb {args.command} show {args.name} --history",
    }


def _list(args: argparse.Namespace, api: Any) -> Any:
    return [doc(record) for record in book(args, api).list()]


def _show(args: argparse.Namespace, api: Any) -> Any:
    if args.history:
        args.columns = HISTORY_COLUMNS
        return [_revision(kept) for kept in book(args, api).history(args.name)]
    return doc(book(args, api).get(args.name))


def _revision(kept: Revision) -> dict[str, Any]:
    return {column: getattr(kept, column) for column in HISTORY_COLUMNS}


def _start_stop(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.edge import parse_datetime

    when = None if args.at is None else parse_datetime(args.at, f"{args.command} {args.name!r} {args.action}")
    change = getattr(book(args, api), args.action)
    return doc(change(args.name, when, allow_future=args.allow_future))
