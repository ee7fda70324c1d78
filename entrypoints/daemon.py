"""The polling loop: fetch, store, sleep until the next cycle; stops cleanly between cycles."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import Store
from ricochetdb.domain.errors import RicochetError, StoreUnavailable

logger = logging.getLogger(__name__)


@dataclass
class LoopStats:
    """What a run of the loop did, for the final report."""

    cycles: int = 0
    stored: int = 0
    failures: int = 0
    late_cycles: int = 0


def poll_loop(
    poller: Poller,
    store: Store,
    interval: float,
    cycles: int | None = None,
    stop: threading.Event | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    after_cycle: Callable[[], object] | None = None,
) -> LoopStats:
    """Run cycles every ``interval`` seconds until ``cycles`` are done or ``stop`` is set.

    A failed upload keeps the readings in memory for the next cycle: nothing is dropped.
    """
    stop = stop or threading.Event()
    stats = LoopStats()
    next_start = monotonic()
    while not stop.is_set() and (cycles is None or stats.cycles < cycles):
        result = poller.fetch()
        stats.failures += len(result.failures)
        try:
            stats.stored += poller.upload(store)
        except StoreUnavailable as error:
            logger.warning("database unavailable, %d readings kept for the next cycle: %s", result.count, error)
        except RicochetError as error:
            logger.error("readings refused by the store: %s", error)
        if after_cycle is not None:
            try:
                after_cycle()
            except RicochetError as error:
                logger.warning("after the cycle: %s", error)
        stats.cycles += 1
        logger.info(
            "cycle %d: %d readings, %d failures, at %s",
            stats.cycles,
            result.count,
            len(result.failures),
            result.timestamp.isoformat(),
        )
        if cycles is not None and stats.cycles >= cycles:
            break
        next_start += interval
        delay = next_start - monotonic()
        if delay < 0:
            stats.late_cycles += 1
            next_start = monotonic()
            continue
        stop.wait(delay)
    return stats
