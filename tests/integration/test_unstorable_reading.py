"""One reading value MongoDB cannot hold becomes a field error; the rest of the poll, and every later poll, is stored.

Before: a JSON-CRYO value above 2**63 made every write of the collection fail, cycle after cycle,
with ``stored 0`` and exit 0. The check is ``domain.storable.check_reading_value``; the poll
(``domain.polls.stamp_reply``) calls it on each value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ricochetdb.adapters.emulators.cryoconcept_json import CryoConceptJsonEmulator
from ricochetdb.entrypoints.cli import main
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig, dump_config


class CounterPastInt64(CryoConceptJsonEmulator):
    """The fridge's JSON, plus a counter that has run past what a 64-bit integer holds."""

    def document(self) -> dict[str, Any]:
        return {**super().document(), "counter": 2**64 + 1}


def test_a_value_beyond_64_bits_is_a_field_error_and_the_rest_is_stored(
    mongo_uri: str, mongo_db_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    device = CounterPastInt64()
    device.start()
    try:
        config = tmp_path / "devices.toml"
        entry = DeviceEntry("JSON-CRYO", device.address, "readings", device.device_options())
        config.write_text(dump_config(PollConfig(0.05, "readings", [entry])))
        db = ["--db", f"{mongo_uri.rstrip('/')}/{mongo_db_name}", "--spool", "", "--json"]
        assert main([*db, "poll", "--config", str(config), "--cycles", "2"]) == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["stored"] > 0 and summary["failures"] >= 2
        assert main([*db, "readings", "latest", "--since", "all"]) == 0
        labels = {row["label"] for row in json.loads(capsys.readouterr().out)}
        assert "T_MC" in labels and "counter" not in labels
    finally:
        device.stop()
