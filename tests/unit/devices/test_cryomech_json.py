"""JSON-CMCPA parser: the assumed contract, and any document gives Measurements or a DeviceProtocolError."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices.cryomech_json import LABELS, build, parse_document
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement, check_label, check_value


def parse(document: object) -> dict[str, Measurement]:
    return {m.label: m for m in parse_document(json.dumps(document).encode()).measurements}


def errors(document: object) -> dict[str, str]:
    return {e.field: e.reason for e in parse_document(json.dumps(document).encode()).errors}


class TestContract:
    def test_the_labels_are_those_of_the_modbus_reader(self) -> None:
        status = codec.decode_registers([0] * 53)
        assert list(LABELS) == [m.label for m in codec.measurements(status)]

    def test_numbers_and_numeric_strings_with_scale_units(self) -> None:
        found = parse(
            {
                "coolant_in_temperature": " 65.2 ",
                "low_pressure": 80,
                "pressure_scale": "1",
                "temperature_scale": 2.0,
                "motor_current": "11.5",
                "operating_hours": 12.5,
            }
        )
        assert found["coolant_in_temperature"] == Measurement("coolant_in_temperature", 65.2, "K")
        assert found["low_pressure"] == Measurement("low_pressure", 80.0, "bar")
        assert found["pressure_scale"].value == 1 and found["temperature_scale"].value == 2
        assert found["motor_current"] == Measurement("motor_current", 11.5, "A")
        assert found["operating_hours"].unit == "h"

    def test_without_a_scale_the_unit_is_unknown(self) -> None:
        assert parse({"high_pressure": 290})["high_pressure"].unit == ""

    def test_missing_keys_are_skipped_and_names_derived_from_codes(self) -> None:
        found = parse({"operating_state": 3, "warnings": -4097.0, "model_code": 1048})
        assert {label: m.value for label, m in found.items()} == {
            "operating_state": 3,
            "operating_state_name": "running",
            "warnings": 4097,
            "warning_flags": "coolant_in_high,delta_pressure_high",
            "model_code": 1048,
            "model": "CPA1114",
        }

    def test_values_of_the_wrong_kind_are_field_errors_and_the_rest_is_kept(self) -> None:
        document = {
            "operating_state": 2.5,
            "low_pressure": "n/a",
            "compressor_running": "maybe",
            "panel_serial": [1],
            "model": None,
            "oil_temperature": True,
            "high_pressure": 290,
        }
        assert list(parse(document)) == ["high_pressure"]
        found = errors(document)  # skipped silently before
        assert sorted(found) == [
            "compressor_running",
            "low_pressure",
            "oil_temperature",
            "operating_state",
            "panel_serial",
        ]
        assert found["operating_state"] == "2.5 is not an integer code"

    def test_running_accepts_the_usual_spellings(self) -> None:
        for raw, value in ((True, True), (0, False), ("ON", True), (" no ", False), ("1", True)):
            assert parse({"compressor_running": raw})["compressor_running"].value is value

    def test_unknown_keys_are_kept_when_storable(self) -> None:
        found = parse(
            {
                "firmware": " v3 ",
                "Spare_1": "7",
                "flag": False,
                "bad.key": 1,
                "$where": 1,
                "_id": 2,
                "device": "x",
                "nested": {"a": 1},
                "empty": None,
                "ünï": 1,
            }
        )
        assert {label: m.value for label, m in found.items()} == {"firmware": "v3", "Spare_1": 7, "flag": False}
        assert sorted(errors({"bad.key": 1, "nested": {"a": 1}, "empty": None, "_id": 2})) == ["bad.key", "nested"]

    def test_the_timestamp_becomes_the_device_time(self) -> None:
        def source_time(document: object) -> datetime | None:
            return parse_document(json.dumps(document).encode()).source_time

        assert source_time({"timestamp": "2026-01-31T12:00:00", "oil_temperature": 1}) == datetime(
            2026, 1, 31, 12, tzinfo=UTC
        )
        assert "timestamp" not in parse({"timestamp": "2026-01-31T12:00:00", "oil_temperature": 1})
        assert source_time({"timestamp": 0, "oil_temperature": 1}) == datetime(1970, 1, 1, tzinfo=UTC)
        assert source_time({"timestamp": "yesterday", "oil_temperature": 1}) is None
        assert "yesterday" in errors({"timestamp": "yesterday", "oil_temperature": 1})["timestamp"]

    @pytest.mark.parametrize("body", [b"", b"{", b"[1, 2]", b"42", b"\xff\xfe\x00", b"[" * 100_000])
    def test_a_body_that_is_not_a_json_object_is_a_protocol_error(self, body: bytes) -> None:
        with pytest.raises(DeviceProtocolError) as caught:
            parse_document(body, "JSON-CMCPA 127.0.0.1:80")
        assert caught.value.record == "JSON-CMCPA 127.0.0.1:80"

    def test_build_refuses_an_unknown_option(self) -> None:
        with pytest.raises(ValidationError) as caught:
            build("JSON-CMCPA", "10.0.0.5", {"unit_id": 1})
        assert (caught.value.record, caught.value.field) == ("JSON-CMCPA 10.0.0.5", "unit_id")

    def test_build_reads_the_address_and_options(self) -> None:
        reader = build("JSON-CMCPA", "10.0.0.5:8080", {"path": "/status", "timeout": 0.5})
        assert reader.transport.base_url == "http://10.0.0.5:8080"
        assert (reader.path, reader.transport.timeout, reader.address) == ("/status", 0.5, "10.0.0.5:8080")
        assert build("JSON-CMCPA", "10.0.0.5", {}).transport.base_url == "http://10.0.0.5:80"
        reader.close()


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.from_regex(r"\s*-?[0-9]{1,6}(\.[0-9]{1,4})?\s*", fullmatch=True)
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3), max_leaves=6
)
keys = st.sampled_from([*LABELS, "timestamp", "_id", "a.b", "$set"]) | st.text(max_size=12)


class TestProperties:
    @given(st.dictionaries(keys, values, max_size=12), st.sampled_from([None, 2]))
    def test_any_document_gives_storable_measurements(self, document: dict[str, object], indent: int | None) -> None:
        body = json.dumps(document, indent=indent).encode()
        for measurement in parse_document(body).measurements:
            assert check_label(measurement.label, "test") == measurement.label
            check_value(measurement.value, "test")
            assert isinstance(measurement.unit, str)

    @given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
    def test_any_body_gives_measurements_or_a_protocol_error(self, body: bytes) -> None:
        try:
            parse_document(body)
        except DeviceProtocolError:
            pass

    @given(
        st.dictionaries(
            st.sampled_from(LABELS), st.floats(allow_nan=False, allow_infinity=False) | st.integers(-1000, 1000)
        )
    )
    def test_numbers_sent_as_strings_read_like_numbers(self, document: dict[str, float]) -> None:
        as_numbers = parse(document)
        as_strings = parse({key: f"  {value!r}\t" for key, value in document.items()})
        assert as_strings.keys() == as_numbers.keys()
        for label, measurement in as_numbers.items():
            other = as_strings[label].value
            if isinstance(measurement.value, float) and isinstance(other, float):
                assert math.isclose(measurement.value, other) or measurement.value == other
            else:
                assert other == measurement.value
