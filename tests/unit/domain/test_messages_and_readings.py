"""DAQ message batches and readings: validation and deterministic ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.events import DeviceHealth
from ricochetdb.domain.messages import validate_batch
from ricochetdb.domain.readings import Measurement, stamp

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class TestDaqBatch:
    @pytest.mark.parametrize("missing", ["topic", "timestamp"])
    def test_topic_and_timestamp_are_mandatory(self, missing: str) -> None:
        message = {"topic": "t", "timestamp": 1.0}
        del message[missing]
        with pytest.raises(ValidationError, match=missing):
            validate_batch([{"topic": "ok", "timestamp": 2.0}, message])

    def test_the_error_names_the_message_position(self) -> None:
        with pytest.raises(ValidationError, match="#2"):
            validate_batch([{"topic": "a", "timestamp": 1}, {"topic": "b", "timestamp": 2}, {"topic": "c"}])

    @pytest.mark.parametrize("timestamp", ["yesterday", None, True, float("inf"), datetime(2026, 1, 1)])
    def test_bad_timestamps_are_refused(self, timestamp: object) -> None:
        with pytest.raises(ValidationError, match="timestamp"):
            validate_batch([{"topic": "t", "timestamp": timestamp}])

    def test_a_batch_must_be_a_list(self) -> None:
        with pytest.raises(ValidationError, match="list"):
            validate_batch({"topic": "t", "timestamp": 1})

    def test_unstorable_values_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="cannot be stored"):
            validate_batch([{"topic": "t", "timestamp": 1, "x": object()}])

    def test_ids_are_deterministic_and_differ_by_position(self) -> None:
        batch = [{"topic": "t", "timestamp": 1.0, "v": 1}, {"topic": "t", "timestamp": 1.0, "v": 1}]
        first, second = validate_batch(batch), validate_batch(batch)
        assert [m.id for m in first] == [m.id for m in second]
        assert first[0].id != first[1].id

    @given(st.dictionaries(st.text(), st.integers() | st.text() | st.none()), st.integers(0, 5))
    def test_any_dict_either_validates_or_raises_a_validation_error(self, extra: dict[str, object], pos: int) -> None:
        try:
            validate_batch([{"topic": "t", "timestamp": 1.0}] * pos + [{**extra, "topic": "t", "timestamp": 2}])
        except ValidationError:
            pass


class TestStamp:
    def test_good_measurements_are_kept_and_bad_ones_reported(self) -> None:
        readings, errors = stamp(
            "MMR3",
            "10.0.0.31",
            [Measurement("T_4K", 4.01, "K"), Measurement("a.b", 1.0), Measurement("$x", 1.0), Measurement("R", 1.0)],
            T0,
        )
        assert [r.label for r in readings] == ["T_4K", "R"]
        assert len(errors) == 2 and "a.b" in str(errors[0])

    def test_reserved_labels_and_duplicates_are_reported(self) -> None:
        readings, errors = stamp("X", "d", [Measurement("timestamp", 1), Measurement("v", 1), Measurement("v", 2)], T0)
        assert [r.value for r in readings] == [1] and len(errors) == 2

    def test_nan_becomes_null(self) -> None:
        readings, _ = stamp("X", "d", [Measurement("v", float("nan"))], T0)
        assert readings[0].value is None

    def test_reading_ids_depend_on_device_label_and_time(self) -> None:
        (a,), _ = stamp("X", "d", [Measurement("v", 1)], T0)
        (b,), _ = stamp("X", "d", [Measurement("v", 2)], T0)
        (c,), _ = stamp("X", "e", [Measurement("v", 1)], T0)
        assert a.id == b.id != c.id


class TestDeviceHealth:
    def test_only_state_changes_produce_events(self) -> None:
        health = DeviceHealth("CMCPA", "10.0.0.5")
        outcomes = [None, "timeout", "timeout", "refused", None, None, "garbage"]
        events = [health.observe(outcome, T0) for outcome in outcomes]
        assert [e.state if e else None for e in events] == [None, "degraded", None, None, "ok", None, "degraded"]
        assert health.failures == 1 and health.last_error == "garbage"


class TestReservedNames:
    @pytest.mark.parametrize("key", ["_id", "_seq", "_micros"])
    def test_store_fields_are_refused_in_daq_messages(self, key: str) -> None:
        with pytest.raises(ValidationError, match="reserved"):
            validate_batch([{"topic": "t", "timestamp": 1.0, key: 1}])

    @pytest.mark.parametrize("label", ["_micros", "_source_times", "units", "device"])
    def test_store_fields_are_refused_as_labels(self, label: str) -> None:
        readings, errors = stamp("X", "d", [Measurement(label, 1.0)], T0)
        assert readings == [] and "reserved" in str(errors[0])
