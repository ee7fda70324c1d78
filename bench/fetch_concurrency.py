"""One fetch of N devices measured against ONE device timeout, with silent devices of every transport.

A silent device costs its timeout; devices are read concurrently, so one fetch should cost about
one timeout whatever N and whatever the order of the devices: the ratio printed is
``fetch seconds / one timeout`` (1.0 is the floor, not a sum of timeouts that grows with N).

Silent devices are emulators of every transport answering nothing: MP710508 (UDP), CPX200 (TCP),
CMCPA (Modbus TCP), JSON-SCALE (HTTP). Each N is measured with every device silent, then with
half of them silent in four orders (silent first, silent last, interleaved, shuffled).
Readers are built fresh for each fetch (no back-off carried over).

Usage: python bench/fetch_concurrency.py [N ...]      (default 10 50 200 300)
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.emulators.cryostat import EmulatedDevice, start_emulator, stop_all
from ricochetdb.application import polling
from ricochetdb.application.polling import Poller

TIMEOUT = 1.0
TRANSPORTS = {"UDP": "MP710508", "TCP": "CPX200", "Modbus": "CMCPA", "HTTP": "JSON-SCALE"}
Order = Callable[[list[bool]], list[bool]]


def _interleaved(flags: list[bool]) -> list[bool]:
    silent = [flag for flag in flags if flag]
    answering = [flag for flag in flags if not flag]
    return [flag for pair in zip(silent, answering, strict=False) for flag in pair] + silent[len(answering) :]


ORDERS: dict[str, Order] = {
    "silent first": lambda flags: sorted(flags, reverse=True),
    "silent last": sorted,
    "interleaved": _interleaved,
    "shuffled": lambda flags: random.Random(42).sample(flags, len(flags)),
}


def fetch_seconds(emulators: dict[bool, list[EmulatedDevice]], silent_flags: list[bool]) -> float:
    """One fetch of one reader per flag (True: a silent device), transports taken in turn."""
    poller = Poller(LocalClock(), LocalClock())
    for index, silent in enumerate(silent_flags):
        device = emulators[silent][index % len(TRANSPORTS)]
        poller.add(build_reader(device.device_type, device.address, {**device.options, "timeout": TIMEOUT}), "bench")
    try:
        started = time.perf_counter()
        result = poller.fetch()
        elapsed = time.perf_counter() - started
    finally:
        poller.close()
    assert len(result.failures) == sum(silent_flags), "a silent device answered or an answering one failed"
    return elapsed


def main() -> None:
    logging.basicConfig(level=logging.ERROR)  # a degraded silent device is expected here, not news
    sizes = [int(arg) for arg in sys.argv[1:]] or [10, 50, 200, 300]
    emulators = {
        silent: [start_emulator(kind, fault="silent" if silent else "none") for kind in TRANSPORTS.values()]
        for silent in (True, False)
    }
    cap = getattr(polling, "MAX_WORKERS", None)
    print(f"one device timeout: {TIMEOUT} s; silent transports: {', '.join(TRANSPORTS)}; poller worker cap: {cap}")
    print(f"{'devices':>8} {'silent':>7} {'order':>13} {'fetch s':>8} {'fetch / timeout':>16}")
    try:
        for n in sizes:
            runs = [("all silent", [True] * n)]
            runs += [(name, order([i % 2 == 0 for i in range(n)])) for name, order in ORDERS.items()]
            worst = 0.0
            for name, flags in runs:
                seconds = fetch_seconds(emulators, flags)
                worst = max(worst, seconds / TIMEOUT)
                print(f"{n:>8} {sum(flags):>7} {name:>13} {seconds:>8.2f} {seconds / TIMEOUT:>15.2f}x")
            print(f"{n:>8} {'':>7} {'worst':>13} {'':>8} {worst:>15.2f}x")
    finally:
        stop_all([device for devices in emulators.values() for device in devices])


if __name__ == "__main__":
    main()
