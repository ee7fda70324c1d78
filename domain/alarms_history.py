"""The present read from the past: each alarm's status from its stored transitions and the operator actions.

The command line (another process than the poller) shows alarms this way, and a restarted poller
takes its alarms back from it, so a firing alarm is not announced twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from ricochetdb.domain.alarms import AlarmRule
from ricochetdb.domain.alarms_records import AlarmEvent, AlarmStatus, OperatorAction
from ricochetdb.domain.alarms_routing import Suppressions, Target

Key = tuple[str, str]


def latest_events(newest_first: Iterable[AlarmEvent]) -> dict[Key, AlarmEvent]:
    """The latest transition of every (alarm, device)."""
    latest: dict[Key, AlarmEvent] = {}
    for event in newest_first:
        latest.setdefault((event.name, event.device), event)
    return latest


def suppressions(actions: Iterable[OperatorAction], now: datetime) -> Suppressions:
    """The snoozes, silences and mode in force at ``now``."""
    held = Suppressions()
    for action in sorted(actions, key=lambda a: a.timestamp):
        held.apply(action)
    held.expire(now)
    return held


def acknowledged_by(event: AlarmEvent, actions: Sequence[OperatorAction]) -> str:
    """Who acknowledged the firing episode of ``event`` ('' if nobody did)."""
    if event.state != "firing" or event.since is None:
        return ""
    for action in sorted(actions, key=lambda a: a.timestamp):
        if (
            action.action == "ack"
            and action.name == event.name
            and action.device in ("", event.device)
            and action.timestamp >= event.since
        ):
            return action.user or "someone"
    return ""


def target_of(event: AlarmEvent) -> Target:
    """What silences match an alarm by, read from its transition."""
    return Target(event.name, event.device, event.label, event.severity, event.kind)


def statuses(
    newest_first: Iterable[AlarmEvent],
    actions: Sequence[OperatorAction],
    now: datetime,
    rules: Mapping[str, AlarmRule] | None = None,
) -> list[AlarmStatus]:
    """Every alarm that has a stored transition, as it stands at ``now``, ordered by name and device."""
    held = suppressions(actions, now)
    found: list[AlarmStatus] = []
    for (name, device), event in sorted(latest_events(newest_first).items()):
        target = target_of(event)
        rule = (rules or {}).get(name)
        ack = acknowledged_by(event, actions)
        inhibited = held.mode if rule is not None and rule.inhibited_in(held.mode) else ""
        found.append(
            AlarmStatus(
                name,
                device,
                event.state,
                event.severity,
                event.since,
                event.value,
                event.threshold,
                bool(ack),
                ack,
                held.snoozed_until(target, now),
                held.silenced_until(target, now) is not None,
                held.silenced_until(target, now),
                inhibited or "",
                event.kind,
                event.label,
                event.timestamp,
            )
        )
    return found
