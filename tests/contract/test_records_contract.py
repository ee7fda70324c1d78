"""Contract of RecordRepository: every store keeps detectors, runs and streams the same way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from ricochetdb.application.ports import Store
from ricochetdb.domain.errors import ConcurrentUpdate, DuplicateRecord, RecordNotFound
from ricochetdb.domain.records import Detector, HistoryRecord, Run, Stream, StreamDetector, Temperature

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def detector(name: str = "RED15") -> Detector:
    return Detector.from_dict(
        {"name": name, "acq_config": {"gain": 2, "nested": [1, {"a": None}]}, "channel_config": [], "status": "ok"}
    )


def finished_stream() -> Stream:
    stream = Stream.from_dict(
        {
            "name": "s1",
            "acq_config": {"modulation": True, "d2": 250},
            "channel_config": [{"det_name": "FID1", "chan_name": "ChalA", "gain": 1}],
            "comment": "é unicode ✓",
            "status": "good",
            "start_date": T0,
            "stop_date": T0 + timedelta(minutes=8),
            "operator": "night shift",
        }
    )
    stream.add_detector(StreamDetector.create("s1", {"det_name": "FID1"}, {"d2": 1}, {"box": "ok"}))
    stream.add_history(HistoryRecord.create("s1", T0, "FID1", "processed", "87B5E5A", "", 0.5, {"k": [1, 2]}))
    stream.set_temperature(Temperature.create("s1", 0.0151, 0.0002))
    return stream


class TestAddAndGet:
    def test_a_record_reads_back_equal_with_revision_one(self, store: Store) -> None:
        repository = store.detectors("lio_detector_info")
        original = detector()
        repository.add(original)
        assert original.revision == 1
        assert repository.get("RED15") == original

    def test_a_stream_with_history_detectors_and_temperature_round_trips(self, store: Store) -> None:
        repository = store.streams("lio_stream_info")
        original = finished_stream()
        repository.add(original)
        loaded = repository.get("s1")
        assert loaded == original
        assert loaded is not None and loaded.start_date == T0 and loaded.start_date.tzinfo is not None
        assert loaded.history[0].timestamp == T0

    def test_a_run_keeps_its_dates_to_the_microsecond_in_utc(self, store: Store) -> None:
        repository = store.runs("lio_run_info")
        start = datetime(2022, 5, 11, 16, 35, 30, 412000, tzinfo=timezone(timedelta(hours=2)))
        run = Run.from_dict({"name": "r1", "detector": [{"name": "RED15"}], "start_date": start})
        repository.add(run)
        loaded = repository.get("r1")
        assert loaded is not None and loaded.start_date == start
        assert loaded.start_date.utcoffset() == timedelta(0)

    def test_an_unknown_name_gives_none(self, store: Store) -> None:
        assert store.runs("lio_run_info").get("nope") is None

    def test_a_duplicate_name_is_refused_and_the_first_record_kept(self, store: Store) -> None:
        repository = store.detectors("d")
        repository.add(detector())
        other = Detector.from_dict({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "broken"})
        with pytest.raises(DuplicateRecord):
            repository.add(other)
        stored = repository.get("RED15")
        assert stored is not None and stored.status == "ok"

    def test_collections_are_separate(self, store: Store) -> None:
        store.detectors("a").add(detector())
        store.detectors("b").add(detector())
        assert store.detectors("c").get("RED15") is None
        assert [d.name for d in store.detectors("a").list()] == ["RED15"]


class TestListing:
    def test_list_is_ordered_by_name(self, store: Store) -> None:
        repository = store.detectors("d")
        for name in ("b", "c", "a"):
            repository.add(detector(name))
        assert [d.name for d in repository.list()] == ["a", "b", "c"]

    def test_existing_tells_which_names_are_stored(self, store: Store) -> None:
        repository = store.detectors("d")
        repository.add(detector("a"))
        repository.add(detector("b"))
        assert repository.existing(["a", "x", "b"]) == {"a", "b"}
        assert repository.existing([]) == set()


class TestSave:
    def test_save_replaces_and_bumps_the_revision(self, store: Store) -> None:
        repository = store.runs("runs")
        run = Run.from_dict({"name": "r1", "detector": "RED15"})
        repository.add(run)
        run.start(T0)
        repository.save(run)
        assert run.revision == 2
        loaded = repository.get("r1")
        assert loaded is not None and loaded.start_date == T0 and loaded.revision == 2

    def test_a_stale_save_is_refused_and_changes_nothing(self, store: Store) -> None:
        repository = store.runs("runs")
        repository.add(Run.from_dict({"name": "r1", "detector": "RED15"}))
        first, second = repository.get("r1"), repository.get("r1")
        assert first is not None and second is not None
        first.start(T0)
        repository.save(first)
        second.start(T0 + timedelta(hours=1))
        with pytest.raises(ConcurrentUpdate):
            repository.save(second)
        loaded = repository.get("r1")
        assert loaded is not None and loaded.start_date == T0

    def test_saving_a_record_that_does_not_exist_is_refused(self, store: Store) -> None:
        with pytest.raises(RecordNotFound):
            store.runs("runs").save(Run.from_dict({"name": "ghost", "detector": "x"}))
