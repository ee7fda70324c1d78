"""One fetch of N emulated devices, concurrent (the Poller) vs one by one, measured in the same run.

Half the devices are CPX200 (TCP), half JSON scales (HTTP); a tenth are silent (timeout 0.5 s),
as dead devices are on a real cryostat. Usage: python bench/fetch_concurrency.py [N ...]
"""

from __future__ import annotations

import sys
import time

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.emulators.cryostat import start_emulator, stop_all
from ricochetdb.application.polling import Poller
from ricochetdb.domain.errors import DeviceError

TIMEOUT = 0.5


def measure(n: int) -> tuple[float, float]:
    """Seconds for one concurrent fetch and for reading the same devices one after the other."""
    devices = [
        start_emulator("CPX200" if i % 2 else "JSON-SCALE", fault="silent" if i % 10 == 0 else "none") for i in range(n)
    ]
    readers = [build_reader(d.device_type, d.address, {**d.options, "timeout": TIMEOUT}) for d in devices]
    poller = Poller(LocalClock(), LocalClock())
    for reader in readers:
        poller.add(reader, "bench")
    try:
        started = time.perf_counter()
        poller.fetch()
        concurrent = time.perf_counter() - started
        for reader in readers:
            reader.close()  # fresh connections and no back-off for the sequential pass
        sequential_readers = [
            build_reader(d.device_type, d.address, {**d.options, "timeout": TIMEOUT}) for d in devices
        ]
        started = time.perf_counter()
        for reader in sequential_readers:
            try:
                reader.read()
            except DeviceError:
                pass
        sequential = time.perf_counter() - started
        for reader in sequential_readers:
            reader.close()
    finally:
        poller.close()
        stop_all(devices)
    return concurrent, sequential


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10, 50, 200]
    print(f"{'devices':>8} {'concurrent s':>13} {'one-by-one s':>13} {'speed-up':>9}")
    for n in sizes:
        concurrent, sequential = measure(n)
        print(f"{n:>8} {concurrent:>13.3f} {sequential:>13.3f} {sequential / concurrent:>8.1f}x")


if __name__ == "__main__":
    main()
