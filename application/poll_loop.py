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
from ricochetdb.application.ports import Conflict, Shelf, Spool, Store, WriteReport
from ricochetdb.domain.errors import RicochetError, StoreConfigurationError, StoreUnavailable
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
    database_reachable: bool = True
    spool_backlog: int | None = None
    unreachable: bool = False

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
        shelf: Shelf | None = None,
    ) -> None:
        self.poller = poller
        self.store = store
        self.interval = interval
        self.spool = spool
        self.observers = list(observers)
        self.monotonic = monotonic
        self.max_backlog = max_backlog
        self.replay_per_cycle = replay_per_cycle
        self.shelf = shelf
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
        self._replay(report)
        report.database_reachable = self.poller.clock_ok and not report.unreachable
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
            polls = self.backlog.pop(collection)
            try:
                written = self.store.readings(collection).add(polls)
            except StoreUnavailable as error:
                report.store_error, report.unreachable = str(error), True
                logger.warning("readings of %r kept in memory for the next cycle: %s", collection, error)
                self.backlog[collection] = polls
                continue
            except StoreConfigurationError:  # a refused login or right: polling on would store nothing, stop
                self.backlog[collection] = polls
                raise
            except RicochetError as error:
                report.store_error = str(error)
                written = self._one_by_one(collection, polls)
            report.stored += written.new
            report.conflicts.extend(written.conflicts)
            for conflict in written.conflicts:
                logger.warning("not stored, another value is there already: %s", conflict)
        report.write_latency_s = self.monotonic() - began
        report.backlog = self._bound_backlog()

    def _one_by_one(self, collection: str, polls: list[Poll]) -> WriteReport:
        """A refused batch, poll by poll: what the store still refuses goes on the shelf, never retried by itself."""
        report = WriteReport()
        refused: list[tuple[Poll, str]] = []
        for poll in polls:
            try:
                report.merge(self.store.readings(collection).add([poll]))
            except StoreUnavailable:
                self.backlog.setdefault(collection, []).append(poll)
            except StoreConfigurationError:
                raise
            except RicochetError as error:
                refused.append((poll, str(error)))
        for poll, reason in refused:
            if self.shelf is not None:
                self.shelf.put("readings", collection, [poll], reason)
            else:
                logger.error(
                    "not stored, refused by the store: the poll of %s at %s: %s", poll.device, poll.timestamp, reason
                )
        if refused:
            where = "set aside (see 'ricochetdb spool set-aside')" if self.shelf is not None else "logged above"
            logger.error(
                "%d polls of %r refused by the store and %s: %s", len(refused), collection, where, refused[0][1]
            )
        return report

    def _bound_backlog(self) -> int:
        """Drop the oldest waiting polls beyond ``max_backlog`` values (said loudly): memory is finite."""
        held = sum(count_values(polls) for polls in self.backlog.values())
        for polls in self.backlog.values():
            while held > self.max_backlog and polls:
                dropped = polls.pop(0)
                held -= len(dropped.values)
                logger.error("memory backlog full: dropped the poll of %s at %s", dropped.device, dropped.timestamp)
        return held

    def _replay(self, report: CycleReport) -> None:
        if self.spool is None:
            return
        try:
            self.spool.replay(max_items=self.replay_per_cycle)
            report.spool_backlog = sum(self.spool.pending().values())
        except StoreConfigurationError:
            raise
        except RicochetError as error:
            logger.warning("spool replay: %s", error)
