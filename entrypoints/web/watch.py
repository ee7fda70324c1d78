"""Keeps the live state fresh from the store: database reachability, spool, running runs and streams, and
(when the service runs apart from the poller) the latest readings and device events."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.uris import redact
from ricochetdb.adapters.web.live import LiveState, StoreState
from ricochetdb.domain.errors import RicochetError, StoreUnavailable
from ricochetdb.entrypoints.api import Ricochet

logger = logging.getLogger(__name__)

LOOK_BACK = timedelta(days=7)


class StoreWatcher:
    """Refreshes ``live`` every ``interval`` seconds in its own thread until ``stop`` is set."""

    def __init__(
        self,
        api: Ricochet,
        live: LiveState,
        collections: list[str],
        interval: float,
        readings: bool,
        stop: threading.Event,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.now = now or LocalClock().now
        self.api = api
        self.live = live
        self.collections = collections
        self.interval = interval
        self.readings = readings
        self.stop = stop
        self.refreshed = threading.Event()
        self.thread = threading.Thread(target=self._run, name="web-store-watcher", daemon=True)

    def start(self) -> StoreWatcher:
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self.stop.wait(self.interval):
            self.refresh()

    def refresh(self) -> None:
        """One look at the store; a failure is shown on the page, never raised."""
        database = redact(self.api.describe())
        now = self.now()
        try:
            spool = self.api.spool_pending()
        except RicochetError as error:
            logger.warning("spool state unavailable: %s", error)
            spool = {}
        try:
            runs = tuple(run.name for run in self.api.runs.list() if run.running)
            streams = tuple(stream.name for stream in self.api.streams.list() if stream.running)
            if self.readings:
                self._load_readings()
        except StoreUnavailable as error:
            self.live.set_store(StoreState(database, False, redact(str(error)), spool, checked=now))
        except RicochetError as error:
            self.live.set_store(StoreState(database, True, redact(str(error)), spool, checked=now))
        else:
            self.live.set_store(StoreState(database, True, "", spool, runs, streams, checked=now))
        self.refreshed.set()

    def _load_readings(self) -> None:
        since = self.api.now() - LOOK_BACK
        events = self.api.store.events(self.api.collections["events"]).find(limit=1000)
        for index, collection in enumerate(self.collections):
            latest = self.api.reading_book(collection).latest(since=since)
            self.live.load(collection, latest, events if index == 0 else ())
