"""Replaying the spool: deliver what waits, oldest first, page by page, exactly once; set refused items aside.

Exactly once rests on the keys: a replay delivers a page idempotently, then forgets it from the
spool; cut between the two, the next replay delivers the page again and the store skips what it
already holds. The same delivery serves the laptop's ``sync``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ricochetdb.application.ports import Kind, LocalArchive, ReplayReport, Shelf, Store
from ricochetdb.domain.alarms_records import AlarmEvent
from ricochetdb.domain.errors import DamagedFile, RicochetError, StoreConfigurationError, StoreUnavailable
from ricochetdb.domain.polls import count_values

logger = logging.getLogger(__name__)

SPOOLED_KINDS: tuple[Kind, ...] = ("readings", "daq", "events", "alarms")


def replay(
    archive: LocalArchive,
    target: Store,
    bulk_size: int = 1000,
    max_items: int | None = None,
    shelf: Shelf | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> ReplayReport:
    """Deliver the spool to ``target`` oldest first, forgetting each page once delivered.

    A page the database refuses for a reason other than being away is delivered item by item and
    each refused item goes on the ``shelf`` with its reason: one poisoned item never blocks the rest.
    ``should_stop`` is asked between pages (a SIGTERM ends a long replay promptly).
    """
    report = ReplayReport()
    try:
        for kind in SPOOLED_KINDS:
            for collection in archive.collections(kind):
                while (max_items is None or report.total < max_items) and not should_stop():
                    if not _replay_page(archive, target, kind, collection, bulk_size, shelf, report):
                        break
    except (StoreUnavailable, DamagedFile) as error:  # the database went away, or the spool is damaged
        report.stopped = str(error)
    return report


def _replay_page(
    archive: LocalArchive,
    target: Store,
    kind: Kind,
    collection: str,
    bulk_size: int,
    shelf: Shelf | None,
    report: ReplayReport,
) -> bool:
    """Deliver, then forget, the oldest page of one collection; False once it is empty."""
    page = archive.page(kind, collection, 0, bulk_size)
    if not page.items:
        return False
    try:
        report.new += deliver(target, kind, collection, page.items, bulk_size)
    except RicochetError as error:
        if shelf is None or isinstance(error, (StoreUnavailable, StoreConfigurationError)):
            raise
        report.new += _one_by_one(target, kind, collection, page.items, shelf, report)
    archive.forget(kind, collection, page.ids)
    key = f"{kind}:{collection}"
    report.delivered[key] = report.delivered.get(key, 0) + item_count(kind, page.items)
    return True


def retry_set_aside(shelf: Shelf, target: Store, number: int) -> int:
    """Deliver item ``number`` of the shelf again; it leaves the shelf only once the store took it."""
    kind, collection, item = shelf.get(number)
    new = deliver(target, kind, collection, [item], 1)
    shelf.discard(number)
    return new


def _one_by_one(
    target: Store, kind: Kind, collection: str, items: list[Any], shelf: Shelf, report: ReplayReport
) -> int:
    """Deliver a refused page item by item; what the database still refuses goes on the shelf (logged once)."""
    new = 0
    refused: list[tuple[Any, str]] = []
    for item in items:
        try:
            new += deliver(target, kind, collection, [item], 1000)
        except (StoreUnavailable, StoreConfigurationError):
            raise
        except RicochetError as error:
            refused.append((item, str(error)))
    for item, reason in refused:
        shelf.put(kind, collection, [item], reason)
    if refused:
        report.set_aside += len(refused)
        logger.error(
            "%d %s of %r refused by the database and set aside (see 'ricochetdb spool set-aside'): %s",
            len(refused),
            kind,
            collection,
            refused[0][1],
        )
    return new


def deliver(target: Store, kind: Kind, collection: str, items: list[Any], bulk_size: int) -> int:
    """Store items of one kind idempotently; return how many were new (events: how many were sent)."""
    if kind == "readings":
        report = target.readings(collection).add(items, bulk_size)
        for conflict in report.conflicts:
            logger.warning("replay into %r: %s (kept as stored)", collection, conflict)
        return report.new
    if kind == "daq":
        return target.daq(collection).add(items)
    if kind == "alarms":
        alarms = target.alarms(collection)
        for item in items:
            if isinstance(item, AlarmEvent):
                alarms.add(item)
            else:
                alarms.act(item)
        return len(items)
    log = target.events(collection)
    for event in items:
        log.add(event)
    return len(items)


def item_count(kind: Kind, items: list[Any]) -> int:
    """How many items a page holds, readings counted value by value (as ``pending`` counts them)."""
    return count_values(items) if kind == "readings" else len(items)


def pending(archive: LocalArchive) -> dict[str, int]:
    """Spooled items per ``kind:collection`` (empty when nothing waits)."""
    counts = {f"{k}:{c}": archive.count(k, c) for k in SPOOLED_KINDS for c in archive.collections(k)}
    return {key: count for key, count in counts.items() if count}


