"""Alarms end to end: a controllable device over HTTP, the real poller and store, messages to a webhook and
an SMTP server on 127.0.0.1, operator actions from the command line reaching the running engine."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alarm_servers import ControllableCryostat, MailReceiver, WebhookReceiver, free_port

from ricochetdb.adapters.alarm_rules_file import parse_alarm_file
from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.mapping_file import load_mapping
from ricochetdb.adapters.mongo.store import MongoStore
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.alarms import AlarmEngine
from ricochetdb.application.poll_loop import PollLoop
from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import Store
from ricochetdb.application.spooling import SpoolingStore
from ricochetdb.entrypoints.alarm_wiring import observe_cycle, start_alarms
from ricochetdb.entrypoints.cli import main
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig

WARM = {"name": "mc", "label": "T_MC", "above": 0.100, "clear_below": 0.080, "summary": "mixing chamber warm"}


@dataclass
class Rig:
    device: ControllableCryostat
    hook: WebhookReceiver
    store: Store
    loop: PollLoop
    engine: AlarmEngine

    def run_until(self, done: Callable[[list[dict[str, Any]]], bool], cycles: int = 100) -> bool:
        """Poll, store and judge a cycle every 50 ms until the webhook got what ``done`` wants (bounded)."""
        pace = threading.Event()
        for _ in range(cycles):
            pace.wait(0.05)
            self.loop.cycle()
            assert self.engine.delivery.wait(30)
            if done(self.hook.received):
                return True
        return False


@contextlib.contextmanager
def rig(store: Store, *alarms: dict[str, Any], notifiers: list[dict[str, Any]] | None = None) -> Iterator[Rig]:
    device = ControllableCryostat(T_MC=0.010, T_4K=3.9)
    device.start()
    with WebhookReceiver() as hook:
        routes = notifiers or [{"name": "hook", "type": "webhook", "url": hook.url}]
        config = parse_alarm_file({"alarm": list(alarms), "notifier": routes}, "test rules")
        entry = DeviceEntry("JSON-CRYO", device.address, "fridge", {"path": "/", "timeout": 0.5})
        poller = Poller(store.clock, LocalClock(), load_mapping(None), store.events("device_events"))
        poller.add(build_reader("JSON-CRYO", device.address, {"path": "/", "timeout": 0.5}), "fridge")
        engine = start_alarms(store, config, PollConfig(0.05, "fridge", [entry]))
        spool = store if isinstance(store, SpoolingStore) else None
        loop = PollLoop(poller, store, 0.05, spool, observers=[lambda report: observe_cycle(engine, report)])
        try:
            yield Rig(device, hook, store, loop, engine)
        finally:
            engine.close()
            poller.close()
            device.stop()
            store.close()


def states(received: list[dict[str, Any]], alarm: str) -> list[str]:
    return [body["state"] for body in received if body["alarm"] == alarm]


@pytest.fixture
def fridge(tmp_path: Path) -> Iterator[Rig]:
    with rig(SqliteStore(str(tmp_path / "lab.sqlite")), WARM) as running:
        yield running


def test_a_crossing_is_announced_once_resolved_at_once_and_every_transition_stored(fridge: Rig, tmp_path: Path) -> None:
    assert not fridge.run_until(lambda got: bool(got), cycles=3)
    fridge.device.set(T_MC=0.150)
    assert fridge.run_until(lambda got: states(got, "mc") == ["firing"])
    fridge.device.set(T_MC=0.090)  # inside the band: still firing
    assert not fridge.run_until(lambda got: len(states(got, "mc")) > 1, cycles=3)
    fridge.device.set(T_MC=0.050)
    assert fridge.run_until(lambda got: states(got, "mc") == ["firing", "resolved"])
    resolved = fridge.hook.received[-1]
    assert resolved["device"] == f"JSON-CRYO@{fridge.device.address}"
    assert resolved["lasted_s"] > 0 and resolved["value"] == 0.05
    stored = fridge.store.alarms("alarm_events").events(name="mc")
    assert [(e.state, e.value, e.threshold) for e in reversed(stored)] == [
        ("firing", 0.15, 0.1),
        ("resolved", 0.05, 0.08),
    ]
    assert all(e.clock == "local" and e.timestamp.tzinfo is not None for e in stored)  # SQLite: the local clock


def test_operator_actions_from_the_command_line_reach_the_running_engine(
    fridge: Rig, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 'lab.sqlite'}"]
    assert main([*db, "alarm", "ack", "mc"]) == 2  # nothing stored yet
    assert "alarm 'mc'" in capsys.readouterr().err
    fridge.device.set(T_MC=0.2)
    assert fridge.run_until(lambda got: states(got, "mc") == ["firing"])
    assert main([*db, "--json", "alarm", "list"]) == 0
    assert '"firing"' in capsys.readouterr().out
    fridge.device.set(T_MC=0.05)
    assert fridge.run_until(lambda got: states(got, "mc") == ["firing", "resolved"])
    assert main([*db, "alarm", "ack", "mc"]) == 2
    assert "is not firing" in capsys.readouterr().err
    fridge.device.set(T_MC=0.2)
    assert fridge.run_until(lambda got: states(got, "mc") == ["firing", "resolved", "firing"])
    assert main([*db, "alarm", "ack", "mc", "--user", "alice"]) == 0
    assert main([*db, "alarm", "snooze", "mc", "30m", "--user", "alice"]) == 0
    assert main([*db, "alarm", "silence", "--match", "label=T_MC", "--for", "2h", "--user", "bob"]) == 0
    assert main([*db, "mode", "set", "warmup", "--user", "carol"]) == 0
    fridge.run_until(lambda got: False, cycles=1)
    shown = next(state for state in fridge.engine.states() if state.name == "mc")
    assert shown.acknowledged_by == "alice" and shown.snoozed_until is not None and shown.silenced
    assert fridge.engine.mode == "warmup"
    capsys.readouterr()
    assert main([*db, "--json", "mode", "show"]) == 0
    assert '"warmup"' in capsys.readouterr().out
    assert main([*db, "--json", "alarm", "history", "--actions"]) == 0
    assert capsys.readouterr().out.count('"action"') == 4
    assert main([*db, "alarm", "snooze", "no-such-alarm", "30m"]) == 2


def test_a_device_that_goes_silent_raises_a_stale_alarm_not_a_value_alarm(tmp_path: Path) -> None:
    quick_stale = {"name": "quiet", "stale": "1s"}
    with rig(SqliteStore(str(tmp_path / "lab.sqlite")), WARM, quick_stale) as running:
        assert not running.run_until(lambda got: bool(got), cycles=2)
        running.device.fault = "silent"
        assert running.run_until(lambda got: states(got, "quiet") == ["firing"], cycles=400)
        assert states(running.hook.received, "mc") == []
        running.device.fault = "none"
        assert running.run_until(lambda got: states(got, "quiet") == ["firing", "resolved"])


def test_mail_goes_out_too(tmp_path: Path) -> None:
    with MailReceiver() as mail:
        smtp = {"name": "mail", "type": "smtp", "host": "127.0.0.1", "port": mail.port, "to": "shift@lab"}
        with rig(SqliteStore(str(tmp_path / "lab.sqlite")), WARM, notifiers=[smtp]) as running:
            running.device.set(T_MC=0.3)
            running.run_until(lambda got: False, cycles=2)
            assert mail.wait_for(1)
    assert "FIRING mc" in mail.messages[0]["Subject"]


def test_alarms_keep_working_while_the_database_is_away_and_their_transitions_are_spooled(tmp_path: Path) -> None:
    away = MongoStore(f"mongodb://127.0.0.1:{free_port()}/lab", server_selection_timeout_ms=200)
    spool = SqliteStore(str(tmp_path / "spool.sqlite"))
    store = SpoolingStore(away, spool, SqliteArchive(spool), retry_after=60.0)
    db_down = {"name": "db", "database_unreachable": True}
    with rig(store, WARM, db_down) as running:
        running.device.set(T_MC=0.5)
        assert running.run_until(lambda got: states(got, "mc") == ["firing"] and states(got, "db") == ["firing"])
        pending = store.pending()
        assert pending.get("alarms:alarm_events", 0) >= 2 and pending.get("readings:fridge", 0) > 0
