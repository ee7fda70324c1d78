"""From the poll that crosses a threshold to the webhook received, over N crossings, as a multiple of the interval.

A controllable JSON-CRYO device over real HTTP, the real poller and SQLite store, the alarm engine with
its threaded delivery, and a webhook receiver on 127.0.0.1. Each crossing sets T_MC above the
threshold at a random moment of the cycle, waits for the firing message, then brings it back below
the clear threshold and waits for the resolved one. Latency = webhook arrival - start of the cycle
that read the crossing value. Target: within one interval plus 1 s.

Usage: python bench/alarms.py [--interval 0.5] [--crossings 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from alarm_servers import ControllableCryostat, WebhookReceiver

from ricochetdb.adapters.alarm_rules_file import parse_alarm_file
from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.mapping_file import load_mapping
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.poll_loop import PollLoop
from ricochetdb.application.polling import Poller
from ricochetdb.entrypoints.alarm_wiring import observe_cycle, start_alarms
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig

ABOVE, CLEAR = 0.100, 0.080


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--crossings", type=int, default=50)
    args = parser.parse_args()
    interval = args.interval
    device = ControllableCryostat(T_MC=0.010)
    device.start()
    folder = tempfile.TemporaryDirectory()
    store = SqliteStore(str(Path(folder.name) / "bench.sqlite"))
    with WebhookReceiver() as hook:
        rule = {"name": "mc", "label": "T_MC", "above": ABOVE, "clear_below": CLEAR, "reminder": "0s"}
        config = parse_alarm_file(
            {"alarm": [rule], "notifier": [{"name": "hook", "type": "webhook", "url": hook.url}]}, "bench"
        )
        entry = DeviceEntry("JSON-CRYO", device.address, "fridge", {"path": "/", "timeout": 1.0})
        poller = Poller(store.clock, LocalClock(), load_mapping(None))
        poller.add(build_reader("JSON-CRYO", device.address, entry.options), "fridge")
        engine = start_alarms(store, config, PollConfig(interval, "fridge", [entry]))
        crossing_cycles: list[float] = []
        set_at: list[float] = []
        stop = threading.Event()

        polling = PollLoop(poller, store, interval)

        def loop() -> None:
            """The poll loop: every interval fetch, store, judge; remember when a crossing value was read."""
            next_start, above = time.monotonic(), False
            while not stop.is_set():
                started = time.monotonic()
                report = polling.cycle()
                values = [poll.values["T_MC"] for poll in report.polls if "T_MC" in poll.values]
                now_above = bool(values) and isinstance(values[0], float) and values[0] > ABOVE
                if now_above and not above:
                    crossing_cycles.append(started)
                above = now_above if values else above
                observe_cycle(engine, report)
                next_start += interval
                stop.wait(max(0.0, next_start - time.monotonic()))

        worker = threading.Thread(target=loop, daemon=True)
        worker.start()
        try:
            for crossing in range(1, args.crossings + 1):
                time.sleep(random.uniform(0, interval))
                set_at.append(time.monotonic())
                device.set(T_MC=0.150)
                if not hook.wait_for(lambda got, n=crossing: sum(b["state"] == "firing" for b in got) >= n, 60):
                    raise SystemExit(f"crossing {crossing}: no firing message within 60 s")
                time.sleep(random.uniform(0, interval))
                device.set(T_MC=0.050)
                if not hook.wait_for(lambda got, n=crossing: sum(b["state"] == "resolved" for b in got) >= n, 60):
                    raise SystemExit(f"crossing {crossing}: no resolved message within 60 s")
        finally:
            stop.set()
            worker.join(timeout=10)
            engine.close()
            poller.close()
            device.stop()
            store.close()
    firing = [at for at, body in zip(hook.arrivals, hook.received, strict=True) if body["state"] == "firing"]
    latencies = [arrived - cycle for arrived, cycle in zip(firing, crossing_cycles, strict=False)]
    from_change = [arrived - changed for arrived, changed in zip(firing, set_at, strict=False)]
    target = (interval + 1.0) / interval
    print(
        f"{len(latencies)} crossings, poll interval {interval:g} s, target (one interval + 1 s) {target:.3f} intervals"
    )
    for what, spans in (("crossing poll -> webhook", latencies), ("value changed -> webhook", from_change)):
        median, worst = statistics.median(spans), max(spans)
        ok = worst / interval <= target
        print(
            f"{what}: median {median * 1000:.1f} ms = {median / interval:.3f} intervals, "
            f"worst {worst * 1000:.1f} ms = {worst / interval:.3f} intervals, within target: {ok}"
        )


if __name__ == "__main__":
    main()
