"""CLI commands that talk to devices: ``poll``, ``emulate`` and the ``demo`` main job.

``poll`` exits 4 when, in some cycle, every device failed so that nothing could be stored.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ricochetdb.adapters.emulators.cryostat import EmulatedDevice
    from ricochetdb.application.poll_loop import CycleReport, Observer
    from ricochetdb.domain.alarms import AlarmConfig
    from ricochetdb.entrypoints.devices_config import PollConfig

logger = logging.getLogger("ricochetdb")
DEVICE_TYPES = "MMR3 MMR3-HTTP MGC3 CMCPA JSON-CMCPA CRYO JSON-CRYO CPX200 MP710508 JSON-SCALE"
DEMO_PORT = 8080


def build(command: str, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``poll``, ``emulate`` or ``demo``."""
    if command == "poll":
        parser.add_argument("--config", default="devices.toml", help="device configuration file (default devices.toml)")
        parser.add_argument("--interval", type=float, help="seconds between cycles (overrides the file)")
        parser.add_argument("--cycles", type=int, help="stop after N cycles (default: until Ctrl-C)")
        parser.add_argument("--serve", metavar="[HOST:]PORT", help="also serve the web pages, API and /metrics (live)")
        parser.add_argument("--alarms", help="alarm rules file (TOML, docs/alarms.md); else the [[alarm]] sections")
        parser.add_argument("--token-file", help="with --serve: file holding the token that actions (acknowledge) need")
        parser.set_defaults(handler=_poll)
    elif command == "emulate":
        parser.add_argument("type", help=f"all, or one of {DEVICE_TYPES}")
        parser.add_argument("--port", type=int, default=0, help="port 1..65535 (default: a free one)")
        parser.add_argument("--fault", default="none", help="none silent slow garbage truncated")
        parser.add_argument(
            "--config-out",
            help="write the matching device configuration file here (default for 'all': devices.toml; '' for none)",
        )
        parser.add_argument("--seconds", type=float, help="stop after this many seconds")
        parser.set_defaults(handler=_emulate, access="none")
    else:
        parser.add_argument("--cycles", type=int, help="stop after N cycles (then without the web page unless --serve)")
        parser.add_argument(
            "--serve",
            metavar="[HOST:]PORT",
            help=f"where the web page listens (default 127.0.0.1:{DEMO_PORT}, or a free port if taken)",
        )
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--force",
            action="store_true",
            help="write emulated readings into a database that is not a local SQLite file",
        )
        parser.set_defaults(handler=_demo, columns=("device_type", "device", "label", "value", "unit", "timestamp"))


