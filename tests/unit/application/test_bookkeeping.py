"""Use-cases of the books, on the in-memory reference store with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.application.bookkeeping import DetectorBook, RunBook, StreamBook
from ricochetdb.application.daq import DaqLogger
from ricochetdb.application.readings import ReadingBook
from ricochetdb.domain.errors import ConcurrentUpdate, DuplicateRecord, RecordNotFound, StateError, ValidationError
from ricochetdb.domain.polls import polls_of
from ricochetdb.domain.readings import ClockSource, Reading

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class FakeClock:
    source: ClockSource = "server"

    def __init__(self, now: datetime = T0) -> None:
        self.moment = now

    def now(self) -> datetime:
        return self.moment


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore(FakeClock())


def set_clock(store: InMemoryStore, moment: datetime) -> None:
    assert isinstance(store.clock, FakeClock)
    store.clock.moment = moment


def add_detector(store: InMemoryStore, name: str = "RED15") -> None:
    DetectorBook(store, "det").create({"name": name, "acq_config": {}, "channel_config": [], "status": "ok"})


class TestDetectors:
    def test_a_duplicate_detector_is_refused_naming_the_collection(self, store: InMemoryStore) -> None:
        add_detector(store)
        with pytest.raises(DuplicateRecord, match="already exists in 'det'"):
            add_detector(store)

    def test_get_of_an_unknown_name_raises_not_found(self, store: InMemoryStore) -> None:
        with pytest.raises(RecordNotFound, match="'det'"):
            DetectorBook(store, "det").get("nope")

    @pytest.mark.parametrize("collection", ["", "system.users", "a$b", 5])
    def test_bad_collection_names_are_refused(self, store: InMemoryStore, collection: object) -> None:
        with pytest.raises(ValidationError):
            DetectorBook(store, collection)  # type: ignore[arg-type]


class TestRuns:
    def test_a_run_may_only_name_known_detectors(self, store: InMemoryStore) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        with pytest.raises(ValidationError, match="unknown in 'det': RED234"):
            runs.create({"name": "r1", "detector": [{"name": "RED15"}, {"name": "RED234"}]})
        assert runs.list() == []

    def test_start_and_stop_default_to_the_store_clock(self, store: InMemoryStore) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        assert runs.start("r1").start_date == T0
        later = T0 + timedelta(hours=2)
        set_clock(store, later)
        assert runs.stop("r1", later).stop_date == later

    def test_a_second_start_is_refused_and_changes_nothing(self, store: InMemoryStore) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        runs.start("r1")
        with pytest.raises(StateError):
            runs.start("r1", T0 - timedelta(days=1))
        assert runs.get("r1").start_date == T0

    def test_starting_an_unknown_run_raises_not_found(self, store: InMemoryStore) -> None:
        with pytest.raises(RecordNotFound):
            RunBook(store, "runs", "det").start("ghost")

    def test_a_naive_date_is_refused(self, store: InMemoryStore) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        with pytest.raises(ValidationError, match="naive"):
            runs.start("r1", datetime(2026, 1, 1))

    def test_a_lost_race_is_retried_on_fresh_data(self, store: InMemoryStore) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        repository = runs.repository
        original_save = repository.save
        calls = []

        def racing_save(record, revision=None):  # type: ignore[no-untyped-def]
            calls.append(record.revision)
            if len(calls) == 1:
                raise ConcurrentUpdate("run 'r1'", "revision", "changed meanwhile")
            original_save(record, revision)

        repository.save = racing_save  # type: ignore[method-assign]
        assert runs.start("r1").start_date == T0
        assert len(calls) == 2


def finished_stream(store: InMemoryStore) -> StreamBook:
    streams = StreamBook(store, "streams")
    streams.create({"name": "s1", "acq_config": {}, "channel_config": [], "comment": "", "start_date": T0})
    return streams


class TestStreams:
    def test_history_is_refused_while_running_then_accepted(self, store: InMemoryStore) -> None:
        streams = finished_stream(store)
        with pytest.raises(StateError):
            streams.add_history_record(T0, "s1", "FID1", "processed", "87B5E5A")
        streams.stop("s1", T0 + timedelta(minutes=4))
        stream = streams.add_history_record(T0, "s1", "FID1", "processed", "87B5E5A", "new code", 0.9, {"a": 1})
        assert stream.history[0].code_commit == "87B5E5A"

    def test_history_of_an_unknown_stream_is_refused(self, store: InMemoryStore) -> None:
        with pytest.raises(RecordNotFound):
            StreamBook(store, "streams").add_history_record(T0, "ghost", "FID1", "processed", "abc")

    def test_temperature_is_computed_from_the_readings_during_the_stream(self, store: InMemoryStore) -> None:
        streams = finished_stream(store)
        streams.stop("s1", T0 + timedelta(seconds=10))
        readings = ReadingBook(store, "mmr3-2026")
        values = [4.0, 4.2, 4.4]
        readings.add(
            list(
                polls_of(
                    [Reading("MMR3", "m", "T_4K", v, "K", T0 + timedelta(seconds=i * 4)) for i, v in enumerate(values)]
                    + [Reading("MMR3", "m", "T_4K", 99.0, "K", T0 + timedelta(seconds=60))]
                )
            )
        )
        temperature = streams.compute_temperature("s1", "mmr3-2026", "T_4K").temperature
        assert temperature is not None
        assert temperature.mean == pytest.approx(4.2)
        assert temperature.std == pytest.approx(0.163299, rel=1e-5)

    def test_computing_without_readings_is_a_clear_error(self, store: InMemoryStore) -> None:
        streams = finished_stream(store)
        streams.stop("s1", T0 + timedelta(seconds=10))
        with pytest.raises(ValidationError, match="no numeric 'T_4K' readings"):
            streams.compute_temperature("s1", "mmr3-2026", "T_4K")

    def test_computing_for_a_running_stream_is_refused(self, store: InMemoryStore) -> None:
        with pytest.raises(ValidationError, match="start and a stop"):
            finished_stream(store).compute_temperature("s1", "mmr3-2026", "T_4K")


class TestDaqLogger:
    def test_one_bad_message_inserts_nothing(self, store: InMemoryStore) -> None:
        logger = DaqLogger(store, "daq")
        with pytest.raises(ValidationError):
            logger.insert([{"topic": "t", "timestamp": 1.0}, {"topic": "t"}])
        assert logger.find() == []

    def test_a_good_batch_is_stored_once_even_if_sent_twice(self, store: InMemoryStore) -> None:
        logger = DaqLogger(store, "daq")
        batch = [{"topic": "topic1", "timestamp": 1.5, "val1": 5}, {"topic": "topic4", "timestamp": 1.6}]
        assert logger.insert(batch) == 2
        assert logger.insert(batch) == 0
        assert [m["topic"] for m in logger.find()] == ["topic1", "topic4"]

    def test_an_empty_batch_writes_nothing(self, store: InMemoryStore) -> None:
        assert DaqLogger(store, "daq").insert([]) == 0


class TestReadingBook:
    @pytest.mark.parametrize("bulk_size", [0, -1, 1.5, True])
    def test_bulk_size_must_be_a_positive_integer(self, store: InMemoryStore, bulk_size: object) -> None:
        with pytest.raises(ValidationError, match="bulk_size"):
            ReadingBook(store, "r").add([], bulk_size)  # type: ignore[arg-type]

    def test_query_labels_are_checked(self, store: InMemoryStore) -> None:
        with pytest.raises(ValidationError):
            ReadingBook(store, "r").find(label="$where")


class TestCorrections:
    """update, delete and history: every change keeps who, when (database time) and what it was."""

    def test_an_update_keeps_the_fields_before_and_after_with_user_and_database_time(
        self, store: InMemoryStore
    ) -> None:
        detectors = DetectorBook(store, "det", user="alice")
        detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
        set_clock(store, T0 + timedelta(hours=1))
        detectors.update("RED15", {"status": "broken", "description": "cable cut"})
        created, updated = detectors.history("RED15")
        assert (created.action, created.revision, created.before) == ("create", 1, {})
        assert created.after["status"] == "ok" and created.timestamp == T0
        assert (updated.action, updated.revision, updated.user) == ("update", 2, "alice")
        assert updated.timestamp == T0 + timedelta(hours=1)
        assert updated.before == {"status": "ok"}
        assert updated.after == {"status": "broken", "description": "cable cut"}

    def test_an_update_that_changes_nothing_writes_no_revision(self, store: InMemoryStore) -> None:
        add_detector(store)
        detectors = DetectorBook(store, "det")
        detectors.update("RED15", {"status": "ok"})
        assert [r.action for r in detectors.history("RED15")] == ["create"]

    @pytest.mark.parametrize("changes", [{"name": "X"}, {"detector": ["RED15"]}, {"start_date": T0}, {}, []])
    def test_a_run_may_change_only_its_description_and_extra(self, store: InMemoryStore, changes: object) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        with pytest.raises(ValidationError):
            runs.update("r1", changes)  # type: ignore[arg-type]
        assert runs.update("r1", {"description": "fixed", "extra": {"shift": "night"}}).extra == {
            "extra": {"shift": "night"}
        }

    def test_setting_a_temperature_again_keeps_the_earlier_one_in_the_revisions(self, store: InMemoryStore) -> None:
        streams = finished_stream(store)
        streams.stop("s1", T0 + timedelta(seconds=10))
        streams.add_temperature("s1", 0.015, 0.001)
        streams.add_temperature("s1", 0.016, 0.001)
        last = streams.history("s1")[-1]
        assert last.action == "temperature"
        assert last.before == {"temperature": {"mean": 0.015, "std": 0.001}}
        assert last.after == {"temperature": {"mean": 0.016, "std": 0.001}}

    def test_a_delete_keeps_the_history_and_a_detector_in_use_is_not_deleted(self, store: InMemoryStore) -> None:
        add_detector(store)
        add_detector(store, "SPARE")
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        detectors = DetectorBook(store, "det", used_by=[runs])
        with pytest.raises(StateError, match="named by run 'r1' in 'runs'"):
            detectors.delete("RED15")
        detectors.delete("SPARE")
        assert [r.action for r in detectors.history("SPARE")] == ["create", "delete"]
        with pytest.raises(RecordNotFound):
            detectors.get("SPARE")
        with pytest.raises(RecordNotFound):
            detectors.history("NEVER")

    def test_a_stream_with_history_is_not_deleted(self, store: InMemoryStore) -> None:
        streams = finished_stream(store)
        streams.stop("s1", T0 + timedelta(seconds=10))
        streams.add_history_record(T0, "s1", "FID1", "processed", "abc")
        with pytest.raises(StateError, match="history"):
            streams.delete("s1")


class TestFutureDates:
    def test_a_start_beyond_the_clock_tolerance_is_refused_unless_allowed(self, store: InMemoryStore) -> None:
        add_detector(store)
        runs = RunBook(store, "runs", "det")
        runs.create({"name": "r1", "detector": "RED15"})
        with pytest.raises(ValidationError, match="in the future"):
            runs.start("r1", T0 + timedelta(days=365))
        assert runs.start("r1", T0 + timedelta(minutes=1)).start_date == T0 + timedelta(minutes=1)
        with pytest.raises(ValidationError, match="run 'r2': start_date"):
            runs.create({"name": "r2", "detector": "RED15", "start_date": T0 + timedelta(days=2)})
        runs.create({"name": "r2", "detector": "RED15", "start_date": T0 + timedelta(days=2)}, allow_future=True)
        runs.create({"name": "r3", "detector": "RED15"})
        assert runs.start("r3", T0 + timedelta(days=2), allow_future=True).start_date == T0 + timedelta(days=2)


class TestStreamDetectors:
    """With a detector collection, a stream names only known detectors, as a run does."""

    @pytest.fixture
    def streams(self, store: InMemoryStore) -> StreamBook:
        add_detector(store, "FID1")
        return StreamBook(store, "streams", detector_collection="det")

    def test_channel_config_names_only_known_detectors(self, streams: StreamBook) -> None:
        spec = {"name": "s1", "acq_config": {}, "comment": "", "channel_config": [{"det_name": "FID9"}]}
        with pytest.raises(ValidationError, match="unknown in 'det': FID9"):
            streams.create(spec)
        streams.create({**spec, "channel_config": [{"det_name": "FID1"}]})
        with pytest.raises(ValidationError, match="FID9"):
            streams.update("s1", {"channel_config": [{"det_name": "FID9"}]})

    def test_added_detectors_and_history_records_name_known_detectors(self, streams: StreamBook) -> None:
        streams.create({"name": "s1", "acq_config": {}, "comment": "", "channel_config": []})
        with pytest.raises(ValidationError, match="unknown in 'det': FID9"):
            streams.add_detector("s1", {"det_name": "FID9"}, {}, {})
        with pytest.raises(ValidationError, match="unknown in 'det': FID9"):
            streams.add_history_record(T0, "s1", "FID9", "processed", "abc")
        streams.add_history_record(T0, "s1", "FID1", "processed", "abc")
