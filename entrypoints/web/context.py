"""What every route of the web service reads: the connection, the live state, the alarms, the token."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.web.live import LiveState
from ricochetdb.adapters.web.plots import Marker
from ricochetdb.application.history import History
from ricochetdb.entrypoints.api import Ricochet
from ricochetdb.entrypoints.web.query import SeriesQuery


class AlarmEngine(Protocol):
    """The alarm engine's face as the web service uses it: states for pages and metrics, acknowledgement."""

    def states(self) -> Iterable[Any]: ...

    def acknowledge(self, name: str, user: str, token_checked: bool = True) -> Any: ...


@dataclass
class WebContext:
    """Built once by ``create_app``; routes only read it (acknowledging an alarm is the one write, with the token)."""

    api: Ricochet
    live: LiveState
    collections: list[str]
    alarms: AlarmEngine | None = None
    token: str | None = None
    now: Callable[[], datetime] = field(default_factory=lambda: LocalClock().now)
    stopping: threading.Event = field(default_factory=threading.Event)

    def collection_of(self, label: str, device: str | None) -> str:
        """The collection holding the channel, as the live state knows it; else the default readings collection."""
        for channel in self.live.channels():
            if channel.label == label and device in (None, channel.device):
                return channel.collection
        return self.collections[0]

    def histories(self, query: SeriesQuery) -> list[History]:
        """The bins of every channel of the query, from the history layer (the tier chosen there)."""
        answers: list[History] = []
        for channel in query.channels:
            collection = channel.collection or self.collection_of(channel.label, channel.device)
            book = self.api.reading_book(collection)
            answers.append(
                book.history(
                    channel.label, device=channel.device, start=query.start, stop=query.stop, points=query.points
                )
            )
        return answers

    def markers(self, start: datetime, stop: datetime) -> list[Marker]:
        """Starts and stops of runs and streams within the window."""
        found: list[Marker] = []
        for kind, records in (("run", self.api.runs.list()), ("stream", self.api.streams.list())):
            for record in records:
                for edge, when in (("start", record.start_date), ("stop", record.stop_date)):
                    if when is not None and start <= when <= stop:
                        found.append(Marker(when, f"{kind} {record.name} {edge}"))
        return sorted(found, key=lambda marker: marker.when)
