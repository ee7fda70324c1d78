"""The polling loop use-case: fetch, store, replay the spool a little, tell the observers, wait for the next cycle.

Nothing is dropped on a failed write: polls the store (or the spool behind it) cannot take stay in
memory, bounded by ``max_backlog`` values, and are written first on the next cycle. The observers
(the alarm engine, the web service's live state) see every cycle, whatever the database does.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ricochetdb.application.polling import Failure, FetchResult, Poller
from ricochetdb.application.ports import Conflict, Spool, Store
from ricochetdb.domain.errors import RicochetError, StoreUnavailable
from ricochetdb.domain.polls import Poll, count_values

logger = logging.getLogger(__name__)

DEFAULT_MAX_BACKLOG = 1_000_000
DEFAULT_REPLAY_PER_CYCLE = 20_000


@dataclass
class CycleReport:
    """What one cycle did: what was read, what was stored, what failed, how long it took."""

    timestamp: datetime
    polls: list[Poll]
    failures: list[Failure]
    stored: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    store_error: str = ""
    backlog: int = 0
    duration_s: float = 0.0
    write_latency_s: float = 0.0

    @property
    def read(self) -> int:
        """How many values the devices gave."""
        return count_values(self.polls)


@dataclass
class LoopStats:
    """What a run of the loop did, for the final report."""

    cycles: int = 0
    read: int = 0
    stored: int = 0
    failures: int = 0
    late_cycles: int = 0
    empty_cycles: int = 0


Observer = Callable[[CycleReport], object]


class PollLoop:
    """Runs the poller every ``interval`` seconds into ``store``; ``stop`` ends it between cycles."""

    def __init__(
        self,
        poller: Poller,
        store: Store,
        interval: float,
        spool: Spool | None = None,
        observers: Sequence[Observer] = (),
        monotonic: Callable[[], float] = time.monotonic,
        max_backlog: int = DEFAULT_MAX_BACKLOG,
        replay_per_cycle: int = DEFAULT_REPLAY_PER_CYCLE,
    ) -> None:
        self.poller = poller
        self.store = store
        self.interval = interval
        self.spool = spool
        self.observers = list(observers)
        self.monotonic = monotonic
        self.max_backlog = max_backlog
        self.replay_per_cycle = replay_per_cycle
        self.backlog: dict[str, list[Poll]] = {}
        self.stop = threading.Event()

    def run(self, cycles: int | None = None) -> LoopStats:
        """Cycles until ``cycles`` are done or ``stop`` is set; a late cycle starts at once, never piles up."""
        stats = LoopStats()
        next_start = self.monotonic()
        while not self.stop.is_set() and (cycles is None or stats.cycles < cycles):
            report = self.cycle()
            stats.cycles += 1
            stats.read += report.read
            stats.stored += report.stored
            stats.failures += len(report.failures)
            stats.empty_cycles += not report.polls
            if cycles is not None and stats.cycles >= cycles:
                break
            next_start += self.interval
            delay = next_start - self.monotonic()
            if delay < 0:
                stats.late_cycles += 1
                next_start = self.monotonic()
                continue
            self.stop.wait(delay)
        return stats

    def cycle(self) -> CycleReport:
        """One fetch, its write (after what earlier cycles could not write), a bounded replay, the observers."""
        started = self.monotonic()
        result = self.poller.fetch()
        report = CycleReport(result.timestamp, result.all_polls(), result.failures)
        self._write(result, report)
        self._replay()
        report.duration_s = self.monotonic() - started
        logger.info(
            "cycle at %s: %d values read, %d stored, %d failures%s",
            result.timestamp.isoformat(),
            report.read,
            report.stored,
            len(report.failures),
            f", {report.backlog} values waiting in memory" if report.backlog else "",
        )
        for observer in self.observers:
            try:
                observer(report)
            except Exception:  # an observer's bug must not stop the polling
                logger.exception("cycle observer %r failed", observer)
        return report

    def _write(self, result: FetchResult, report: CycleReport) -> None:
        for collection, polls in result.polls.items():
            self.backlog.setdefault(collection, []).extend(polls)
        began = self.monotonic()
        for collection in list(self.backlog):
            polls = self.backlog[collection]
            try:
                written = self.store.readings(collection).add(polls)
            except StoreUnavailable as error:
                report.store_error = str(error)
                logger.warning("readings of %r kept in memory for the next cycle: %s", collection, error)
                continue
            except RicochetError as error:
                report.store_error = str(error)
                logger.error("readings of %r refused by the store, not retried: %s", collection, error)
            else:
                report.stored += written.new
                report.conflicts.extend(written.conflicts)
                for conflict in written.conflicts:
                    logger.warning("not stored, another value is there already: %s", conflict)
            del self.backlog[collection]
        report.write_latency_s = self.monotonic() - began
        report.backlog = self._bound_backlog()

    def _bound_backlog(self) -> int:
        """Drop the oldest waiting polls beyond ``max_backlog`` values (said loudly): memory is finite."""
        held = sum(count_values(polls) for polls in self.backlog.values())
        for polls in self.backlog.values():
            while held > self.max_backlog and polls:
                dropped = polls.pop(0)
                held -= len(dropped.values)
                logger.error("memory backlog full: dropped the poll of %s at %s", dropped.device, dropped.timestamp)
        return held

    def _replay(self) -> None:
        if self.spool is None:
            return
        try:
            self.spool.replay(max_items=self.replay_per_cycle)
        except RicochetError as error:
            logger.warning("spool replay: %s", error)
