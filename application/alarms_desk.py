"""The operators' desk over the alarm log: list, history, acknowledge, snooze, silence, set the mode.

It works from any process (the command line, a script) by reading and writing the stored log; the
poller's engine reads the actions back at its next cycle. Times are the database's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from ricochetdb.application.ports import AlarmLog, Clock
from ricochetdb.domain.alarms import AlarmConfig
from ricochetdb.domain.alarms_history import statuses, suppressions
from ricochetdb.domain.alarms_records import AlarmEvent, AlarmStatus, OperatorAction
from ricochetdb.domain.alarms_routing import check_mode
from ricochetdb.domain.errors import StateError, ValidationError

LOOK_BACK = 10_000


@dataclass(frozen=True)
class ModeShown:
    """The cryostat mode in force, who set it and when (all None if never set)."""

    mode: str | None
    since: datetime | None
    user: str | None


class AlarmDesk:
    """Alarms as the log tells them; actions stored for the poller to apply."""

    def __init__(self, log: AlarmLog, clock: Clock, config: AlarmConfig | None = None) -> None:
        self.log = log
        self.clock = clock
        self.config = config

    def states(self) -> list[AlarmStatus]:
        """Every alarm with a stored transition, as it stands now."""
        rules = {rule.name: rule for rule in self.config.rules} if self.config is not None else None
        now = self.clock.now()
        return statuses(self.log.events(limit=LOOK_BACK), self.log.actions(limit=LOOK_BACK), now, rules)

    def history(
        self, name: str | None = None, device: str | None = None, since: datetime | None = None, limit: int = 100
    ) -> list[AlarmEvent]:
        """Stored transitions, newest first."""
        return self.log.events(name, device, since, limit)

    def actions(self, since: datetime | None = None, limit: int = 100) -> list[OperatorAction]:
        """Stored operator actions, newest first."""
        return self.log.actions(since, limit)

    def acknowledge(self, name: str, user: str, device: str = "") -> OperatorAction:
        """Acknowledge a firing alarm (all its devices unless ``device``); refused if it is not firing."""
        firing = [s for s in self.states() if s.name == name and device in ("", s.device) and s.state == "firing"]
        if not firing:
            self._known(name)
            raise StateError(f"alarm {name!r}" + (f" on {device!r}" if device else ""), "state", "is not firing")
        return self._act(OperatorAction("ack", self.clock.now(), user, name, device))

    def snooze(self, name: str, duration: timedelta, user: str, device: str = "") -> OperatorAction:
        """Hold back an alarm's messages for ``duration`` (a reminder goes out when it ends, if still firing)."""
        self._known(name)
        if duration <= timedelta(0):
            raise ValidationError(f"alarm {name!r} snooze", "duration", "must be longer than 0 s")
        now = self.clock.now()
        return self._act(OperatorAction("snooze", now, user, name, device, until=now + duration))

    def silence(
        self, matcher: tuple[tuple[str, str], ...], duration: timedelta, user: str, comment: str = ""
    ) -> OperatorAction:
        """Hold back the messages of every alarm matching, for ``duration``."""
        if duration <= timedelta(0):
            raise ValidationError("silence", "for", "must be longer than 0 s")
        now = self.clock.now()
        return self._act(OperatorAction("silence", now, user, until=now + duration, matcher=matcher, comment=comment))

    def set_mode(self, mode: str, user: str) -> OperatorAction:
        """Set the cryostat mode (warmup, cooldown, cold, maintenance)."""
        return self._act(OperatorAction("mode", self.clock.now(), user, mode=check_mode(mode)))

    def mode(self) -> ModeShown:
        """The mode in force."""
        actions = [a for a in self.log.actions(limit=LOOK_BACK) if a.action == "mode"]
        held = suppressions(actions, self.clock.now())
        latest = next((a for a in actions if a.mode == held.mode and a.timestamp == held.mode_set), None)
        return ModeShown(held.mode, held.mode_set, None if latest is None else latest.user)

    def _known(self, name: str) -> None:
        if self.config is not None and self.config.rule(name) is not None:
            return
        if self.log.events(name=name, limit=1):
            return
        raise ValidationError(f"alarm {name!r}", "name", "no rule nor stored alarm of that name")

    def _act(self, action: OperatorAction) -> OperatorAction:
        self.log.act(action)
        return action
