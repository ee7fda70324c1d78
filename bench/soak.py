"""Long run: N poll cycles against emulated devices with faults switched on and off.

Prints cycles, readings stored vs expected, RSS and open file descriptors at the start (after a
warm-up) and at the end, both sampled in the same fault phase (every device answering), so a
difference is a leak, not a socket a fault mode happens to hold. Usage: python bench/soak.py [CYCLES]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.emulators.cryostat import start_emulator, stop_all
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.poll_loop import PollLoop
from ricochetdb.application.polling import Poller

KINDS = ("CPX200", "JSON-SCALE", "CMCPA")
FAULTS = ("none", "silent", "garbage", "truncated")


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def soak(cycles: int, folder: Path) -> dict[str, Any]:
    """Poll ``cycles`` times; every 250 cycles the CPX200 switches to the next fault mode."""
    devices = [start_emulator(kind) for kind in KINDS]
    store = SqliteStore(str(folder / "soak.sqlite"))
    poller = Poller(store.clock, store.clock, {}, store.events("device_events"))
    for device in devices:
        poller.add(build_reader(device.device_type, device.address, {**device.options, "timeout": 0.05}), "soak")
    loop = PollLoop(poller, store, interval=0.0)
    expected = failures = 0
    start_rss = start_fds = end_rss = end_fds = 0
    started = time.monotonic()
    try:
        for cycle in range(cycles):
            phase = FAULTS[(cycle // 250) % len(FAULTS)]
            devices[0].emulator.fault = phase
            if phase == "none" and cycle % 250 == 249:  # the last cycle of a phase where every device answers
                if not start_fds:
                    start_rss, start_fds = rss_kib(), open_fds()
                end_rss, end_fds = rss_kib(), open_fds()
            report = loop.cycle()
            expected += report.read
            failures += len(report.failures)
    finally:
        poller.close()
        stop_all(devices)
    stored = len(store.readings("soak").find())
    store.close()
    return {
        "cycles": cycles,
        "seconds": round(time.monotonic() - started, 1),
        "readings_expected": expected,
        "readings_stored": stored,
        "device_failures": failures,
        "rss_kib_start": start_rss,
        "rss_kib_end": end_rss,
        "fds_start": start_fds,
        "fds_end": end_fds,
    }


def main() -> None:
    cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as folder:
        figures = soak(cycles, Path(folder))
    for key, value in figures.items():
        print(f"{key:18} {value}")


if __name__ == "__main__":
    main()
