"""The engine's side of the alarm log: transitions and actions written (kept in memory while the store
refuses them), operator actions read back once each, and the past read at restart."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

from ricochetdb.application.ports import AlarmLog
from ricochetdb.domain.alarms_history import Key, latest_events
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction
from ricochetdb.domain.errors import RicochetError

logger = logging.getLogger(__name__)

MAX_WAITING = 10_000
RESTORE_LIMIT = 10_000
MARGIN = timedelta(minutes=10)


class Journal:
    """Writes in order, retries what the store refused, and hands each stored action out once."""

    def __init__(self, log: AlarmLog | None) -> None:
        self.log = log
        self.waiting: deque[AlarmEvent | OperatorAction] = deque(maxlen=MAX_WAITING)
        self.cursor: datetime | None = None
        self.seen: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._failing = False

    def write(self, events: Sequence[AlarmEvent]) -> None:
        """Store the transitions (after any still waiting); what the store refuses waits for the next call."""
        self._flush(list(events))

    def act(self, action: OperatorAction) -> None:
        """Store an operator action, like a transition."""
        self._flush([action])

    def _flush(self, items: list[AlarmEvent | OperatorAction]) -> None:
        if self.log is None:
            return
        with self._lock:
            if len(self.waiting) + len(items) > MAX_WAITING:
                logger.error("alarm log: more than %d items waiting, the oldest are dropped", MAX_WAITING)
            self.waiting.extend(items)
            while self.waiting:
                item = self.waiting[0]
                try:
                    if isinstance(item, AlarmEvent):
                        self.log.add(item)
                    else:
                        self.log.act(item)
                except RicochetError as error:
                    if not self._failing:
                        logger.warning("alarm log unavailable, %d items kept in memory: %s", len(self.waiting), error)
                    self._failing = True
                    return
                self.waiting.popleft()
            if self._failing:
                logger.warning("alarm log available again: waiting items stored")
            self._failing = False

    def applied(self, action: OperatorAction) -> None:
        """Remember an action as taken into account, so reading it back does not apply it twice."""
        self.seen[action.id] = action.timestamp
        if self.cursor is None or action.timestamp > self.cursor:
            self.cursor = action.timestamp
            horizon = self.cursor - MARGIN
            self.seen = {key: when for key, when in self.seen.items() if when >= horizon}

    def new_actions(self) -> list[OperatorAction]:
        """Actions stored since the last call that were not applied yet, oldest first ([] if unreachable)."""
        if self.log is None:
            return []
        since = None if self.cursor is None else self.cursor - MARGIN
        try:
            found = self.log.actions(since=since, limit=RESTORE_LIMIT if since is None else None)
        except RicochetError as error:
            logger.debug("operator actions not read this cycle: %s", error)
            return []
        return [action for action in reversed(found) if action.id not in self.seen]

    def restore(self) -> tuple[dict[Key, AlarmEvent], list[OperatorAction]] | None:
        """The latest transition of every alarm and the recent actions (None if the log cannot be read)."""
        if self.log is None:
            return None
        try:
            events = self.log.events(limit=RESTORE_LIMIT)
            actions = self.log.actions(limit=RESTORE_LIMIT)
        except RicochetError as error:
            logger.warning("alarms not restored from the log, starting afresh: %s", error)
            return None
        return latest_events(events), actions
