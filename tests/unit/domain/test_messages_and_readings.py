"""DAQ message batches and readings: validation and deterministic ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.events import DeviceHealth
from ricochetdb.domain.messages import validate_batch
from ricochetdb.domain.polls import DeviceReply, FieldError, Poll, stamp_reply
from ricochetdb.domain.readings import Measurement

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

    def test_ids_are_deterministic_and_identical_messages_of_a_batch_are_kept_apart(self) -> None:
        batch = [{"topic": "t", "timestamp": 1.0, "v": 1}, {"topic": "t", "timestamp": 1.0, "v": 1}]
        first, second = validate_batch(batch), validate_batch(batch)
        assert [m.id for m in first] == [m.id for m in second]
        assert first[0].id != first[1].id

    def test_a_message_resent_alone_keeps_its_id_wherever_it_stood(self) -> None:
        message = {"topic": "t", "timestamp": 1.0, "v": 7}
        (alone,) = validate_batch([message])
        batch = validate_batch([{"topic": "t", "timestamp": 0.5}, message])
        assert batch[1].id == alone.id

    @given(st.dictionaries(st.text(), st.integers() | st.text() | st.none()), st.integers(0, 5))
    def test_any_dict_either_validates_or_raises_a_validation_error(self, extra: dict[str, object], pos: int) -> None:
        try:
            validate_batch([{"topic": "t", "timestamp": 1.0}] * pos + [{**extra, "topic": "t", "timestamp": 2}])
        except ValidationError:
            pass


def stamped(*measurements: Measurement, errors: list[FieldError] | None = None) -> Poll:
    return stamp_reply("MMR3", "MMR3@10.0.0.31", DeviceReply(list(measurements), errors or []), T0)


class TestStampReply:
    def test_good_measurements_are_kept_and_bad_ones_become_field_errors(self) -> None:
        poll = stamped(
            Measurement("T_4K", 4.01, "K"), Measurement("a.b", 1.0), Measurement("$x", 1.0), Measurement("R", 1.0)
        )
        assert list(poll.values) == ["T_4K", "R"] and poll.units == {"T_4K": "K", "R": ""}
        assert [e.field for e in poll.errors] == ["a.b", "$x"]

    def test_reserved_labels_and_duplicates_are_field_errors(self) -> None:
        poll = stamped(Measurement("timestamp", 1), Measurement("v", 1), Measurement("v", 2))
        assert dict(poll.values) == {"v": 1} and len(poll.errors) == 2

    def test_the_readers_own_field_errors_travel_with_the_poll(self) -> None:
        poll = stamped(Measurement("v", 1), errors=[FieldError("ch3_temperature", "not a number: 'x'")])
        assert dict(poll.values) == {"v": 1} and [e.field for e in poll.errors] == ["ch3_temperature"]

    def test_nan_becomes_null(self) -> None:
        assert stamped(Measurement("v", float("nan"))).values["v"] is None

    def test_a_naive_poll_time_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="naive"):
            stamp_reply("X", "d", DeviceReply([]), datetime(2026, 1, 1))


class TestDeviceHealth:
    def test_only_state_changes_produce_events(self) -> None:
        health = DeviceHealth("CMCPA", "10.0.0.5")
        outcomes = [None, "timeout", "timeout", "refused", None, None, "garbage"]
        events = [health.observe(outcome, T0) for outcome in outcomes]
        assert [e.state if e else None for e in events] == [None, "degraded", None, None, "ok", None, "degraded"]
        assert health.failures == 1 and health.last_error == "garbage"

    def test_field_errors_give_one_event_per_change_of_the_failing_fields(self) -> None:
        health = DeviceHealth("MMR3", "bridge")
        a, b = FieldError("ch1", "not a number: 'x'"), FieldError("ch2", "not a number: 'y'")
        reworded = FieldError("ch1", "not a number: 'zz'")
        outcomes: list[list[FieldError]] = [[a], [reworded], [a, b], [a, b], [], []]
        events = [health.observe(None, T0, errors) for errors in outcomes]
        assert [e.state if e else None for e in events] == ["partial", None, "partial", None, "ok", None]
        assert "ch2" in events[2].error  # type: ignore[union-attr]


class TestReservedNames:
    @pytest.mark.parametrize("key", ["_id", "_seq", "_micros"])
    def test_store_fields_are_refused_in_daq_messages(self, key: str) -> None:
        with pytest.raises(ValidationError, match="reserved"):
            validate_batch([{"topic": "t", "timestamp": 1.0, key: 1}])

    @pytest.mark.parametrize("label", ["_micros", "_source_times", "units", "device"])
    def test_store_fields_are_refused_as_labels(self, label: str) -> None:
        poll = stamped(Measurement(label, 1.0))
        assert dict(poll.values) == {} and "reserved" in str(poll.errors[0])
