"""CLI commands of the web side: ``serve`` (pages, API, metrics) and ``plot`` (export with matplotlib).

Starlette, uvicorn and matplotlib are imported inside the handlers: every other command starts
without paying for them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ricochetdb.domain.errors import ValidationError

if TYPE_CHECKING:
    from ricochetdb.application.alarms import AlarmEngine
    from ricochetdb.entrypoints.alarm_wiring import StoredAlarms
    from ricochetdb.entrypoints.api import Ricochet
    from ricochetdb.entrypoints.devices_config import PollConfig
    from ricochetdb.entrypoints.web.service import WebService

DEFAULT_PORT = 8080
FORMATS = ("png", "svg", "pdf")


def parse_listen(text: str) -> tuple[str, int]:
    """``[HOST:]PORT`` (``8080``, ``0.0.0.0:8080``, ``[::1]:8080``); the host defaults to 127.0.0.1."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        number = int(port)
    except ValueError:
        raise ValidationError("--serve", text, "expected [HOST:]PORT, e.g. 8080 or 127.0.0.1:8080") from None
    if not 0 <= number <= 65535:
        raise ValidationError("--serve", text, "the port must be within 0..65535")
    return host, number


def start_beside_poller(
    api: Ricochet,
    config: PollConfig,
    listen: str,
    alarms: AlarmEngine | None = None,
    token_file: str | None = None,
) -> WebService:
    """The web service in the poller's process (``poll --serve``, ``demo --serve``): live values from each cycle."""
    from ricochetdb.entrypoints.web.service import read_token, start_web_service

    host, port = parse_listen(listen)
    token = read_token(token_file)
    service = start_web_service(api, host, port, config, readings_from_store=False, alarms=alarms, token=token)
    sys.stderr.write(f"ricochetdb web service on {service.url}\n")
    sys.stderr.flush()
    return service


def _serve(args: argparse.Namespace, api: Ricochet) -> Any:
    from ricochetdb.entrypoints.cli_devices import stop_on_interrupt
    from ricochetdb.entrypoints.devices_config import load_config
    from ricochetdb.entrypoints.web.service import read_token, start_web_service

    config = load_config(args.config) if args.config else None
    token = read_token(args.token_file)
    alarms = _stored_alarms(api, args.alarms, args.interval or (config.interval if config else 10.0))
    with stop_on_interrupt() as stop:
        service = start_web_service(
            api, args.host, args.port, config, interval=args.interval, alarms=alarms, token=token, stop=stop
        )
        sys.stderr.write(f"ricochetdb web service on {service.url} (Ctrl-C stops it)\n")
        sys.stderr.flush()
        stop.wait()
        service.stop()
    return None


def _stored_alarms(api: Ricochet, rules: str | None, refresh_s: float) -> StoredAlarms | None:
    """With ``--alarms FILE``, the states its alarm log holds (written by ``poll --alarms`` elsewhere)."""
    if not rules:
        return None
    from ricochetdb.adapters.alarm_rules_file import load_alarm_config
    from ricochetdb.entrypoints.alarm_wiring import StoredAlarms, alarm_desk

    return StoredAlarms(alarm_desk(api.store, load_alarm_config(rules)), refresh_s)


def _plot(args: argparse.Namespace, api: Ricochet) -> Any:
    from ricochetdb.adapters.web import plots
    from ricochetdb.adapters.web.live import LiveState
    from ricochetdb.entrypoints.web.context import WebContext
    from ricochetdb.entrypoints.web.query import series_query

    out = Path(args.output)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        raise ValidationError("plot", "-o", f"the file must end in .png, .svg or .pdf, got {out.name!r}")
    if args.since and (args.start or args.stop):
        raise ValidationError("plot", "--since", "give --since or --start/--stop, not both")
    params: dict[str, list[str]] = {"label": args.labels, "points": [str(args.points)]}
    params["start"] = [args.start or f"-{args.since or '1d'}"]
    for name in ("stop", "device", "collection"):
        value = getattr(args, name)
        if value:
            params[name] = value if isinstance(value, list) else [value]
    query = series_query(params, api.now())
    default = api.collections["readings"]
    ctx = WebContext(api, LiveState(10.0, default), [default])
    histories = ctx.histories(query)
    out.write_bytes(plots.render(histories, query.start, query.stop, fmt, ctx.markers(query.start, query.stop)))
    return {"file": str(out), "tier": ", ".join(h.tier for h in histories), "bins": sum(len(h.bins) for h in histories)}


def build(command: str, parser: argparse.ArgumentParser, _common: argparse.ArgumentParser) -> None:
    """``serve`` or ``plot``."""
    if command == "serve":
        parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1: this machine only)")
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"(default {DEFAULT_PORT}; 0: a free one)")
        parser.add_argument(
            "--token-file", help="file (mode 600) holding the token that actions such as acknowledging need"
        )
        parser.add_argument(
            "--config", help="device configuration (TOML): devices, poll interval and collections to show"
        )
        parser.add_argument("--interval", type=float, help="seconds between refreshes (default: the config's, else 10)")
        parser.add_argument(
            "--alarms",
            help="alarm rules file of the poller: show the states of its alarm log on the pages and /metrics",
        )
        parser.set_defaults(handler=_serve, access="read")
        return
    parser.add_argument("labels", nargs="+", metavar="LABEL")
    parser.add_argument("--device", action="append", help="device of the labels (once, or once per label)")
    parser.add_argument("--collection", action="append", help="readings collection (once, or once per label)")
    parser.add_argument("--since", help="window back from now: 10m, 6h, 7d, 1y (default 1d)")
    parser.add_argument("--start", help="ISO-8601 date with timezone")
    parser.add_argument("--stop", help="ISO-8601 date with timezone (default now)")
    parser.add_argument("--points", type=int, default=2000, help="bins per label (default 2000)")
    parser.add_argument("-o", "--output", required=True, help="FILE.png, FILE.svg or FILE.pdf")
    parser.set_defaults(handler=_plot, access="read")
