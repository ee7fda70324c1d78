"""History at any zoom, measured in one run: rolling up a channel-year, reading it back, stream summaries.

Prints, each with the figure it is compared to (ratios, never asserted):
  year     one channel-year at 10 s (3.15 M values) into every tier on SQLite, with the raw insert
           time beside it (target: at most 5 s), and the same written with rollups on
  history  the history of that year with 2,000 points against reading the raw year and binning it
           in Python (target: at least 20x), on SQLite and on the MongoDB-wire test server
  summary  the summary of a 24 h stream over 100 channels (target: under 1 s)
  list     listing 1,000 streams with their stored summaries (target: under 2 s)
  rate     poll-cycle writes (one poll of 100 values per add, rollups on): values per second on one core

Usage: python bench/history.py [--only year,history,summary,list,rate] [--days 365] [--mongo-days 365]
(MONGO_URI selects a real server instead of the SecantusDB test server).
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_mongo import mongo_uri

from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.bookkeeping import StreamBook
from ricochetdb.application.ports import Store
from ricochetdb.application.readings import ReadingBook
from ricochetdb.application.stream_summaries import summarize_window
from ricochetdb.domain.history_bins import bin_width, choose_tier, raw_bins
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.validation import to_micros

T0 = datetime(2025, 1, 1, tzinfo=UTC)
UNITS = {f"v{c}": "V" for c in range(100)}
"""Every label has a unit entry, as ``poll_from_values`` makes it (the stores list a poll's labels from it)."""


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def channel_year(days: int) -> list[Poll]:
    """One thermometer every 10 s (with jitter, as a server clock stamps it), 300 K +- 1 mK."""
    return [
        Poll("fridge", "MMR3", T0 + timedelta(microseconds=i * 10_000_000 + (i * 7919) % 20_000),
             {"T_50K": 300.0 + 1e-3 * math.sin(i / 360)}, {"T_50K": "K"})
        for i in range(days * 8640)
    ]  # fmt: skip


def year(folder: Path, polls: list[Poll]) -> Path:
    """Raw insert without rollups, then every tier from raw; and the same insert with rollups on."""
    path = folder / "year.sqlite"
    store = SqliteStore(str(path), rollups=False)
    raw, _ = timed(lambda: ReadingBook(store, "bench").add(polls))
    tiers, series = timed(lambda: store.rollups("bench").rebuild())
    store.close()
    with_rollups = SqliteStore(str(folder / "year-rolled.sqlite"))
    written, _ = timed(lambda: ReadingBook(with_rollups, "bench").add(polls))
    with_rollups.close()
    print(f"year      {len(polls):,} values: raw insert {raw:.2f} s; every tier from raw {tiers:.2f} s "
          f"({series} series; target <= 5 s: {'met' if tiers <= 5 else 'NOT met'}); "
          f"insert with rollups on {written:.2f} s (+{written - raw:.2f} s)")  # fmt: skip
    return path


def history_ratio(store: Store, label: str, start: datetime, stop: datetime, where: str) -> None:
    """ReadingBook.history with 2,000 points against reading the raw year and binning it in Python."""
    book = ReadingBook(store, "bench")
    fast, answer = timed(lambda: book.history(label, "fridge", start, stop, 2000))

    def raw_binned() -> int:
        readings = book.find("fridge", label, start, stop)
        points = [(to_micros(r.timestamp), float(r.value)) for r in readings]  # type: ignore[arg-type]
        s, e = to_micros(start), to_micros(stop) + 1
        return len(raw_bins(points, s, bin_width(s, e, 2000, choose_tier(e - s, 2000))))

    slow, bins = timed(raw_binned)
    print(f"history   {where}: {len(answer.bins)} bins from tier {answer.tier} in {fast:.3f} s; raw read + binning "
          f"{slow:.2f} s ({bins} bins): {slow / fast:.0f}x (target >= 20x)")  # fmt: skip


def summary(folder: Path) -> SqliteStore:
    """A 24 h stream over 100 channels polled every 10 s, starting and stopping at odd times inside 26 h
    of stored values (936,000), summarised at stop."""
    store = SqliteStore(str(folder / "summary.sqlite"))
    start = T0 + timedelta(days=400)
    polls = [
        Poll(f"bridge{i % 10}", "MMR3", start + timedelta(seconds=10 * (i // 10)),
             {f"ch{c}": 0.01 * c + 1e-5 * math.sin(i / 100 + c) for c in range(10)}, {f"ch{c}": "K" for c in range(10)})
        for i in range(9360 * 10)
    ]  # fmt: skip
    ReadingBook(store, "bench").add(polls)
    begin = start + timedelta(hours=3, minutes=17, seconds=5.5)  # a stream starts and stops at any time
    seconds, found = timed(lambda: summarize_window(store, begin, begin + timedelta(hours=24), ["bench"]))
    print(f"summary   24 h stream, {len(found.channels)} channels, {sum(c.n for c in found.channels):,} values: "
          f"{seconds:.3f} s (target < 1 s)")  # fmt: skip
    return store


def listing(store: SqliteStore) -> None:
    """1,000 stopped streams each holding a 100-channel summary, listed with their summaries."""
    book = StreamBook(store, "streams")
    start = T0 + timedelta(days=400)
    kept = summarize_window(store, start, start + timedelta(hours=24), ["bench"])
    for n in range(1000):
        book.create({"name": f"s{n:04}", "acq_config": {}, "channel_config": [], "comment": ""})
        record = book.get(f"s{n:04}")
        record.start(start)
        record.stop(start + timedelta(hours=24))
        record.set_summary(kept)
        book.repository.save(record)
    seconds, streams = timed(lambda: [s.summary for s in book.list()])
    print(f"list      {len(streams)} streams with {len(kept.channels)}-channel summaries: {seconds:.3f} s "
          f"(target < 2 s)")  # fmt: skip


def cycles(count: int, devices: int) -> list[list[Poll]]:
    """``count`` poll cycles of ``devices`` devices with 100 labels each, one second apart."""
    return [
        [
            Poll(f"dev{d}", "CRYO", T0 + timedelta(seconds=i), {f"v{c}": c + 1e-3 * i for c in range(100)}, UNITS)
            for d in range(devices)
        ]
        for i in range(count)
    ]


def rate(store: Store, where: str, count: int = 300, devices: int = 1, collection: str = "rate") -> float:
    """Poll cycles written as the poll loop writes them (one add per cycle), values per second on one core."""
    book = ReadingBook(store, collection)
    written = cycles(count, devices)
    seconds, _ = timed(lambda: [book.add(cycle) for cycle in written])
    values = 100 * devices * count
    print(f"rate      {where}: {count} cycles of {100 * devices} values: {values / seconds:,.0f} values/s, "
          f"{count / seconds:,.1f} cycles/s")  # fmt: skip
    return values / seconds


def rate_raw_mongo(mongo: Any, count: int = 300) -> float:
    """The same poll-cycle writes into MongoDB with the rollups left out (the raw repository's own insert)."""
    from ricochetdb.adapters.mongo.readings import MongoReadingRepository

    repository = MongoReadingRepository(mongo._context, "rate_raw")
    repository._prepare()
    written = cycles(count, 1)
    seconds, _ = timed(lambda: [repository._add_to_collection(cycle) for cycle in written])
    print(f"rate      MongoDB-wire, rollups off: {100 * count / seconds:,.0f} values/s, "
          f"{count / seconds:,.1f} cycles/s")  # fmt: skip
    return 100 * count / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="year,history,summary,list,rate")
    parser.add_argument("--days", type=int, default=365, help="length of the SQLite channel series")
    parser.add_argument("--mongo-days", type=int, default=365, help="length of the MongoDB one (0: skip MongoDB)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as where:
        folder = Path(where)
        if only & {"year", "history"}:
            polls = channel_year(args.days)
            path = year(folder, polls)
            if "history" in only:
                store = SqliteStore(str(path))
                history_ratio(store, "T_50K", T0, T0 + timedelta(days=args.days), f"SQLite, {args.days} days")
                store.close()
        if only & {"summary", "list"}:
            store = summary(folder)
            if "list" in only:
                listing(store)
            store.close()
        if "rate" in only:
            bare = SqliteStore(str(folder / "rate-raw.sqlite"), rollups=False)
            without = rate(bare, "SQLite, rollups off")
            bare.close()
            local = SqliteStore(str(folder / "rate.sqlite"))
            with_rollups = rate(local, "SQLite, rollups on")
            print(f"rate      SQLite: rollups cost {100 * (1 - with_rollups / without):.0f}% of the write rate")
            rate(local, "SQLite, rollups on, a cryostat of 2,000 channels", 60, 20, "rate2000")
            local.close()
        if args.mongo_days and only & {"history", "rate"}:
            from ricochetdb.adapters.mongo.store import MongoStore

            with mongo_uri() as uri:
                mongo = MongoStore(uri, db_name=f"bench_history_{os.getpid()}")
                if "history" in only:
                    polls = channel_year(args.mongo_days)
                    seconds, _ = timed(lambda: ReadingBook(mongo, "bench").add(polls))
                    print(f"history   MongoDB: {len(polls):,} values written with rollups in {seconds:.1f} s")
                    history_ratio(mongo, "T_50K", T0, T0 + timedelta(days=args.mongo_days),
                                  f"MongoDB-wire, {args.mongo_days} days")  # fmt: skip
                if "rate" in only:
                    rolled = rate(mongo, "MongoDB-wire, rollups on")
                    raw_only = rate_raw_mongo(mongo)
                    print(
                        f"rate      MongoDB-wire: rollups cost {100 * (1 - rolled / raw_only):.0f}% of the write rate"
                    )
                    rate(mongo, "MongoDB-wire, rollups on, a cryostat of 2,000 channels", 60, 20, "rate2000")
                mongo.close()


if __name__ == "__main__":
    main()
