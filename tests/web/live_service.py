"""A live ``ricochetdb serve`` beside ``ricochetdb poll``, both real commands, on an emulated cryostat."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

from ricochetdb.adapters.emulators.cryostat import EmulatedDevice, start_cryostat, stop_all
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig, dump_config

CLI = [sys.executable, "-m", "ricochetdb.entrypoints.cli"]
WAIT_S = 60.0


@dataclass
class LiveService:
    """Emulators, a poller and the web service; ``url`` is where the service listens."""

    folder: Path
    interval: float = 1.0
    devices: list[EmulatedDevice] = field(default_factory=list)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    url: str = ""

    @property
    def db(self) -> str:
        return f"sqlite:///{self.folder / 'live.sqlite'}"

    def start(self, together: bool = False) -> LiveService:
        """``poll`` and ``serve`` as two processes, or ``poll --serve`` as one (``together``)."""
        self.devices = start_cryostat()
        entries = [DeviceEntry(d.device_type, d.address, "readings", d.options) for d in self.devices]
        config = self.folder / "devices.toml"
        config.write_text(dump_config(PollConfig(self.interval, "readings", entries)), encoding="utf-8")
        if together:
            log = self._spawn("poll", ["poll", "--config", str(config), "--serve", "127.0.0.1:0"])
        else:
            self._spawn("poll", ["poll", "--config", str(config)])
            self.wait_until(lambda: (self.folder / "live.sqlite").exists(), "the poller to create the database")
            return self.serve("--config", str(config))
        self.url = self._wait_for_url(log)
        return self

    def serve(self, *args: str) -> LiveService:
        """``ricochetdb serve --port 0 ARGS`` on the database; ``url`` once it listens."""
        self.url = self._wait_for_url(self._spawn("serve", ["serve", "--port", "0", *args]))
        return self

    def _spawn(self, name: str, args: list[str]) -> Path:
        log = self.folder / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen([*CLI, "--db", self.db, *args], stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return log

    def _wait_for_url(self, log: Path) -> str:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            found = re.search(r"web service on (http://\S+)", log.read_text(encoding="utf-8", errors="replace"))
            if found:
                return found[1].rstrip("/")
            if any(process.poll() is not None for process in self.processes):
                break
            time.sleep(0.1)
        raise AssertionError(f"the web service did not start: {log.read_text(errors='replace')}")

    def get(self, path: str, **params: Any) -> Any:
        answer = requests.get(self.url + path, params=params, timeout=30)
        answer.raise_for_status()
        return answer.json()

    def wait_until(self, check: Any, what: str) -> Any:
        """Poll ``check()`` until it returns something truthy (generous deadline, no timing asserted)."""
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            time.sleep(0.2)
        raise AssertionError(f"gave up waiting for {what}")

    def cli(self, *args: str) -> None:
        subprocess.run([*CLI, "--db", self.db, *args], check=True, capture_output=True, timeout=WAIT_S)

    def record_stream(self, name: str, start: datetime, stop: datetime) -> None:
        """A stream over [start, stop], created and dated through the CLI like an operator would."""
        record = {"name": name, "acq_config": {}, "channel_config": [], "comment": "web"}
        self.cli("stream", "create", json.dumps(record))
        self.cli("stream", "start", name, "--at", start.isoformat())
        self.cli("stream", "stop", name, "--at", stop.isoformat())

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stop_all(self.devices)
