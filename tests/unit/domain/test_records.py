"""Domain rules of detectors, runs and streams: each rule has a test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ricochetdb.domain.errors import RicochetError, StateError, ValidationError
from ricochetdb.domain.records import Detector, HistoryRecord, Run, Stream, StreamDetector, Temperature

T0 = datetime(2026, 5, 11, 14, 35, 30, tzinfo=UTC)
STREAM = {"name": "s1", "acq_config": {"d2": 250}, "channel_config": [{"det_name": "FID1"}], "comment": ""}


class TestMandatoryFields:
    @pytest.mark.parametrize("missing", ["name", "acq_config", "channel_config", "status"])
    def test_a_detector_needs_each_mandatory_field(self, missing: str) -> None:
        data = {"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"}
        del data[missing]
        with pytest.raises(ValidationError) as caught:
            Detector.from_dict(data)
        assert missing in str(caught.value)

    @pytest.mark.parametrize("missing", ["name", "detector"])
    def test_a_run_needs_a_name_and_a_detector(self, missing: str) -> None:
        data = {"name": "r1", "detector": [{"name": "RED15"}]}
        del data[missing]
        with pytest.raises(ValidationError, match=missing):
            Run.from_dict(data)

    @pytest.mark.parametrize("missing", ["name", "acq_config", "channel_config", "comment"])
    def test_a_stream_needs_each_mandatory_field(self, missing: str) -> None:
        data = dict(STREAM)
        del data[missing]
        with pytest.raises(ValidationError, match=missing):
            Stream.from_dict(data)

    def test_every_refusal_is_a_runtime_error_naming_the_record_and_field(self) -> None:
        with pytest.raises(RuntimeError) as caught:
            Run.from_dict({"name": "r9"})
        assert isinstance(caught.value, RicochetError)
        assert caught.value.record == "run 'r9'" and caught.value.field == "detector"


class TestRunDetectors:
    def test_detectors_may_be_a_name_names_or_dicts(self) -> None:
        assert Run.from_dict({"name": "r", "detector": "A"}).detector_names == ["A"]
        assert Run.from_dict({"name": "r", "detector": ["A", {"name": "B"}]}).detector_names == ["A", "B"]

    @pytest.mark.parametrize("bad", [[], [{"nom": "A"}], [{"name": {"$gt": ""}}], ["A", "A"], 5])
    def test_bad_detector_lists_are_refused(self, bad: object) -> None:
        with pytest.raises(ValidationError):
            Run.from_dict({"name": "r", "detector": bad})


class TestDates:
    def test_naive_dates_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="naive"):
            Run.from_dict({"name": "r", "detector": "A", "start_date": datetime(2022, 5, 11)})

    def test_dates_are_converted_to_utc(self) -> None:
        paris = timezone(timedelta(hours=2))
        run = Run.from_dict({"name": "r", "detector": "A", "start_date": datetime(2022, 5, 11, 16, tzinfo=paris)})
        assert run.start_date == datetime(2022, 5, 11, 14, tzinfo=UTC)
        assert run.start_date is not None and run.start_date.tzinfo == UTC

    def test_stop_before_start_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="stop_date"):
            Run.from_dict({"name": "r", "detector": "A", "start_date": T0, "stop_date": T0 - timedelta(seconds=1)})

    def test_a_stop_date_without_a_start_date_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="stop_date"):
            Run.from_dict({"name": "r", "detector": "A", "stop_date": T0})

    def test_start_only_once(self) -> None:
        run = Run.from_dict({"name": "r", "detector": "A"})
        run.start(T0)
        with pytest.raises(StateError, match="already started"):
            run.start(T0)

    def test_stop_only_after_start_and_only_once(self) -> None:
        run = Run.from_dict({"name": "r", "detector": "A"})
        with pytest.raises(StateError, match="never started"):
            run.stop(T0)
        run.start(T0)
        with pytest.raises(ValidationError, match="before start_date"):
            run.stop(T0 - timedelta(minutes=1))
        run.stop(T0)
        with pytest.raises(StateError, match="already stopped"):
            run.stop(T0 + timedelta(minutes=1))


def running_stream() -> Stream:
    stream = Stream.from_dict(STREAM)
    stream.start(T0)
    return stream


class TestStreamAdditions:
    def test_history_detectors_and_temperature_are_refused_while_running(self) -> None:
        stream = running_stream()
        with pytest.raises(StateError, match="still running"):
            stream.add_history(HistoryRecord.create("s1", T0, "FID1", "processed", "87B5E5A"))
        with pytest.raises(StateError, match="still running"):
            stream.add_detector(StreamDetector.create("s1", {"det_name": "FID1"}, {}, {}))
        with pytest.raises(StateError, match="still running"):
            stream.set_temperature(Temperature.create("s1", 0.015, 0.001))

    def test_once_stopped_they_are_accepted(self) -> None:
        stream = running_stream()
        stream.stop(T0 + timedelta(hours=1))
        stream.add_history(HistoryRecord.create("s1", T0, "FID1", "processed", "87B5E5A", "", 1.0, {"a": 1}))
        stream.add_detector(StreamDetector.create("s1", {"det_name": "FID1"}, {}, {}))
        stream.set_temperature(Temperature.create("s1", 0.015, 0.001))
        assert len(stream.history) == 1 and stream.detectors[0].name == "FID1"

    def test_a_detector_is_added_only_once(self) -> None:
        stream = Stream.from_dict(STREAM)
        stream.add_detector(StreamDetector.create("s1", {"det_name": "FID1"}, {}, {}))
        with pytest.raises(StateError, match="already in the stream"):
            stream.add_detector(StreamDetector.create("s1", {"det_name": "FID1"}, {"x": 1}, {}))

    @pytest.mark.parametrize("status", [-0.1, 1.5, float("nan"), "half", True])
    def test_processing_status_must_be_a_fraction(self, status: object) -> None:
        with pytest.raises(ValidationError, match="processing_status"):
            HistoryRecord.create("s1", T0, "FID1", "processed", "abc", "", status)

    def test_a_negative_temperature_spread_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="std_temp"):
            Temperature.create("s1", 0.015, -0.001)

    def test_managed_fields_cannot_be_given_at_creation(self) -> None:
        with pytest.raises(ValidationError, match="history"):
            Stream.from_dict({**STREAM, "history": []})


class TestOperatorKeys:
    @pytest.mark.parametrize("key", ["$where", "$set", "a.b", "nul\0", ""])
    def test_operator_like_keys_are_refused_at_any_depth(self, key: str) -> None:
        with pytest.raises(ValidationError, match="field names"):
            Detector.from_dict({"name": "d", "acq_config": {"deep": [{key: 1}]}, "channel_config": [], "status": "ok"})
        with pytest.raises(ValidationError, match="field names"):
            Stream.from_dict({**STREAM, key: 1})

    def test_a_query_shaped_name_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="must be text"):
            Run.from_dict({"name": {"$gt": ""}, "detector": "A"})

    def test_values_that_look_like_operators_are_kept_as_plain_data(self) -> None:
        detector = Detector.from_dict({"name": "d", "acq_config": "$where", "channel_config": [], "status": "$gt"})
        assert detector.status == "$gt"

    def test_reserved_keys_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="_id"):
            Detector.from_dict({"name": "d", "acq_config": {}, "channel_config": [], "status": "ok", "_id": 1})


class TestOneSetOfRules:
    def test_unknown_fields_of_runs_and_streams_are_kept_under_extra(self) -> None:
        run = Run.from_dict({"name": "r", "detector": "A", "shift": "night", "extra": {"operator": "bob"}})
        assert run.extra == {"extra": {"operator": "bob", "shift": "night"}}
        stream = Stream.from_dict({**STREAM, "stop_dat": "typo"})
        assert stream.extra == {"extra": {"stop_dat": "typo"}}

    @pytest.mark.parametrize("bad", [{"extra": 5}, {"shift": 1, "extra": {"shift": 2}}])
    def test_a_bad_extra_is_refused(self, bad: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            Run.from_dict({"name": "r", "detector": "A", **bad})

    @pytest.mark.parametrize("mean", [0.0, -0.01])
    def test_a_stream_temperature_is_positive_kelvin(self, mean: float) -> None:
        with pytest.raises(ValidationError, match="positive temperature in kelvin"):
            Temperature.create("s1", mean, 0.001)

    def test_a_stream_names_its_detectors_in_channels_additions_and_history(self) -> None:
        stream = Stream.from_dict({**STREAM, "stop_date": T0, "start_date": T0})
        stream.add_detector(StreamDetector.create("s1", {"det_name": "FID2"}, {}, {}))
        stream.add_history(HistoryRecord.create("s1", T0, "FID3", "processed", "abc"))
        assert stream.detector_names == ["FID1", "FID2", "FID3"]
