"""Local files at the edge: the readings file, the device configuration and the label mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ricochetdb.adapters.mapping_file import default_mapping, load_mapping
from ricochetdb.adapters.reading_file import JsonReadingArchive
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import Poll
from ricochetdb.entrypoints.devices_config import dump_config, load_config, parse_config

T0 = datetime(2026, 11, 24, 3, 0, 0, 250, tzinfo=UTC)


def poll(n: int, device: str = "m", when: datetime = T0) -> Poll:
    return Poll(device, "MMR3", when, {f"v{i}": float(i) for i in range(n)}, {f"v{i}": "K" for i in range(n)}, "local")


class TestReadingFile:
    def test_polls_survive_a_round_trip_exactly(self, tmp_path: Path) -> None:
        archive, path = JsonReadingArchive(), str(tmp_path / "spool.json")
        original = [Poll("c", "CMCPA", T0, {"model": "CPA1114"}, {"model": ""}, "server", T0), poll(3)]
        archive.save(path, original)
        assert archive.load(path) == original

    def test_saving_again_merges_without_duplicates(self, tmp_path: Path) -> None:
        archive, path = JsonReadingArchive(), str(tmp_path / "spool.json")
        archive.save(path, [poll(2)])
        archive.save(path, [poll(3), poll(1, "other")])
        assert [(p.device, len(p.values)) for p in archive.load(path)] == [("m", 3), ("other", 1)]

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("{", "not valid JSON"),
            ('{"format": "other"}', "format"),
            ('{"format": "ricochetdb-readings/1", "collections": {"a": [{"device": "d"}]}}', "device_type"),
            (
                '{"format": "ricochetdb-readings/1", "collections": {"a": [{"device_type": "X", "device": "d",'
                ' "label": "v", "timestamp": "2026-01-01T00:00:00"}]}}',
                "naive",
            ),
        ],
    )
    def test_a_bad_file_is_refused_naming_the_place(self, tmp_path: Path, text: str, message: str) -> None:
        path = tmp_path / "bad.json"
        path.write_text(text)
        with pytest.raises(ValidationError, match=message):
            JsonReadingArchive().load(str(path))


class TestDeviceConfiguration:
    def test_a_configuration_round_trips_through_toml(self, tmp_path: Path) -> None:
        text = """
[poll]
interval = 2.5
collection = "slow-2026"

[[devices]]
type = "mmr3"
address = "192.168.0.31"
options = { mode = "udp", timeout = 1.0 }

[[devices]]
type = "CMCPA"
address = "10.0.0.5:502"
collection = "cpa-2026"
"""
        path = tmp_path / "devices.toml"
        path.write_text(text)
        config = load_config(str(path))
        assert [d.type for d in config.devices] == ["MMR3", "CMCPA"]
        assert config.devices[0].collection == "slow-2026" and config.devices[1].collection == "cpa-2026"
        path.write_text(dump_config(config))
        assert load_config(str(path)) == config

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"devices": [{"type": "TOASTER", "address": "x"}]}, "not one of"),
            ({"devices": [{"type": "MMR3"}]}, "devices\\[0\\]: address: mandatory"),
            ({"devices": [{"type": "MMR3", "address": "a", "colour": "red"}]}, "colour: unknown key"),
            ({"poll": {"interval": 0}}, "interval"),
            ({"devices": [{"type": "MMR3", "address": "a", "options": {"$x": 1}}]}, "field names"),
        ],
    )
    def test_a_bad_configuration_names_the_device_and_field(self, data: dict, message: str) -> None:  # type: ignore[type-arg]
        with pytest.raises(ValidationError, match=message):
            parse_config(data, "devices.toml")

    def test_an_unreadable_file_is_a_clear_error(self, tmp_path: Path) -> None:
        (tmp_path / "x.toml").write_text("[poll\n")
        with pytest.raises(ValidationError, match="not valid TOML"):
            load_config(str(tmp_path / "x.toml"))

    @settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
        )
    )
    def test_any_parsed_document_validates_or_raises_a_validation_error(self, data: object) -> None:
        try:
            parse_config(data if isinstance(data, dict) else {"devices": data}, "fuzz.toml")
        except ValidationError:
            pass


class TestMapping:
    def test_the_shipped_mapping_is_valid(self) -> None:
        assert isinstance(default_mapping(), dict)

    def test_a_mapping_with_a_bad_label_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "m.json"
        path.write_text(json.dumps({"MMR3": {"raw": "bad.label"}}))
        with pytest.raises(ValidationError, match=r"bad\.label"):
            load_mapping(str(path))

    def test_a_mapping_renaming_two_fields_to_one_label_is_refused_when_loaded(self, tmp_path: Path) -> None:
        path = tmp_path / "m.json"
        path.write_text(json.dumps({"CRYO": {"full_range": "T_MC", "mc_backup": "T_MC"}}))
        with pytest.raises(ValidationError, match="renames both 'full_range' and 'mc_backup' to 'T_MC'"):
            load_mapping(str(path))

    @given(st.dictionaries(st.text(), st.dictionaries(st.text(), st.text()) | st.integers()))
    def test_any_mapping_document_validates_or_raises_a_validation_error(self, data: dict) -> None:  # type: ignore[type-arg]
        from ricochetdb.domain.devices import check_mapping

        try:
            check_mapping(data, "fuzz")
        except ValidationError:
            pass
