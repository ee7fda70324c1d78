"""CLI commands that talk to devices: ``poll``, ``emulate`` and the ``demo`` main job."""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ricochetdb.adapters.emulators.base import FAULTS
from ricochetdb.adapters.emulators.cryostat import EMULATORS, EmulatedDevice, start_cryostat, start_emulator, stop_all
from ricochetdb.application.poll_loop import Observer
from ricochetdb.domain.alarms import AlarmConfig
from ricochetdb.domain.errors import RicochetError, ValidationError
from ricochetdb.entrypoints import cli_web
from ricochetdb.entrypoints.alarm_wiring import load_rules, observe_cycle, start_alarms
from ricochetdb.entrypoints.api import Ricochet
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig, dump_config, load_config

logger = logging.getLogger("ricochetdb")


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


def _config_of(devices: list[EmulatedDevice], interval: float, collection: str) -> PollConfig:
    entries = [DeviceEntry(d.device_type, d.address, collection, d.options) for d in devices]
    return PollConfig(interval, collection, entries)


def _poll(args: argparse.Namespace, api: Ricochet) -> Any:
    config = load_config(args.config)
    if args.interval is not None:
        if args.interval <= 0:
            raise ValidationError("poll", "--interval", "must be positive")
        config = PollConfig(args.interval, config.collection, config.devices, config.mapping)
    rules = load_rules(args.alarms, args.config)
    return _run(api, config, args.cycles, args.serve, rules, args.token_file)


def _run(
    api: Ricochet,
    config: PollConfig,
    cycles: int | None,
    serve: str | None = None,
    rules: AlarmConfig | None = None,
    token_file: str | None = None,
) -> dict[str, Any]:
    engine = start_alarms(api.store, rules, config) if rules is not None else None
    web = cli_web.start_beside_poller(api, config, serve, engine, token_file) if serve else None
    observers: list[Observer] = [] if web is None else [web.live.on_cycle]
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
        if web:
            web.stop()
        if engine is not None:
            engine.close()
    return {"cycles": stats.cycles, "stored": stats.stored, "failures": stats.failures, "late": stats.late_cycles}


def _emulate(args: argparse.Namespace, _api: Ricochet | None) -> Any:
    if args.type.lower() == "all":
        devices = start_cryostat(args.fault)
    else:
        devices = [start_emulator(args.type, args.port, args.fault)]
    try:
        config = _config_of(devices, 10.0, "readings")
        for device in devices:
            sys.stdout.write(f"{device.device_type:<11} on {device.emulator.address:<22} options {device.options}\n")
        config_out = args.config_out if args.config_out is not None else ("devices.toml" if len(devices) > 1 else "")
        if config_out:
            Path(config_out).write_text(dump_config(config), encoding="utf-8")
            sys.stdout.write(f"device configuration written to {config_out}\n")
        sys.stdout.write("Ctrl-C stops the emulators.\n")
        sys.stdout.flush()
        with stop_on_interrupt() as stop:
            stop.wait(args.seconds)
    finally:
        stop_all(devices)
    return None


def _demo(args: argparse.Namespace, api: Ricochet) -> Any:
    devices = start_cryostat()
    try:
        cycles = args.cycles if args.cycles is not None else (None if args.serve else 3)
        summary = _run(api, _config_of(devices, args.interval, api.collections["readings"]), cycles, args.serve)
    finally:
        stop_all(devices)
    sys.stderr.write(
        f"polled {len(devices)} emulated devices for {summary['cycles']} cycles into {api.describe()}: "
        f"{summary['stored']} readings stored, {summary['failures']} failures\n"
    )
    columns = ("device_type", "device", "label", "value", "unit", "timestamp")
    return [{c: getattr(r, c) for c in columns} for r in api.readings.latest()]


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``poll``, ``emulate`` and ``demo``."""
    poll = sub.add_parser("poll", help="poll the configured devices into the database")
    poll.add_argument("--config", required=True, help="device configuration file (TOML, see README)")
    poll.add_argument("--interval", type=float, help="seconds between cycles (overrides the file)")
    poll.add_argument("--cycles", type=int, help="stop after N cycles (default: until Ctrl-C)")
    poll.add_argument("--serve", metavar="[HOST:]PORT", help="also serve the web pages, API and /metrics (live)")
    poll.add_argument("--alarms", help="alarm rules file (TOML, see docs/alarms.md); else the [[alarm]] sections")
    poll.add_argument("--token-file", help="with --serve: file holding the token that actions (acknowledge) need")
    poll.set_defaults(handler=_poll)

    emulate = sub.add_parser("emulate", help="run device emulators on 127.0.0.x until Ctrl-C")
    emulate.add_argument("type", help=f"all, or one of {', '.join(EMULATORS)}")
    emulate.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    emulate.add_argument("--fault", choices=FAULTS, default="none")
    emulate.add_argument(
        "--config-out",
        help="write the matching device configuration file here (default for 'all': devices.toml; '' for none)",
    )
    emulate.add_argument("--seconds", type=float, help="stop after this many seconds")
    emulate.set_defaults(handler=_emulate, needs_db=False)

    demo = sub.add_parser("demo", help="the main job on emulated devices: poll a whole cryostat, show the latest")
    demo.add_argument("--cycles", type=int, help="stop after N cycles (default 3; with --serve: until Ctrl-C)")
    demo.add_argument("--serve", metavar="[HOST:]PORT", help="also serve the web pages; prints the URL to open")
    demo.add_argument("--interval", type=float, default=1.0)
    demo.set_defaults(handler=_demo)
