"""Web service speed, measured in one run and printed as times and ratios.

1. /api/v1/series for 8 channels x DAYS at 10 s (default one year), 2,000 points each, on SQLite:
   the server time, and its ratio to fetching the raw readings of the same window.
2. /metrics with 500 channels, served from memory: median and worst of 50 scrapes over HTTP.
3. Status page to first chart drawn, in the distribution's headless Chromium.

Usage: python bench/web.py [--days 365] [--db FILE]   (a FILE already filled is reused)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.adapters.web.live import LiveState
from ricochetdb.application.readings import ReadingBook
from ricochetdb.domain.polls import DeviceReply, Poll, stamp_reply
from ricochetdb.domain.readings import Measurement
from ricochetdb.entrypoints.api import Ricochet, connect
from ricochetdb.entrypoints.web.app import create_app
from ricochetdb.entrypoints.web.context import WebContext
from ricochetdb.entrypoints.web.server import run_web
from ricochetdb.entrypoints.web.watch import StoreWatcher

LABELS = [f"T{i}" for i in range(8)]
STEP_S = 10
CHUNK = 100_000


def fill(path: Path, start: datetime, days: float) -> int:
    """One device, 8 labels every 10 s over ``days``: raw values in chunks, then every tier rebuilt from them
    (``ricochetdb rollup --rebuild``), which a year needs far less time for than rolling up chunk by chunk."""
    store = SqliteStore(str(path), rollups=False)
    book = ReadingBook(store, "readings")
    total = int(days * 86400 / STEP_S)
    units = dict.fromkeys(LABELS, "K")
    for first in range(0, total, CHUNK):
        polls = [
            Poll("fridge", "MMR3", start + timedelta(seconds=STEP_S * i),
                 {label: 4.0 + 0.001 * ((i + k) % 97) for k, label in enumerate(LABELS)}, units)
            for i in range(first, min(first + CHUNK, total))
        ]  # fmt: skip
        book.add(polls)
        print(f"\r  stored {min(first + CHUNK, total):,} of {total:,} polls", end="", flush=True)
    print()
    store.rollups("readings").rebuild(lambda message: print(f"  {message}", flush=True))
    store.close()
    return total


def timed(call: object, repeat: int = 3) -> float:
    """The best of ``repeat`` runs, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best


def bench_series(url: str, api: Ricochet, start: datetime, stop: datetime) -> None:
    params = [("label", label) for label in LABELS] + [("device", "fridge"), ("points", "2000")]
    params += [("start", start.isoformat()), ("stop", stop.isoformat())]
    served = timed(lambda: requests.get(url + "api/v1/series", params=params, timeout=600).raise_for_status())
    answer = requests.get(url + "api/v1/series", params=params, timeout=600).json()
    raw_one = timed(lambda: api.readings.find("fridge", LABELS[0], start, stop), repeat=1)
    tiers = sorted({series["tier"] for series in answer["series"]})
    bins = sum(len(series["bins"]) for series in answer["series"])
    print(
        f"series, 8 channels x {(stop - start).days} days, 2,000 points each: {served:.3f} s over HTTP "
        f"(tiers {tiers}, {bins} bins)"
    )
    print(f"  raw fetch of ONE channel over the same window: {raw_one:.3f} s; of eight, about {8 * raw_one:.1f} s")
    print(f"  ratio raw (8 channels) / series: {8 * raw_one / served:.1f}x")


def bench_metrics() -> None:
    now = datetime.now(UTC)
    live = LiveState(10.0)
    polls = [
        stamp_reply("MMR3", f"dev{d}", DeviceReply([Measurement(f"ch{c}", float(c), "K") for c in range(50)]), now)
        for d in range(10)
    ]
    live.on_cycle(
        type(
            "Report",
            (),
            {
                "timestamp": now,
                "polls": polls,
                "failures": [],
                "duration_s": 0.5,
                "stored": 500,
                "write_latency_s": 0.01,
            },
        )()
    )
    stop = threading.Event()
    api = connect("memory://")
    server = run_web(create_app(WebContext(api, live, ["readings"], stopping=stop)), "127.0.0.1", 0, stop)
    try:
        session = requests.Session()
        session.get(server.url + "metrics", timeout=30).raise_for_status()
        times = []
        for _ in range(50):
            started = time.perf_counter()
            body = session.get(server.url + "metrics", timeout=30).text
            times.append(time.perf_counter() - started)
        samples = body.count("ricochetdb_reading_value{")
        print(
            f"/metrics with {samples} channels: median {1000 * statistics.median(times):.1f} ms, "
            f"worst {1000 * max(times):.1f} ms over 50 scrapes (target < 50 ms)"
        )
    finally:
        server.stop()
        api.close()


def bench_browser(url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True)
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("#devices tr[data-device]")
        status = time.perf_counter() - started
        page.goto(url + "plot?label=T0&device=fridge&start=-30d")
        page.wait_for_selector("body[data-drawn]", timeout=60_000)
        drawn = time.perf_counter() - started
        browser.close()
    print(f"status page shown in {status:.2f} s; status page to first chart drawn: {drawn:.2f} s (target < 2 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=float, default=365.0)
    parser.add_argument("--db", help="SQLite file (kept; filled only if new)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-web-"))
    path = Path(args.db) if args.db else folder / "web.sqlite"
    fresh = not path.exists()
    stop_at = datetime.now(UTC).replace(microsecond=0)
    start = stop_at - timedelta(days=args.days)
    if fresh:
        began = time.perf_counter()
        count = fill(path, start, args.days)
        print(f"filled {count:,} polls x 8 labels in {time.perf_counter() - began:.0f} s into {path}")
    api = connect(f"sqlite:///{path}")
    stop = threading.Event()
    live = LiveState(10.0)
    ctx = WebContext(api, live, ["readings"], stopping=stop)
    StoreWatcher(api, live, ["readings"], 10.0, readings=True, stop=stop).refresh()
    server = run_web(create_app(ctx), "127.0.0.1", 0, stop)
    try:
        bench_series(server.url, api, start, stop_at)
        bench_metrics()
        bench_browser(server.url)
    finally:
        server.stop()
        api.close()


if __name__ == "__main__":
    main()
