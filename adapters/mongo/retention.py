"""Retention on MongoDB: count, and delete day by day, what is older than each tier's cutoff; optional TTL.

Raw values live in one document per poll, so a device's documents go only where the minute buckets
of every one of its labels count every numeric value. A TTL index on ``timestamp`` (opt-in) lets
the server expire raw documents by itself: then nothing checks the rollups first, which is safe
because every write path rolls up as it stores.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bson
from pymongo.collection import Collection
from pymongo.errors import OperationFailure

from ricochetdb.adapters.mongo.rollup_docs import FIELDS, doc_points
from ricochetdb.application.ports import RetentionItem, SeriesKey
from ricochetdb.domain.readings import RESERVED_LABELS
from ricochetdb.domain.rollups import TIERS, WIDTH_US, Tier, floor_to
from ricochetdb.domain.validation import from_micros, to_micros

if TYPE_CHECKING:
    from ricochetdb.adapters.mongo.rollups import MongoRollups

TTL_INDEX = "ttl_timestamp"
ABOVE = {"raw": "1m", "1m": "1h", "1h": "1d"}
DAY = WIDTH_US["1d"]


def _tier(name: str) -> Tier:
    return next(tier for tier in TIERS if tier == name)


def _labels(doc: dict[str, Any]) -> set[str]:
    return {key for key in doc if key not in RESERVED_LABELS and not key.startswith("_")}


def _tier_counts(rollups: MongoRollups, tier: str, cutoff: int) -> dict[SeriesKey, tuple[int, int, int]]:
    """Per series: documents before the cutoff, values they count, the oldest start."""
    width = WIDTH_US[_tier(tier)]
    found: dict[SeriesKey, tuple[int, int, int]] = {}
    query = {"start": {"$lte": from_micros(cutoff - width)}}
    for doc in rollups.tiers[tier].find(query, {"device": True, "label": True, "start": True, "n": True}):
        key = (doc["device"], doc["label"])
        docs, values, oldest = found.get(key, (0, 0, 2**62))
        found[key] = (docs + 1, values + int(doc["n"]), min(oldest, to_micros(doc["start"])))
    return found


def _counted(rollups: MongoRollups, tier: str, key: SeriesKey, lo: int, hi: int) -> int:
    query = {"device": key[0], "label": key[1], "start": {"$gte": from_micros(lo), "$lt": from_micros(hi)}}
    return sum(int(doc["n"]) for doc in rollups.tiers[tier].find(query, {"n": True}))


def mongo_retention(rollups: MongoRollups, cutoffs: dict[str, int], delete: bool) -> list[RetentionItem]:
    """What each tier holds before its cutoff; deleted (a day per request) where the tier above holds it."""
    items: list[RetentionItem] = []
    for tier, cutoff in cutoffs.items():
        if tier == "raw":
            items.append(_raw(rollups, cutoff, delete))
            continue
        counts = _tier_counts(rollups, tier, cutoff)
        kept = {
            key
            for key, (_, values, oldest) in counts.items()
            if tier in ABOVE and _counted(rollups, ABOVE[tier], key, floor_to(oldest, DAY), cutoff) != values
        }
        going = {key: value for key, value in counts.items() if key not in kept}
        if delete:
            width = WIDTH_US[_tier(tier)]
            for device, label in going:
                rollups.tiers[tier].delete_many(
                    {"device": device, "label": label, "start": {"$lte": from_micros(cutoff - width)}}
                )
        rows = sum(docs for docs, _, _ in going.values())
        names = tuple(f"{d} {lab}" for d, lab in sorted(kept))
        size = rows * (len(bson.encode({name: 0.0 for name in FIELDS})) + 80)
        items.append(RetentionItem(rollups.name, tier, from_micros(cutoff), rows, size, names))
    return items


def _raw(rollups: MongoRollups, cutoff: int, delete: bool) -> RetentionItem:
    """Raw documents before the cutoff, per device; a device's go only if all its labels are rolled up."""
    per_device: dict[str, tuple[int, int, int]] = {}
    values: dict[SeriesKey, int] = {}
    for doc in rollups.collection.find({"timestamp": {"$lt": from_micros(cutoff)}}):
        device = doc.get("device", "")
        docs, size, oldest = per_device.get(device, (0, 0, 2**62))
        micros = to_micros(doc["timestamp"])
        per_device[device] = (docs + 1, size + len(bson.encode(doc)), min(oldest, micros))
        for label, points in doc_points([doc], _labels(doc), micros, micros + 1000).items():
            values[(device, label)] = values.get((device, label), 0) + len(points)
    kept = {
        key
        for key, count in values.items()
        if _counted(rollups, "1m", key, floor_to(per_device[key[0]][2], DAY), cutoff) != count
    }
    blocked = {device for device, _ in kept}
    going = {device: held for device, held in per_device.items() if device not in blocked}
    if delete:
        for device, (_, _, oldest) in going.items():
            for day in range(floor_to(oldest, DAY), cutoff, DAY):
                window = {"$gte": from_micros(day), "$lt": from_micros(min(cutoff, day + DAY))}
                rollups.collection.delete_many({"device": device, "timestamp": window})
    rows = sum(docs for docs, _, _ in going.values())
    size = sum(size for _, size, _ in going.values())
    names = tuple(f"{d} {lab}" for d, lab in sorted(kept))
    return RetentionItem(rollups.name, "raw", from_micros(cutoff), rows, size, names)


def set_raw_ttl(collection: Collection[dict[str, Any]], seconds: int | None) -> None:
    """Let the server expire raw documents ``seconds`` after their timestamp (None: never, drop the TTL)."""
    existing = {index["name"]: index for index in collection.list_indexes()}
    if seconds is None:
        if TTL_INDEX in existing:
            collection.drop_index(TTL_INDEX)
        return
    if TTL_INDEX in existing:
        if existing[TTL_INDEX].get("expireAfterSeconds") == seconds:
            return
        try:
            collection.database.command(
                "collMod", collection.name, index={"name": TTL_INDEX, "expireAfterSeconds": seconds}
            )
            return
        except OperationFailure:
            collection.drop_index(TTL_INDEX)
    collection.create_index([("timestamp", 1)], name=TTL_INDEX, expireAfterSeconds=seconds)
