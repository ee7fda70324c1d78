"""The alarm engine: judges every poll cycle in the poller's process, stores each transition, sends messages.

It works on the values just read, so it keeps working while the database is away (transitions go
to the spool, or wait in memory). Operator actions (acknowledge, snooze, silence, mode) are stored
and read back each cycle, so an action given on the command line or the web page reaches it.
A notifier that fails raises its own alarm, sent through the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from ricochetdb.application.alarms_delivery import Delivery, InlineDelivery, send
from ricochetdb.application.alarms_journal import Journal
from ricochetdb.application.alarms_watch import CycleLike, Judged, Key, Watch, clock_of
from ricochetdb.application.ports import AlarmLog, Clock, Notifier
from ricochetdb.domain.alarms import AlarmConfig, AlarmRule
from ricochetdb.domain.alarms_conditions import RateWindow, Verdict
from ricochetdb.domain.alarms_history import acknowledged_by
from ricochetdb.domain.alarms_records import AlarmEvent, AlarmStatus, Notification, OperatorAction
from ricochetdb.domain.alarms_routing import Suppressions, Target, check_mode
from ricochetdb.domain.alarms_state import AlarmInstance
from ricochetdb.domain.errors import StateError, StoreUnavailable, ValidationError
from ricochetdb.domain.readings import ClockSource

logger = logging.getLogger(__name__)

Outgoing = list[tuple[AlarmInstance, Notification]]


class AlarmEngine:
    """Alarms over poll cycles. Thread-safe: ``on_cycle`` in the poll loop, actions from any thread."""

    def __init__(
        self,
        config: AlarmConfig,
        log: AlarmLog | None,
        notifiers: Sequence[Notifier],
        clock: Clock,
        interval: float,
        fallback_clock: Clock | None = None,
        devices: Iterable[str] = (),
        collections: Mapping[str, str] | None = None,
        delivery: Delivery | None = None,
    ) -> None:
        self.watch = Watch(config, interval, devices, collections or {})
        self.config = replace(config, rules=self.watch.rules)
        self.instances = self.watch.instances
        self.notifiers = {notifier.name: notifier for notifier in notifiers}
        self.clock = clock
        self.fallback_clock = fallback_clock
        self.delivery = delivery or InlineDelivery()
        self.journal = Journal(log)
        self.held = Suppressions()
        self._lock = threading.RLock()

    # -- the poll cycle ---------------------------------------------------------------------------

    def set_database(self, reachable: bool, backlog: int | None = None) -> None:
        """Tell whether the database answered in this cycle, and how many items wait in the spool."""
        with self._lock:
            self.watch.reachable, self.watch.backlog = reachable, backlog

    def on_cycle(self, report: CycleLike) -> None:
        """Judge one poll cycle: store the transitions, send what is due."""
        now = report.timestamp
        clock = clock_of(report)
        actions = self.journal.new_actions()
        with self._lock:
            for action in actions:
                self._apply(action)
            self.held.expire(now)
            if (reachable := getattr(report, "database_reachable", None)) is not None:
                self.watch.reachable = bool(reachable)
            if (backlog := getattr(report, "spool_backlog", None)) is not None:
                self.watch.backlog = int(backlog)
            events, outgoing = self._advance(self.watch.verdicts(report, now), now, clock)
        self.journal.write(events)
        self._send(outgoing)

    def _advance(
        self, verdicts: list[Judged], now: datetime, clock: ClockSource, every: bool = True
    ) -> tuple[list[AlarmEvent], Outgoing]:
        """Apply the verdicts, then collect the messages due (of every alarm, or only of those judged)."""
        events: list[AlarmEvent] = []
        changed: dict[Key, AlarmEvent] = {}
        for instance, verdict, value in verdicts:
            event = instance.step(verdict, value, now, clock, self._held(instance, now))
            if event is not None:
                events.append(event)
                changed[instance.key] = event
        outgoing: Outgoing = []
        judged = self.instances.values() if every else [instance for instance, _, _ in verdicts]
        for instance in judged:
            kind = instance.message(
                now, self._held(instance, now), self.config.reminder(instance.rule), changed.get(instance.key)
            )
            if kind is not None:
                outgoing.append((instance, instance.notification(kind, now)))
        return events, outgoing

    def _held(self, instance: AlarmInstance, now: datetime) -> str:
        return self.held.held(_target(instance), instance.rule.inhibited_in(self.held.mode), now)

    # -- messages ---------------------------------------------------------------------------------

    def _send(self, outgoing: Outgoing, skip: str = "") -> None:
        for instance, notification in outgoing:
            routes = [name for name in self.config.routes(instance.rule) if name != skip]
            if not routes:
                logger.error("alarm %s: no notifier left to send it: %s", instance.rule.name, notification.subject)
            for name in routes:
                self.delivery.submit(self.notifiers[name], notification, self._delivered)

    def _delivered(self, notifier: Notifier, notification: Notification, error: str | None) -> None:
        """A delivery's outcome: a failure fires the notifier's own alarm, a success resolves it."""
        rules = [rule for rule in self.config.rules if rule.kind == "notifier"]
        if not rules or notification.kind == "test":
            return
        if error is not None:
            logger.error("notifier %s failed to send %s: %s", notifier.name, notification.subject, error)
        now, clock = self._now()
        with self._lock:
            if error is None and (rules[0].name, notifier.name) not in self.instances:
                return
            instance = self.watch.instance(rules[0], notifier.name)
            value = "delivered" if error is None else f"{error} (sending {notification.alarm} {notification.state})"
            verdict: Verdict = "clear" if error is None else "fire"
            events, outgoing = self._advance([(instance, verdict, value)], now, clock, every=False)
        self.journal.write(events)
        self._send(outgoing, skip=notifier.name)

    def _now(self) -> tuple[datetime, ClockSource]:
        try:
            return self.clock.now(), self.clock.source
        except StoreUnavailable:
            if self.fallback_clock is None:
                raise
            return self.fallback_clock.now(), "local"

    # -- what operators see and do ----------------------------------------------------------------

    def states(self) -> list[AlarmStatus]:
        """Every alarm seen so far, with its state, value, threshold and what holds it back."""
        now, _ = self._now()
        with self._lock:
            rows = []
            for instance in self.instances.values():
                target = _target(instance)
                inhibited = self.held.mode if instance.rule.inhibited_in(self.held.mode) else None
                rows.append(
                    instance.status(
                        self.held.snoozed_until(target, now), self.held.silenced_until(target, now), inhibited or ""
                    )
                )
        return sorted(rows, key=lambda s: (s.name, s.device))

    @property
    def mode(self) -> str | None:
        """The cryostat mode in force (None: never set)."""
        return self.held.mode

    def acknowledge(self, name: str, user: str, token_checked: bool = True, device: str = "") -> int:
        """Acknowledge the firing alarm(s) of that name: reminders stop until it fires again."""
        if not token_checked:
            raise ValidationError(f"alarm {name!r}", "token", "acknowledgement refused: the token was not checked")
        self._known(name)
        now, _ = self._now()
        with self._lock:
            firing = [
                i for i in self.instances.values() if i.rule.name == name and device in ("", i.device) and i.firing
            ]
        if not firing:
            raise StateError(f"alarm {name!r}", "state", "is not firing")
        self._act(OperatorAction("ack", now, user, name, device))
        return sum(1 for instance in firing if instance.acknowledged_by)

    def snooze(self, name: str, duration: timedelta, user: str, device: str = "") -> datetime:
        """Hold back this alarm's messages for ``duration``; return when the snooze ends."""
        self._known(name)
        now, _ = self._now()
        self._act(OperatorAction("snooze", now, user, name, device, until=now + duration))
        return now + duration

    def silence(
        self, matcher: tuple[tuple[str, str], ...], duration: timedelta, user: str, comment: str = ""
    ) -> datetime:
        """Hold back the messages of every alarm the matcher selects for ``duration``."""
        now, _ = self._now()
        self._act(OperatorAction("silence", now, user, until=now + duration, matcher=matcher, comment=comment))
        return now + duration

    def set_mode(self, mode: str, user: str) -> None:
        """Set the cryostat mode: the rules naming it in ``inhibit_in_modes`` are held back."""
        now, _ = self._now()
        self._act(OperatorAction("mode", now, user, mode=check_mode(mode)))

    def _known(self, name: str) -> None:
        if self.config.rule(name) is None:
            raise ValidationError(f"alarm {name!r}", "name", "no rule of that name")

    def _act(self, action: OperatorAction) -> None:
        with self._lock:
            self._apply(action)
        self.journal.act(action)

    def _apply(self, action: OperatorAction) -> None:
        self.journal.applied(action)
        if action.action == "ack":
            for instance in self.instances.values():
                if instance.rule.name == action.name and action.device in ("", instance.device):
                    instance.acknowledge(action.user, action.timestamp)
        else:
            self.held.apply(action)
            for instance in self.instances.values():  # so that its end is noticed even between two cycles
                instance.held = instance.held or self.held.held(_target(instance), False, action.timestamp)

    def restore(self) -> None:
        """Take back the alarms and actions the log holds (after a restart), so nothing is announced twice."""
        past = self.journal.restore()
        if past is None:
            return
        events, actions = past
        with self._lock:
            for action in sorted(actions, key=lambda a: a.timestamp):
                self._apply(action)
            for (name, device), event in events.items():
                rule = self.config.rule(name)
                if rule is not None and event.state in ("pending", "firing"):
                    self.instances[(name, device)] = _restored(rule, event, actions)

    def test(self) -> dict[str, str]:
        """Send a test message through every notifier now; 'ok' or the error, per notifier."""
        now, _ = self._now()
        probe = Notification("test", "test", "warning", "", "", None, None, None, now, "test")
        return {name: send(notifier, probe) or "ok" for name, notifier in self.notifiers.items()}

    def close(self) -> None:
        """Let queued messages go, then release the notifiers."""
        self.delivery.close()
        for notifier in self.notifiers.values():
            notifier.close()


def _restored(rule: AlarmRule, event: AlarmEvent, actions: Sequence[OperatorAction]) -> AlarmInstance:
    firing = event.state == "firing"
    return AlarmInstance(
        rule,
        event.device,
        event.label,
        event.state,
        event.since,
        event.value,
        event.threshold,
        event.timestamp,
        acknowledged_by(event, actions),
        firing and not event.held,
        event.timestamp if firing else None,
        window=RateWindow(rule.rate_window) if rule.rate else None,
    )


def _target(instance: AlarmInstance) -> Target:
    rule = instance.rule
    return Target(rule.name, instance.device, instance.label, rule.severity, rule.kind)
