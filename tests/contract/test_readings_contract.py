"""Contract of ReadingRepository: polls in, values keyed (collection, device, label, time), queries out."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from ricochetdb.application.ports import Store
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.readings import Reading

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)
DEFAULT = object()


def poll(
    when: datetime | int,
    values: dict[str, object] | None = None,
    device: str = "mmr3-a",
    device_type: str = "MMR3",
    source: datetime | None = None,
    clock: str = "server",
) -> Poll:
    moment = T0 + timedelta(seconds=when) if isinstance(when, int) else when
    chosen = {"T_4K": 4.0} if values is None else values
    return Poll(device, device_type, moment, chosen, {k: "K" for k in chosen}, clock, source)  # type: ignore[arg-type]


def series(n: int, label: str = "T_4K", value: object = DEFAULT, device: str = "mmr3-a") -> list[Poll]:
    return [poll(i, {label: 4.0 + i * 0.001 if value is DEFAULT else value}, device) for i in range(n)]


class TestAdd:
    def test_add_counts_new_values_and_skips_those_already_stored(self, store: Store) -> None:
        repository = store.readings("mmr3-2026")
        batch = series(10)
        assert repository.add(batch, bulk_size=3).new == 10
        again = repository.add([*batch[5:], poll(10, {"T_4K": 4.01})], bulk_size=4)
        assert (again.new, again.conflicts) == (1, [])
        assert len(repository.find()) == 11

    @pytest.mark.parametrize("bulk_size", [1, 7, 1000])
    def test_every_bulk_size_stores_everything(self, store: Store, bulk_size: int) -> None:
        repository = store.readings("r")
        polls = [poll(i, {"a": float(i), "b": float(-i), "c": i}) for i in range(25)]
        assert repository.add(polls, bulk_size=bulk_size).new == 75
        assert [r.timestamp for r in repository.find(label="a")] == [T0 + timedelta(seconds=i) for i in range(25)]

    @pytest.mark.parametrize("value", [1.5, -3, True, False, 1, 0, "CPA1114", "1.0", None, 0.0])
    def test_values_keep_their_type(self, store: Store, value: object) -> None:
        repository = store.readings("r")
        repository.add([poll(0, {"x": value})])
        (loaded,) = repository.find()
        assert loaded.value == value and type(loaded.value) is type(value)

    def test_device_time_and_local_clock_flag_round_trip(self, store: Store) -> None:
        repository = store.readings("r")
        source = datetime(2025, 1, 31, 12, 0, 0, 5, tzinfo=UTC)
        repository.add([poll(T0 + 7 * US, {"T_MC": 0.012}, "cryo", "JSON-CRYO", source, "local")])
        assert repository.find() == [Reading("JSON-CRYO", "cryo", "T_MC", 0.012, "K", T0 + 7 * US, source, "local")]

    def test_a_reading_belongs_to_its_collection(self, store: Store) -> None:
        polls = series(3)
        assert store.readings("A").add(polls).new == 3
        assert store.readings("B").add(polls).new == 3
        assert store.readings("A").find() == store.readings("B").find() != []

    def test_two_readers_of_one_controller_keep_every_value(self, store: Store) -> None:
        repository = store.readings("r")
        page = poll(0, {"T_MC": 0.0101, "T_4K": 4.1}, "CRYO@10.0.0.5", "CRYO")
        document = poll(0, {"T_MC": 0.0102, "T_4K": 4.2}, "JSON-CRYO@10.0.0.5", "JSON-CRYO")
        for _ in range(2):  # every cycle, not only the first
            report = repository.add([page, document])
            assert report.conflicts == []
        assert {(r.device, r.value) for r in repository.find(label="T_MC")} == {
            ("CRYO@10.0.0.5", 0.0101),
            ("JSON-CRYO@10.0.0.5", 0.0102),
        }

    def test_a_second_poll_at_the_same_instant_with_other_values_is_reported_not_dropped(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([poll(0, {"T_4K": 4.0, "R_4K": 100.0})])
        report = repository.add([poll(0, {"T_4K": 4.5, "R_4K": 100.0}), poll(1, {"T_4K": 4.6})])
        assert report.new == 1
        assert [(c.device, c.timestamp, c.labels) for c in report.conflicts] == [("mmr3-a", T0, ("T_4K",))]
        assert [r.value for r in repository.find(label="T_4K")] == [4.0, 4.6]

    def test_a_bool_and_a_number_are_not_the_same_value(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([poll(0, {"on": True})])
        assert len(repository.add([poll(0, {"on": 1})]).conflicts) == 1

    def test_a_new_label_of_an_already_stored_poll_is_added_and_counted(self, store: Store) -> None:
        repository = store.readings("r")
        assert repository.add([poll(0, {"a": 1.0})]).new == 1
        assert repository.add([poll(0, {"a": 1.0, "b": 2.0, "c": 3.0})]).new == 2
        assert [r.label for r in repository.find()] == ["a", "b", "c"]


class TestFind:
    def test_filters_by_device_label_and_inclusive_window(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([poll(i, {"T_4K": 4.0, "R_4K": 1000.0 + i}) for i in range(10)])
        repository.add(series(3, device="mmr3-b"))
        window = repository.find("mmr3-a", "T_4K", T0 + timedelta(seconds=2), T0 + timedelta(seconds=5))
        assert [r.timestamp.second for r in window] == [2, 3, 4, 5]
        assert {r.label for r in repository.find(label="R_4K")} == {"R_4K"}
        assert len(repository.find(device="mmr3-b")) == 3
        assert len(repository.find(limit=4)) == 4

    def test_a_limit_cutting_a_poll_keeps_timestamp_device_label_order(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([poll(0, {"z": 1.0, "y": 1.0, "x": 1.0}, device) for device in ("d2", "d1")])
        everything = repository.find()
        assert [(r.device, r.label) for r in everything[:4]] == [("d1", "x"), ("d1", "y"), ("d1", "z"), ("d2", "x")]
        assert repository.find(limit=4) == everything[:4]

    def test_window_bounds_are_inclusive_to_the_microsecond(self, store: Store) -> None:
        repository = store.readings("r")
        times = [T0, T0 + US, T0 + 2 * US, T0 + timedelta(milliseconds=1), T0 + timedelta(milliseconds=1) + US]
        repository.add([poll(when, {"T": 1.0}) for when in times])
        found = repository.find(start=T0 + US, stop=T0 + timedelta(milliseconds=1))
        assert [r.timestamp for r in found] == times[1:4]
        assert repository.stats("T", T0 + 2 * US, T0 + timedelta(milliseconds=1) + US).count == 3
        assert repository.find(start=T0 + 3 * US, stop=T0 + timedelta(microseconds=999)) == []

    def test_latest_gives_the_newest_reading_of_every_label(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add(series(5) + series(3, "R_4K", 7.0))
        repository.add([poll(9, device="mmr3-b")])
        latest = repository.latest()
        assert [(r.device, r.label, r.timestamp.second) for r in latest] == [
            ("mmr3-a", "R_4K", 2),
            ("mmr3-a", "T_4K", 4),
            ("mmr3-b", "T_4K", 9),
        ]
        assert [r.device for r in repository.latest("mmr3-b")] == ["mmr3-b"]

    def test_latest_since_leaves_out_labels_silent_since_then(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add(series(5) + series(2, "R_4K", 7.0))
        recent = repository.latest(since=T0 + timedelta(seconds=3))
        assert [(r.label, r.timestamp.second) for r in recent] == [("T_4K", 4)]
        assert repository.latest(since=T0 + timedelta(seconds=1)) == repository.latest()

    def test_an_empty_collection_gives_nothing(self, store: Store) -> None:
        assert store.readings("empty").find() == [] and store.readings("empty").latest() == []


class TestStats:
    def test_mean_and_population_std_of_numeric_values_in_the_window(self, store: Store) -> None:
        repository = store.readings("r")
        values = [4.0 + 0.001 * ((i * 7) % 5) for i in range(40)]
        repository.add([poll(i, {"T_4K": v}) for i, v in enumerate(values)])
        repository.add([poll(100, {"T_4K": "n/a"}), poll(101, {"other": 99.0})])
        stats = repository.stats("T_4K", T0 + timedelta(seconds=10), T0 + timedelta(seconds=29))
        window = values[10:30]
        assert stats.count == 20
        assert stats.mean == pytest.approx(statistics.fmean(window), rel=1e-12)
        assert stats.std == pytest.approx(statistics.pstdev(window), rel=1e-6)

    def test_no_reading_in_the_window_gives_count_zero(self, store: Store) -> None:
        stats = store.readings("r").stats("T_4K", T0, T0 + timedelta(days=1))
        assert stats.count == 0 and stats.mean is None
