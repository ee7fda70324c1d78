"""CLI commands that talk to devices: ``poll``, ``emulate`` and the ``demo`` main job.

``poll`` exits 4 when, in some cycle, every device failed so that nothing could be stored.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from ricochetdb.adapters.emulators.cryostat import EmulatedDevice
    from ricochetdb.application.polling import FetchResult, Poller
    from ricochetdb.entrypoints.devices_config import PollConfig

logger = logging.getLogger("ricochetdb")
DEVICE_TYPES = "MMR3 MMR3-HTTP MGC3 CMCPA JSON-CMCPA CRYO JSON-CRYO CPX200 MP710508 JSON-SCALE"


def build(command: str, parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    """``poll``, ``emulate`` or ``demo``."""
    if command == "poll":
        parser.add_argument("--config", default="devices.toml", help="device configuration file (default devices.toml)")
        parser.add_argument("--interval", type=float, help="seconds between cycles (overrides the file)")
        parser.add_argument("--cycles", type=int, help="stop after N cycles (default: until Ctrl-C)")
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
        parser.add_argument("--cycles", type=int, default=3)
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument(
            "--force",
            action="store_true",
            help="write emulated readings into a database that is not a local SQLite file",
        )
        parser.set_defaults(handler=_demo, columns=("device_type", "device", "label", "value", "unit", "timestamp"))


@contextlib.contextmanager
def stop_on_interrupt() -> Iterator[threading.Event]:
    """Ctrl-C (or SIGTERM) sets the event: the loop finishes its cycle, then stops."""
    stop = threading.Event()

    def ask_to_stop(signum: int, _frame: Any) -> None:
        logger.warning("%s received: stopping after the current cycle", signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class CycleWatch:
    """Stands for the poller in the loop and counts the cycles in which every device failed."""

    def __init__(self, poller: Poller) -> None:
        self.poller = poller
        self.dead_cycles = 0

    def fetch(self, category: str = "all") -> FetchResult:
        result = self.poller.fetch(category)
        failed = {failure.device for failure in result.failures}
        if self.poller.sources and result.count == 0 and len(failed) >= len(self.poller.sources):
            self.dead_cycles += 1
            logger.error("every device failed at %s: nothing stored this cycle", result.timestamp.isoformat())
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.poller, name)


def _config_of(devices: list[EmulatedDevice], interval: float, collection: str) -> PollConfig:
    from ricochetdb.entrypoints.devices_config import DeviceConfig, PollConfig

    entries = [DeviceConfig(d.device_type, d.address, collection, d.options) for d in devices]
    return PollConfig(interval, collection, entries)


def _poll(args: argparse.Namespace, api: Any) -> Any:
    from ricochetdb.domain.errors import ValidationError
    from ricochetdb.entrypoints.devices_config import PollConfig, load_config
    from ricochetdb.entrypoints.output import PARTIAL, Outcome

    config = load_config(args.config)
    if args.interval is not None:
        if not 0 < args.interval <= 86400:
            raise ValidationError("poll", "--interval", "must be seconds in (0, 86400]")
        config = PollConfig(args.interval, config.collection, config.devices, config.mapping)
    if args.cycles is not None and args.cycles < 1:
        raise ValidationError("poll", "--cycles", "must be at least 1")
    summary, dead = _run(api, config, args.cycles)
    if dead:
        message = f"every device failed in {dead} of {summary['cycles']} cycles: nothing stored in those (see the log)"
        return Outcome(summary, PARTIAL, message)
    return summary


def _run(api: Any, config: PollConfig, cycles: int | None) -> tuple[dict[str, Any], int]:
    from ricochetdb.domain.errors import RicochetError
    from ricochetdb.entrypoints.daemon import poll_loop

    poller = api.poller(config)
    try:
        for record in api.left_open():
            logger.warning("%s: stop it once it is over ('ricochetdb run stop' / 'stream stop')", record)
    except RicochetError as error:
        logger.warning("could not check for runs and streams left open: %s", error)
    watch = CycleWatch(poller)
    try:
        with stop_on_interrupt() as stop:
            stats = poll_loop(
                cast("Poller", watch), api.store, config.interval, cycles, stop, after_cycle=api.replay_spool
            )
    finally:
        poller.close()
    summary = {"cycles": stats.cycles, "stored": stats.stored, "failures": stats.failures, "late": stats.late_cycles}
    return summary, watch.dead_cycles


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
    devices = start_cryostat()
    try:
        summary, _dead = _run(api, _config_of(devices, args.interval, api.collections["readings"]), args.cycles)
    finally:
        stop_all(devices)
    sys.stderr.write(
        f"polled {len(devices)} emulated devices for {summary['cycles']} cycles into {api.describe()}: "
        f"{summary['stored']} readings stored, {summary['failures']} failures\n"
    )
    return [{column: getattr(r, column) for column in args.columns} for r in api.readings.latest(None, started)]