@contextlib.contextmanager
def stop_on_interrupt(stop: threading.Event | None = None) -> Iterator[threading.Event]:
    """Ctrl-C (or SIGTERM) sets the event: the loop finishes its cycle, then stops."""
    stop = stop or threading.Event()

    def ask_to_stop(signum: int, _frame: Any) -> None:
        logger.warning("%s received: stopping after the current cycle", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class DeadCycles:
    """Counts the cycles in which every configured device failed, so that nothing could be stored."""

    def __init__(self, devices: int) -> None:
        self.devices = devices
        self.count = 0

    def __call__(self, report: CycleReport) -> None:
        failed = {failure.device for failure in report.failures if not failure.field}
        if self.devices and not report.polls and len(failed) >= self.devices:
            self.count += 1
            logger.error("every device failed at %s: nothing stored this cycle", report.timestamp.isoformat())


def _config_of(devices: list[EmulatedDevice], interval: float, collection: str) -> PollConfig:
    from ricochetdb.entrypoints.devices_config import DeviceConfig, PollConfig

    entries = [DeviceConfig(d.device_type, d.address, collection, d.options) for d in devices]
    return PollConfig(interval, collection, entries)


def _poll(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.domain.errors import ValidationError
    from ricochetdb.entrypoints.alarm_wiring import load_rules
    from ricochetdb.entrypoints.devices_config import PollConfig, load_config
    from ricochetdb.entrypoints.output import PARTIAL, Outcome

    config = load_config(args.config)
    if args.interval is not None:
        if not 0 < args.interval <= 86400:
            raise ValidationError("poll", "--interval", "must be seconds in (0, 86400]")
        config = PollConfig(args.interval, config.collection, config.devices, config.mapping)
    if args.cycles is not None and args.cycles < 1:
        raise ValidationError("poll", "--cycles", "must be at least 1")
    rules = load_rules(args.alarms, args.config)
    summary, dead = _run(api, config, args.cycles, args.serve, rules, args.token_file)
    if dead:
        message = f"every device failed in {dead} of {summary['cycles']} cycles: nothing stored in those (see the log)"
        return Outcome(summary, PARTIAL, message)
    return summary


def _run(
    api: Any,
    config: PollConfig,
    cycles: int | None,
    serve: str | None = None,
    rules: AlarmConfig | None = None,
    token_file: str | None = None,
) -> tuple[dict[str, Any], int]:
    """The poll loop, with the alarm engine and the web service as observers of each cycle when asked."""
    from ricochetdb.domain.errors import RicochetError
    from ricochetdb.entrypoints import cli_web
    from ricochetdb.entrypoints.alarm_wiring import observe_cycle, start_alarms

    engine = start_alarms(api.store, rules, config) if rules is not None else None
    web = cli_web.start_beside_poller(api, config, serve, engine, token_file) if serve else None
    dead = DeadCycles(len(config.devices))
    observers: list[Observer] = [dead]
    if web is not None:
        observers.append(web.live.on_cycle)
    if engine is not None:
        observers.append(functools.partial(observe_cycle, engine))
    loop = api.poll_loop(config, observers=observers)
    try:
        for record in api.left_open():
            logger.warning("%s: stop it once it is over ('ricochetdb run stop' / 'stream stop')", record)
    except RicochetError as error:
        logger.warning("could not check for runs and streams left open: %s", error)
    try:
        with stop_on_interrupt(loop.stop):
            stats = loop.run(cycles)
    finally:
        loop.poller.close()
        if web is not None:
            web.stop()
        if engine is not None:
            engine.close()
    summary = {"cycles": stats.cycles, "stored": stats.stored, "failures": stats.failures, "late": stats.late_cycles}
    return summary, dead.count


def _emulate(args: argparse.Namespace, _api: Any) -> Any:
    """Check every argument, then start: a refusal starts nothing."""
    from ricochetdb.adapters.emulators.base import FAULTS
    from ricochetdb.adapters.emulators.cryostat import EMULATORS, start_cryostat, start_emulator, stop_all
    from ricochetdb.domain.errors import ValidationError
    from ricochetdb.entrypoints.devices_config import dump_config

    kind = args.type.upper()
    if kind != "ALL" and kind not in EMULATORS:
        raise ValidationError("emulate", "type", f"{args.type!r} is not 'all' nor one of {', '.join(EMULATORS)}")
    if args.fault not in FAULTS:
        raise ValidationError("emulate", "--fault", f"{args.fault!r} is not one of {', '.join(FAULTS)}")
    if not 0 <= args.port <= 65535 or (kind == "ALL" and args.port):
        raise ValidationError("emulate", "--port", f"{args.port} is not a port 1..65535 (and 'all' takes free ports)")
    config_out = args.config_out if args.config_out is not None else ("devices.toml" if kind == "ALL" else "")
    if config_out:
        _check_writable(config_out)
    try:
        devices = start_cryostat(args.fault) if kind == "ALL" else [start_emulator(kind, args.port, args.fault)]
    except OSError as error:
        raise ValidationError("emulate", "--port", f"{args.port} cannot be used: {error.strerror or error}") from None
    try:
        for device in devices:
            sys.stdout.write(f"{device.device_type:<11} on {device.emulator.address:<22} options {device.options}\n")
        if config_out:
            Path(config_out).write_text(dump_config(_config_of(devices, 10.0, "readings")), encoding="utf-8")
            sys.stdout.write(f"device configuration written to {config_out}\n")
        sys.stdout.write("Ctrl-C stops the emulators.\n")
        sys.stdout.flush()
        with stop_on_interrupt() as stop:
            stop.wait(args.seconds)
    finally:
        stop_all(devices)
    return None


def _check_writable(path: str) -> None:
    from ricochetdb.domain.errors import ValidationError

    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    exists_ok = not target.exists() or (target.is_file() and os.access(target, os.W_OK))
    if not (folder.is_dir() and os.access(folder, os.W_OK) and exists_ok):
        raise ValidationError(
            "emulate", "--config-out", f"{path} cannot be written (its folder must exist and be writable)"
        )


def _demo(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.adapters.emulators.cryostat import start_cryostat, stop_all
    from ricochetdb.adapters.sqlite.store import SqliteStore
    from ricochetdb.domain.errors import ValidationError

    store = api.store
    if not args.force and not (isinstance(store, SqliteStore) and store.path != ":memory:"):
        raise ValidationError(
            "demo",
            "--db",
            f"{api.describe()} is not a local SQLite file: the demo writes emulated readings (--force to insist)",
        )
    started = api.now()
    serve = args.serve if args.serve or args.cycles is not None else _demo_listen()
    devices = start_cryostat()
    try:
        config = _config_of(devices, args.interval, api.collections["readings"])
        summary, _dead = _run(api, config, args.cycles, serve)
    finally:
        stop_all(devices)
    sys.stderr.write(
        f"polled {len(devices)} emulated devices for {summary['cycles']} cycles into {api.describe()}: "
        f"{summary['stored']} readings stored, {summary['failures']} failures\n"
    )
    return [{column: getattr(r, column) for column in args.columns} for r in api.readings.latest(None, started)]


def _demo_listen() -> str:
    """127.0.0.1:8080 for the demo's web page, or a free port when 8080 is taken."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", DEMO_PORT))
        except OSError:
            return "127.0.0.1:0"
    return f"127.0.0.1:{DEMO_PORT}"
