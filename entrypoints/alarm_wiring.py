"""Putting the alarms together: rules file + store + notifiers -> a running AlarmEngine beside the poller.

``start_alarms`` builds the engine the ``poll --alarms FILE`` command runs; ``observe_cycle`` feeds it
each poll cycle's ``CycleReport`` (values, failures, the database's reachability, the spool backlog).
"""

from __future__ import annotations

import logging
import threading
import time

from ricochetdb.adapters.alarm_rules_file import has_alarm_sections, load_alarm_config
from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.notifiers.registry import build_notifiers
from ricochetdb.application.alarms import AlarmEngine
from ricochetdb.application.alarms_delivery import Delivery, ThreadedDelivery
from ricochetdb.application.alarms_desk import AlarmDesk
from ricochetdb.application.poll_loop import CycleReport
from ricochetdb.application.polling import device_identity
from ricochetdb.application.ports import Store
from ricochetdb.domain.alarms import AlarmConfig, AlarmSettings
from ricochetdb.domain.alarms_records import AlarmStatus, OperatorAction
from ricochetdb.domain.errors import StoreUnavailable, ValidationError
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig

logger = logging.getLogger(__name__)


def load_rules(alarms: str | None, devices: str | None = None) -> AlarmConfig | None:
    """The rules of ``--alarms FILE``, else the ``[[alarm]]`` sections of the devices file, else None."""
    if alarms:
        return load_alarm_config(alarms)
    if devices and has_alarm_sections(devices):
        return load_alarm_config(devices)
    return None


def identity(entry: DeviceEntry) -> str:
    """The stored identity of a configured device."""
    return device_identity(entry.type, entry.address, entry.name)


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


def observe_cycle(engine: AlarmEngine, report: CycleReport) -> None:
    """Feed one poll cycle to the engine; an alarm bug never stops the readings being stored."""
    try:
        engine.on_cycle(report)
    except Exception:  # the alarms must never stop the polling
        logger.exception("alarm engine failed on this cycle")


class StoredAlarms:
    """The alarms of the stored log for a web service without a poller (``serve --alarms FILE``).

    States are read from the log at most once per ``refresh_s`` (a Prometheus scrape or a page costs no
    query); while the database is away the last states read are shown, and the outage logged once. An
    acknowledgement is stored for the poller's engine to apply, as ``alarm ack`` does.
    """

    def __init__(self, desk: AlarmDesk, refresh_s: float) -> None:
        self.desk = desk
        self.refresh_s = refresh_s
        self._lock = threading.Lock()
        self._states: list[AlarmStatus] = []
        self._read_at: float | None = None
        self._away = False

    def states(self) -> list[AlarmStatus]:
        with self._lock:
            if self._read_at is None or time.monotonic() - self._read_at >= self.refresh_s:
                try:
                    self._states = self.desk.states()
                except StoreUnavailable as error:
                    if not self._away:
                        logger.warning("alarm states not refreshed, the last ones read are shown: %s", error)
                    self._away = True
                else:
                    self._away = False
                self._read_at = time.monotonic()
            return list(self._states)

    def acknowledge(self, name: str, user: str, token_checked: bool = True) -> OperatorAction:
        if not token_checked:
            raise ValidationError(f"alarm {name!r}", "token", "acknowledgement refused: the token was not checked")
        action = self.desk.acknowledge(name, user)
        with self._lock:
            self._read_at = None  # the next look shows the acknowledgement
        return action
