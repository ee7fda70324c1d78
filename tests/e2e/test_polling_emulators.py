"""The main job end to end: emulated devices over real sockets, polled into a SQLite file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.emulators.cryostat import EMULATORS, start_cryostat, start_emulator, stop_all
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.polling import Poller
from ricochetdb.entrypoints.cli import main
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig, dump_config, load_config


@pytest.mark.parametrize("kind", sorted(EMULATORS))
def test_each_device_type_is_polled_into_sqlite(kind: str, tmp_path: Path) -> None:
    device = start_emulator(kind)
    store = SqliteStore(str(tmp_path / "poll.sqlite"))
    poller = Poller(store.clock, store.clock, {}, store.events("device_events"))
    try:
        poller.add(build_reader(device.device_type, device.address, {**device.options, "timeout": 2.0}), "r")
        result = poller.fetch()
        assert result.failures == []
        (poll,) = result.polls["r"]
        assert store.readings("r").add([poll]).new == result.count > 0
        stored = store.readings("r").latest(f"{device.device_type}@{device.address}")
        assert {r.label for r in stored} == set(poll.values)
        assert all(r.device_type == device.device_type and r.timestamp == result.timestamp for r in stored)
    finally:
        poller.close()
        device.emulator.stop()
        store.close()


def test_fifty_devices_with_five_silent_lose_only_the_silent_ones(tmp_path: Path) -> None:
    """How long a fetch takes against one timeout is measured by bench/fetch_concurrency.py, not asserted here."""
    timeout = 0.5
    devices = [start_emulator("CPX200", fault="silent" if i % 10 == 0 else "none") for i in range(50)]
    store = SqliteStore(str(tmp_path / "fifty.sqlite"))
    poller = Poller(store.clock, store.clock)
    try:
        for device in devices:
            poller.add(build_reader("CPX200", device.address, {"timeout": timeout}), "power")
        result = poller.fetch()
        assert len(result.failures) == 5 and len(result.polls["power"]) == 45 and result.count == 45 * 10
    finally:
        poller.close()
        stop_all(devices)
        store.close()


def test_the_poll_command_stores_every_device_of_the_emulated_cryostat(tmp_path: Path) -> None:
    devices = start_cryostat()
    try:
        config = PollConfig(0.2, "slow", [DeviceEntry(d.device_type, d.address, "slow", d.options) for d in devices])
        (tmp_path / "devices.toml").write_text(dump_config(config))
        db = f"sqlite:///{tmp_path / 'poll.sqlite'}"
        assert main(["--db", db, "poll", "--config", str(tmp_path / "devices.toml"), "--cycles", "2"]) == 0
    finally:
        stop_all(devices)
    store = SqliteStore(str(tmp_path / "poll.sqlite"))
    stored_types = {r.device_type for r in store.readings("slow").latest()}
    assert stored_types == {d.device_type for d in devices}
    assert len({r.timestamp for r in store.readings("slow").find(label="T_4K")}) == 2
    store.close()


def test_ctrl_c_stops_the_poll_loop_cleanly_after_the_cycle(tmp_path: Path) -> None:
    device = start_emulator("JSON-SCALE")
    try:
        config = PollConfig(0.2, "scale", [DeviceEntry("JSON-SCALE", device.address, "scale", device.options)])
        (tmp_path / "devices.toml").write_text(dump_config(config))
        db = f"sqlite:///{tmp_path / 'poll.sqlite'}"
        command = [
            sys.executable,
            "-m",
            "ricochetdb.entrypoints.cli",
            "--db",
            db,
            "--json",
            "poll",
            "--config",
            str(tmp_path / "devices.toml"),
        ]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(2.0)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        device.emulator.stop()
    assert process.returncode == 0, err
    assert '"cycles"' in out and "SIGINT received" in err
    store = SqliteStore(str(tmp_path / "poll.sqlite"))
    assert len(store.readings("scale").find(label="weight")) >= 2
    store.close()


def test_the_demo_prints_the_latest_reading_of_every_label(tmp_path: Path) -> None:
    env = {**os.environ, "RICOCHETDB_URI": f"sqlite:///{tmp_path / 'demo.sqlite'}"}
    done = subprocess.run(
        [sys.executable, "-m", "ricochetdb.entrypoints.cli", "demo", "--cycles", "2", "--interval", "0.2"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "0 failures" in done.stderr
    for label in ("T_4K", "weight", "ch1_resistance", "pid0_setpoint", "model", "out1_voltage_measured", "ch4_cv"):
        assert f" {label} " in done.stdout, label


def test_emulate_all_writes_devices_toml_that_poll_accepts(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ricochetdb.entrypoints.cli", "emulate", "all", "--seconds", "0.5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "device configuration written to devices.toml" in done.stdout
    config = load_config(str(tmp_path / "devices.toml"))
    assert {d.type for d in config.devices} == set(EMULATORS) - {"MMR3-HTTP"}


def test_poll_warns_at_start_about_runs_left_open(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = f"sqlite:///{tmp_path / 'open.sqlite'}"
    assert (
        main(["--db", db, "detector", "create", '{"name": "D", "acq_config": {}, "channel_config": [], "status": 1}'])
        == 0
    )
    assert main(["--db", db, "run", "create", '{"name": "crashed", "detector": "D"}']) == 0
    assert main(["--db", db, "run", "start", "crashed"]) == 0
    device = start_emulator("CPX200")
    try:
        config = PollConfig(0.1, "r", [DeviceEntry("CPX200", device.address, "r", device.options)])
        (tmp_path / "devices.toml").write_text(dump_config(config))
        assert main(["--db", db, "poll", "--config", str(tmp_path / "devices.toml"), "--cycles", "1"]) == 0
    finally:
        device.emulator.stop()
    assert any("run 'crashed' running since" in record.getMessage() for record in caplog.records)
