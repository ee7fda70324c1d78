"""Retention and rollup upkeep over the readings collections: what would go, what goes, what is incomplete."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ricochetdb.application.ports import RetentionItem, Store
from ricochetdb.domain.retention import RetentionPolicy
from ricochetdb.domain.rollups import WIDTH_US, floor_to
from ricochetdb.domain.validation import check_collection, to_micros


@dataclass(frozen=True)
class RetentionReport:
    """Per collection and tier what goes (or would go), and whether MongoDB now expires raw documents itself."""

    items: list[RetentionItem]
    ttl: list[str]


def apply_retention(
    store: Store, collections: Sequence[str], policy: RetentionPolicy, delete: bool
) -> RetentionReport:
    """Count (and, unless a dry run, delete) what each tier keeps no longer, collection by collection."""
    cutoffs = policy.cutoffs(store.clock.now())
    items: list[RetentionItem] = []
    ttl: list[str] = []
    raw = policy.keep.get("raw")
    for collection in collections:
        rollups = store.rollups(check_collection(collection))
        if cutoffs:
            rollups.settle()  # a device silent since before the cutoff has its last minute rolled up first
            items += rollups.retention(cutoffs, delete)
        if delete and policy.mongo_ttl and raw is not None and rollups.expire_raw_after(int(raw.total_seconds())):
            ttl.append(collection)
    return RetentionReport(items, ttl)


def incomplete_series(store: Store, collection: str) -> tuple[str, ...]:
    """The series whose minute buckets do not count every numeric raw value (to rebuild): a dry run of
    retention with a cutoff after everything stored."""
    end = floor_to(to_micros(store.clock.now()), WIDTH_US["1d"]) + 2 * WIDTH_US["1d"]
    rollups = store.rollups(check_collection(collection))
    rollups.settle()
    (item,) = rollups.retention({"raw": end}, delete=False)
    return item.kept


def rebuild(store: Store, collections: Sequence[str], progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Every tier and latest value of each collection again from its raw values: series rebuilt per collection."""
    return {collection: store.rollups(check_collection(collection)).rebuild(progress) for collection in collections}
