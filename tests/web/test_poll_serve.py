"""``ricochetdb poll --serve``: the poller and the web service in one process, live values from memory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from live_service import LiveService
from prometheus_client.parser import text_string_to_metric_families

from ricochetdb.application.polling import device_identity


@pytest.fixture
def together(tmp_path: Path) -> Iterator[LiveService]:
    live = LiveService(tmp_path).start(together=True)
    try:
        yield live
    finally:
        live.stop()


def _families(live: LiveService) -> dict[str, list[object]]:
    text = requests.get(live.url + "/metrics", timeout=30).text
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def test_poll_serve_shows_every_device_and_the_cycle_metrics_from_memory(together: LiveService) -> None:
    expected = {device_identity(d.device_type, d.address) for d in together.devices}
    families = together.wait_until(
        lambda: (f := _families(together)).get("ricochetdb_poll_cycle_duration_seconds") and f, "a poll cycle"
    )
    up = {s.labels["device"]: s.value for s in families["ricochetdb_device_up"]}  # type: ignore[attr-defined]
    assert set(up) == expected and all(value == 1.0 for value in up.values())
    assert families["ricochetdb_database_write_latency_seconds"]
    devices = together.get("/api/v1/devices")
    assert {row["device"] for row in devices} == expected
    assert together.get("/api/v1/status")["last_cycle"]["cycles"] >= 1
