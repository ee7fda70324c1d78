"""Putting the alarms together: rules file + store + notifiers -> a running AlarmEngine beside the poller.

``start_alarms`` builds the engine the ``poll --alarms FILE`` and ``serve --alarms FILE`` commands
run; ``observe_cycle`` feeds it one poll cycle (a ``CycleReport``, or today's ``FetchResult``) with the
database's reachability and spool backlog.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ricochetdb.adapters.alarm_rules_file import has_alarm_sections, load_alarm_config
from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.notifiers.registry import build_notifiers
from ricochetdb.application.alarms import AlarmEngine
from ricochetdb.application.alarms_delivery import Delivery, ThreadedDelivery
from ricochetdb.application.alarms_desk import AlarmDesk
from ricochetdb.application.polling import Failure, FetchResult
from ricochetdb.application.ports import Store
from ricochetdb.application.spooling import SpoolingStore
from ricochetdb.domain.alarms import AlarmConfig, AlarmSettings
from ricochetdb.domain.errors import RicochetError, StoreUnavailable, ValidationError
from ricochetdb.domain.polls import DeviceReply, Poll, stamp_reply
from ricochetdb.domain.readings import Measurement
from ricochetdb.entrypoints.devices_config import PollConfig

logger = logging.getLogger(__name__)


def load_rules(alarms: str | None, devices: str | None = None) -> AlarmConfig | None:
    """The rules of ``--alarms FILE``, else the ``[[alarm]]`` sections of the devices file, else None."""
    if alarms:
        return load_alarm_config(alarms)
    if devices and has_alarm_sections(devices):
        return load_alarm_config(devices)
    return None


def identity(entry: Any) -> str:
    """The stored identity of a configured device (its name once devices carry one, else its address)."""
    return str(getattr(entry, "identity", None) or entry.address)


def check_rules(config: AlarmConfig, poll: PollConfig, origin: str = "alarm rules") -> None:
    """Refuse a rule naming a device or collection no configured device has: it would never fire."""
    devices = {identity(entry) for entry in poll.devices}
    collections = {entry.collection for entry in poll.devices}
    for rule in config.rules:
        if rule.device and rule.device not in devices:
            known = ", ".join(sorted(devices)) or "none"
            raise ValidationError(f"{origin} alarm {rule.name!r}", "device", f"no such device (configured: {known})")
        if rule.collection and rule.collection not in collections:
            known = ", ".join(sorted(collections)) or "none"
            raise ValidationError(f"{origin} alarm {rule.name!r}", "collection", f"no device writes there ({known})")


def start_alarms(store: Store, config: AlarmConfig, poll: PollConfig, delivery: Delivery | None = None) -> AlarmEngine:
    """A checked, restored engine over ``store``'s alarm log; close it when the poller stops."""
    check_rules(config, poll)
    notifiers = build_notifiers(config.notifiers)
    engine = AlarmEngine(
        config,
        store.alarms(config.settings.collection),
        notifiers,
        store.clock,
        poll.interval,
        fallback_clock=LocalClock(),
        devices=[identity(entry) for entry in poll.devices],
        collections={identity(entry): entry.collection for entry in poll.devices},
        delivery=delivery or ThreadedDelivery(),
    )
    engine.restore()
    return engine


def alarm_desk(store: Store, config: AlarmConfig | None = None, collection: str | None = None) -> AlarmDesk:
    """The operators' desk over the store's alarm log (the same collection as the poller's rules file)."""
    settings = config.settings if config is not None else AlarmSettings()
    return AlarmDesk(store.alarms(collection or settings.collection), store.clock, config)


@dataclass(frozen=True)
class FetchCycle:
    """A poll cycle in the shape the engine reads, made from a ``FetchResult``."""

    timestamp: datetime
    polls: list[Poll]
    failures: list[Failure]
    database_reachable: bool | None = None
    spool_backlog: int | None = None
    clock: str = field(default="server")


def cycle_from_fetch(result: FetchResult) -> FetchCycle:
    """Group a fetch's readings back into one poll per device."""
    grouped: dict[tuple[str, str], list[Measurement]] = {}
    clock = "server"
    for batch in result.readings.values():
        for reading in batch:
            grouped.setdefault((reading.device_type, reading.device), []).append(
                Measurement(reading.label, reading.value, reading.unit)
            )
            clock = reading.clock
    polls = [
        stamp_reply(
            kind, device, DeviceReply(measurements), result.timestamp, "local" if clock == "local" else "server"
        )
        for (kind, device), measurements in grouped.items()
    ]
    return FetchCycle(result.timestamp, polls, list(result.failures), clock=clock)


def database_status(store: Store) -> tuple[bool, int | None]:
    """Whether the database answers, and how many items wait in the spool (None without a spool)."""
    if isinstance(store, SpoolingStore):
        try:
            backlog = sum(store.pending().values())
        except RicochetError:
            backlog = None
        return not store.offline, backlog
    try:
        store.clock.now()
    except StoreUnavailable:
        return False, None
    return True, None


def observe_cycle(engine: AlarmEngine, store: Store, report: FetchResult | Any) -> None:
    """Feed one cycle to the engine, with the database's state; never lets an alarm bug stop the poller."""
    try:
        engine.set_database(*database_status(store))
        engine.on_cycle(cycle_from_fetch(report) if isinstance(report, FetchResult) else report)
    except Exception:  # the alarms must never stop the readings being stored
        logger.exception("alarm engine failed on this cycle")
