"""``ricochetdb serve --alarms FILE`` without a poller: the alarm log's states on the pages and /metrics,
and an acknowledgement with the token stored for the poller's engine, as ``alarm ack`` stores it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from live_service import LiveService
from prometheus_client.parser import text_string_to_metric_families

from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.domain.alarms_records import AlarmEvent

TOKEN = "s3cret-for-the-shift"
RULES = """
[[alarm]]
name = "mc"
label = "T_MC"
above = 0.1
summary = "mixing chamber warm"
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[LiveService]:
    live = LiveService(tmp_path)
    store = SqliteStore(str(tmp_path / "live.sqlite"))
    fired = datetime.now(UTC) - timedelta(minutes=5)
    store.alarms("alarm_events").add(
        AlarmEvent(
            "mc",
            "CRYO@127.0.0.1",
            "firing",
            "pending",
            fired,
            "above",
            label="T_MC",
            value=0.2,
            threshold=0.1,
            since=fired,
        )
    )
    store.close()
    rules, token = tmp_path / "rules.toml", tmp_path / "token"
    rules.write_text(RULES, encoding="utf-8")
    token.write_text(TOKEN, encoding="utf-8")
    token.chmod(0o600)
    try:
        yield live.serve("--alarms", str(rules), "--token-file", str(token))
    finally:
        live.stop()


def test_serve_shows_the_stored_alarm_states_and_stores_an_acknowledgement(served: LiveService) -> None:
    (alarm,) = served.get("/api/v1/alarms")
    assert (alarm["name"], alarm["device"], alarm["state"]) == ("mc", "CRYO@127.0.0.1", "firing")
    text = requests.get(served.url + "/metrics", timeout=30).text
    firing = {
        (s.labels["alarm"], s.labels["device"]): s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "ricochetdb_alarm_firing"
    }
    assert firing == {("mc", "CRYO@127.0.0.1"): 1.0}
    assert 'data-alarm="mc"' in requests.get(served.url + "/", timeout=30).text  # its Acknowledge button

    refused = requests.post(served.url + "/api/v1/alarms/mc/ack", timeout=30)
    assert refused.status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    acked = requests.post(served.url + "/api/v1/alarms/mc/ack", headers=bearer, timeout=30)
    assert acked.status_code == 200, acked.text
    (shown,) = served.get("/api/v1/alarms")
    assert shown["acknowledged"] is True
    store = SqliteStore(str(served.folder / "live.sqlite"))
    try:
        (action,) = store.alarms("alarm_events").actions()
        assert (action.action, action.name) == ("ack", "mc") and action.user.startswith("web@")
    finally:
        store.close()


def test_the_stored_alarm_states_survive_the_database_going_away(caplog: pytest.LogCaptureFixture) -> None:
    from ricochetdb.adapters.mongo.store import MongoStore
    from ricochetdb.entrypoints.alarm_wiring import StoredAlarms, alarm_desk

    store = MongoStore("mongodb://127.0.0.1:9/ricochet", server_selection_timeout_ms=50)  # nothing listens
    try:
        alarms = StoredAlarms(alarm_desk(store), refresh_s=0.0)
        assert alarms.states() == [] and alarms.states() == []  # a page and /metrics still answer
        refreshed = [r for r in caplog.records if "alarm states not refreshed" in r.getMessage()]
        assert len(refreshed) == 1, "the outage is logged once, not at every scrape"
    finally:
        store.close()
