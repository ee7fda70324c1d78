"""Faults around the poller: a SIGKILLed poller's spool, and devices that fail in every way."""

from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from mongo_server import free_port

from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.emulators.cryostat import start_emulator, stop_all
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.poll_loop import PollLoop
from ricochetdb.application.polling import Poller
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig, dump_config

pytestmark = pytest.mark.slow


def test_a_poller_killed_while_spooling_loses_at_most_the_cycle_in_flight(tmp_path: Path) -> None:
    device = start_emulator("CPX200")
    spool = tmp_path / "spool.sqlite"
    config = PollConfig(0.01, "power", [DeviceEntry("CPX200", device.address, "power", device.options)])
    (tmp_path / "devices.toml").write_text(dump_config(config))
    dead_server = f"mongodb://127.0.0.1:{free_port()}/x"
    command = [
        sys.executable,
        "-m",
        "ricochetdb.entrypoints.cli",
        "--db",
        dead_server,
        "--timeout-ms",
        "200",
        "--spool",
        str(spool),
        "poll",
        "--config",
        str(tmp_path / "devices.toml"),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if spool.exists() and _count(spool) >= 200:
                break
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        process.kill()
        device.emulator.stop()
    with sqlite3.connect(spool) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = _count(spool)
    assert stored >= 200 and stored % 10 == 0, "every cycle's 10 readings are committed together or not at all"
    reopened = SqliteStore(str(spool))
    assert len(reopened.readings("power").find(limit=5)) == 5
    reopened.close()


def _count(path: Path) -> int:
    try:
        with sqlite3.connect(path, timeout=5) as connection:
            return int(connection.execute("SELECT count(*) FROM readings").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def test_failing_devices_keep_the_cycle_time_go_degraded_once_and_recover(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    healthy = start_emulator("JSON-SCALE")
    faulty = [start_emulator("CPX200", fault=f) for f in ("silent", "garbage", "truncated")]
    slow = start_emulator("JSON-SCALE", fault="slow", slow_delay=30.0)
    refused = start_emulator("CMCPA")
    refused_address = refused.address
    refused.emulator.stop()
    store = SqliteStore(str(tmp_path / "faults.sqlite"))
    poller = Poller(store.clock, store.clock, {}, store.events("device_events"))
    devices = [healthy, *faulty, slow]
    for device in devices:
        poller.add(build_reader(device.device_type, device.address, {**device.options, "timeout": 0.2}), "r")
    poller.add(build_reader("CMCPA", refused_address, {"timeout": 0.2}), "r")
    loop = PollLoop(poller, store, interval=0.0)
    try:
        cycles = 12  # a device slow for 30 s is cut at its 0.2 s timeout: 12 cycles end well inside pytest's timeout
        loop.run(cycles)
        assert len(store.readings("r").find(device=f"JSON-SCALE@{healthy.address}", label="weight")) == cycles
        degraded = [r for r in caplog.records if "degraded" in r.getMessage()]
        assert len(degraded) == 5, [r.getMessage() for r in degraded]
        for device in faulty:
            device.emulator.fault = "none"
        expected = {f"CPX200@{d.address}" for d in faulty}
        pace = threading.Event()
        for _ in range(240):  # the transports back off after failures: cycles go on until each came back (bounded)
            loop.cycle()
            recovered = {e.device for e in store.events("device_events").find() if e.state == "ok"}
            if recovered == expected:
                break
            pace.wait(0.25)
        assert recovered == expected
        assert sum(1 for r in caplog.records if "recovered" in r.getMessage()) == 3
    finally:
        poller.close()
        stop_all(devices)
        store.close()
