"""MongoDB latest values: one document per device, each label's newest stored reading inside.

A poll cycle of 2,000 channels on 20 devices writes 20 documents, not 2,000. A write whose values
are all at least as new as everything the device's document holds (the poll loop's case) is one
guarded upsert; a late value goes label by label and replaces only an older one. Each entry is
copied from the stored reading document, so a conflicting value never shows as the latest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

from ricochetdb.adapters.mongo.collections import duplicate_positions
from ricochetdb.adapters.mongo.documents import floor_ms
from ricochetdb.adapters.mongo.rollup_docs import as_date, doc_time, latest_entry, latest_readings, stored_readings
from ricochetdb.application.ports import Series, SeriesKey
from ricochetdb.domain.readings import Reading
from ricochetdb.domain.rollups import WIDTH_US, floor_to
from ricochetdb.domain.validation import from_micros, to_micros

Document = dict[str, Any]


def newest_times(
    latest: Collection[Document], devices: Iterable[str], settled: set[SeriesKey] | None = None
) -> dict[SeriesKey, int]:
    """Each label's newest stored time (microseconds), for these devices: one ``_id`` lookup per device.
    ``settled`` receives the series whose open minute ``settle`` rolled up."""
    found: dict[SeriesKey, int] = {}
    for device in sorted(set(devices)):
        doc = latest.find_one({"_id": device}, {"labels": True})
        for label, entry in ((doc or {}).get("labels") or {}).items():
            found[(device, label)] = int(entry["ts_us"])
            if settled is not None and entry.get("rolled"):
                settled.add((device, label))
    return found


def stored(readings: Collection[Document], newest: dict[SeriesKey, int]) -> dict[str, list[Reading]]:
    """The stored readings of each series' newest time, per device (found by device and time range)."""
    wanted: dict[str, dict[int, set[str]]] = {}
    for (device, label), micros in newest.items():
        wanted.setdefault(device, {}).setdefault(micros, set()).add(label)
    found: dict[str, list[Reading]] = {}
    for device, times in wanted.items():
        # $lt the next millisecond: SecantusDB finds nothing for $gte == $lte on the compound index
        window = {"$gte": floor_ms(as_date(min(times)))[0], "$lt": floor_ms(as_date(max(times) + 1000))[0]}
        for doc in readings.find({"device": device, "timestamp": window}):
            labels = times.get(doc_time(doc), set())
            found.setdefault(device, []).extend(stored_readings(doc, labels))
    return found


def update(latest: Collection[Document], readings: Collection[Document], newest: dict[SeriesKey, int]) -> None:
    """Put each series' newest stored reading in its device's document, unless a newer one is there."""
    late: list[Reading] = []
    writes = []
    held = stored(readings, newest)
    for device, fresh in held.items():
        oldest = min(r.timestamp for r in fresh)
        guard = {"_id": device, "$or": [{"ts_us": {"$lte": _micros(oldest)}}, {"ts_us": {"$exists": False}}]}
        change: dict[str, Any] = {f"labels.{r.label}": latest_entry(r) for r in fresh}
        change["ts_us"] = max(_micros(r.timestamp) for r in fresh)
        writes.append(UpdateOne(guard, {"$set": change}, upsert=True))
    if not writes:
        return
    try:
        latest.bulk_write(writes, ordered=False)
    except BulkWriteError as error:  # the device holds a newer value: this write is late, label by label
        for position in duplicate_positions(error):
            late.extend(held[list(held)[position]])
    if late:
        _late(latest, late)


def _late(latest: Collection[Document], readings: list[Reading]) -> None:
    """Each label replaced only if what it holds is older; the device's newest time raised if passed."""
    writes = []
    for reading in readings:
        micros, field = _micros(reading.timestamp), f"labels.{reading.label}"
        older = {"_id": reading.device, "$or": [{f"{field}.ts_us": {"$lte": micros}}, {field: {"$exists": False}}]}
        writes.append(UpdateOne(older, {"$set": {field: latest_entry(reading)}}))
        writes.append(UpdateOne({"_id": reading.device, "ts_us": {"$lt": micros}}, {"$set": {"ts_us": micros}}))
    latest.bulk_write(writes, ordered=False)


def replace_all(latest: Collection[Document], readings: list[Reading]) -> None:
    """Latest values rebuilt from scratch for one device (``readings``: its newest per label)."""
    if not readings:
        return
    device = readings[0].device
    doc = {
        "_id": device,
        "ts_us": max(_micros(r.timestamp) for r in readings),
        "labels": {r.label: {**latest_entry(r), "rolled": True} for r in readings},  # a rebuild rolls up all
    }
    latest.replace_one({"_id": device}, doc, upsert=True)


def unsettle(latest: Collection[Document], keys: Iterable[SeriesKey], newest: dict[SeriesKey, int]) -> None:
    """These series' open minutes take a late value: no longer rolled up (unless a newer value came)."""
    writes = [
        UpdateOne({"_id": device, f"labels.{label}.ts_us": newest[(device, label)]},
                  {"$unset": {f"labels.{label}.rolled": ""}})
        for device, label in keys
    ]  # fmt: skip
    if writes:
        latest.bulk_write(writes, ordered=False)


def every_reading(latest: Collection[Document]) -> list[Reading]:
    """Every series' latest reading, by device then label."""
    return [reading for doc in latest.find({}, sort=[("_id", 1)]) for reading in latest_readings(doc)]


def _micros(moment: datetime) -> int:
    return to_micros(moment)


def series_of(latest: Collection[Document]) -> list[Series]:
    """Every series with its open minute (None once ``settled``), by device then label."""
    found = []
    for doc in latest.find({}, sort=[("_id", 1)]):
        for label in sorted(doc.get("labels") or {}):
            entry = doc["labels"][label]
            opened = None if entry.get("rolled") else from_micros(floor_to(int(entry["ts_us"]), WIDTH_US["1m"]))
            when = from_micros(int(entry["ts_us"]))
            found.append(Series(doc["_id"], label, entry.get("device_type", ""), entry.get("unit", ""), when, opened))
    return found


def settled(latest: Collection[Document], times: dict[SeriesKey, int]) -> None:
    """Mark these series rolled up through their newest value (unless a newer value came meanwhile)."""
    writes = [
        UpdateOne({"_id": device, f"labels.{label}.ts_us": micros}, {"$set": {f"labels.{label}.rolled": True}})
        for (device, label), micros in times.items()
    ]
    if writes:
        latest.bulk_write(writes, ordered=False)
