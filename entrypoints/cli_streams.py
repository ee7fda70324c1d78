"""CLI commands that complete a finished stream: ``history add``, ``add-detector``, ``temperature``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ricochetdb.entrypoints.cli_records import doc

Leaf = Callable[..., argparse.ArgumentParser]


def build_extras(leaf: Leaf) -> None:
    """Add the stream-only subcommands through ``leaf(action, help)``."""
    history = leaf("history", "processing history").add_subparsers(dest="step", required=True, metavar="STEP")
    add = history.add_parser("add", help="add a history record to a finished stream")
    add.add_argument("name")
    add.add_argument("--detector", required=True, help="a detector of the detector collection")
    add.add_argument("--label", required=True, help="processed, analyzed, ...")
    add.add_argument("--commit", required=True, help="git commit of the code used")
    add.add_argument("--description", default="")
    add.add_argument("--status", type=float, help="fraction of processing success, 0..1")
    add.add_argument("--conf", help="processing configuration as JSON, e.g. '{\"threshold\": 3}'")
    add.add_argument("--at", help="ISO-8601 date with timezone (default: now)")
    add.set_defaults(handler=_history)
    detector = leaf(
        "add-detector",
        "add a detector to a finished stream",
        epilog='mandatory: --channel-config with det_name, e.g. \'{"det_name": "FID1", "chan_name": "ChalA"}\'',
    )
    detector.add_argument("name")
    detector.add_argument("--channel-config", required=True, help='JSON with det_name, e.g. \'{"det_name": "FID1"}\'')
    detector.add_argument("--acq-config", default="{}", help="JSON (default {})")
    detector.add_argument("--bbox-status", default="{}", help="JSON (default {})")
    detector.set_defaults(handler=_add_detector)
    temperature = leaf("temperature", "set, or compute from readings, the stream temperature (kelvin)")
    temperature.add_argument("name")
    temperature.add_argument("--mean", type=float, help="mean temperature in kelvin (positive)")
    temperature.add_argument("--std", type=float, help="its standard deviation")
    temperature.add_argument("--from-readings", metavar="COLLECTION", help="compute from this readings collection")
    temperature.add_argument("--label", default="T_4K", help="thermometer label (default T_4K)")
    temperature.add_argument("--device", help="restrict to one device")
    temperature.set_defaults(handler=_temperature)
    from ricochetdb.entrypoints.cli_history import add_stream_summary

    add_stream_summary(leaf)


def _history(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.edge import parse_datetime, read_json

    when = api.now() if args.at is None else parse_datetime(args.at, "history timestamp")
    conf = None if args.conf is None else read_json(args.conf, "--conf")
    streams = api.streams
    record = streams.add_history_record(
        when, args.name, args.detector, args.label, args.commit, args.description, args.status, conf
    )
    return doc(record)


def _add_detector(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.entrypoints.edge import read_json

    channel = read_json(args.channel_config, "--channel-config")
    acq = read_json(args.acq_config, "--acq-config")
    bbox = read_json(args.bbox_status, "--bbox-status")
    return doc(api.streams.add_detector(args.name, channel, acq, bbox))


def _temperature(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.domain.errors import ValidationError

    if args.from_readings:
        return doc(api.streams.compute_temperature(args.name, args.from_readings, args.label, args.device))
    if args.mean is None or args.std is None:
        raise ValidationError(f"stream {args.name!r} temperature", "--mean/--std", "give both, or --from-readings")
    return doc(api.streams.add_temperature(args.name, args.mean, args.std))
