"""Sending alarm messages without stalling the poll loop: one worker per notifier, or inline for tests.

A slow mail server delays only its own messages. Each delivery's outcome goes back to the engine
(``done(notifier, notification, error)``), so a failing notifier raises its own alarm.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError
from ricochetdb.domain.alarms_records import Notification

logger = logging.getLogger(__name__)

Done = Callable[[Notifier, Notification, str | None], None]
QUEUE_SIZE = 1000


def send(notifier: Notifier, notification: Notification) -> str | None:
    """Deliver one message; return why it failed (None: delivered). A notifier bug is an error, not a crash."""
    try:
        notifier.send(notification)
    except NotifierError as error:
        return str(error)
    except Exception as error:  # a notifier bug must not stop the alarms
        logger.exception("notifier %s: unexpected error", notifier.name)
        return f"notifier {notifier.name!r}: {type(error).__name__}: {error}"
    return None


class Delivery(Protocol):
    """How messages leave: ``submit`` never blocks on the network."""

    def submit(self, notifier: Notifier, notification: Notification, done: Done) -> None: ...

    def wait(self, timeout: float) -> bool: ...

    def close(self) -> None: ...


class InlineDelivery:
    """Sends at once in the caller's thread (tests, ``alarm test``)."""

    def submit(self, notifier: Notifier, notification: Notification, done: Done) -> None:
        done(notifier, notification, send(notifier, notification))

    def wait(self, timeout: float) -> bool:
        return True

    def close(self) -> None:
        return None


class ThreadedDelivery:
    """A queue and a worker thread per notifier; ``wait`` returns once every queued message was tried."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._queues: dict[str, queue.Queue[tuple[Notifier, Notification, Done] | None]] = {}
        self._threads: list[threading.Thread] = []
        self._outstanding = 0
        self._idle = threading.Condition()

    def submit(self, notifier: Notifier, notification: Notification, done: Done) -> None:
        with self._idle:
            inbox = self._queues.get(notifier.name)
            if inbox is None:
                inbox = self._queues[notifier.name] = queue.Queue(self.queue_size)
                worker = threading.Thread(target=self._work, args=(inbox,), name=f"notify-{notifier.name}", daemon=True)
                self._threads.append(worker)
                worker.start()
            try:
                inbox.put_nowait((notifier, notification, done))
            except queue.Full:
                full = f"notifier {notifier.name!r}: {self.queue_size} messages already waiting, this one dropped"
                logger.error("%s: %s", full, notification.subject)
            else:
                self._outstanding += 1
                return
        done(notifier, notification, full)

    def _work(self, inbox: queue.Queue[tuple[Notifier, Notification, Done] | None]) -> None:
        while (item := inbox.get()) is not None:
            notifier, notification, done = item
            try:
                done(notifier, notification, send(notifier, notification))
            except Exception:  # the engine's bookkeeping failing must not kill the worker
                logger.exception("after sending through %s", notifier.name)
            finally:
                with self._idle:
                    self._outstanding -= 1
                    self._idle.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block until every submitted message was tried (True), or ``timeout`` seconds passed (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._outstanding == 0, timeout)

    def close(self) -> None:
        """Let the workers finish what is queued, then stop them (each given a few seconds)."""
        with self._idle:
            queues = list(self._queues.values())
        for inbox in queues:
            inbox.put(None)
        for worker in self._threads:
            worker.join(timeout=5)
