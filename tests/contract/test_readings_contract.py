"""Contract of ReadingRepository: idempotent bulk adds, queries, latest values, statistics."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from ricochetdb.application.ports import Store
from ricochetdb.domain.readings import Reading

T0 = datetime(2026, 1, 1, tzinfo=UTC)


DEFAULT = object()


def reading(i: int, label: str = "T_4K", value: object = DEFAULT, device: str = "mmr3-a") -> Reading:
    chosen = 4.0 + i * 0.001 if value is DEFAULT else value
    return Reading("MMR3", device, label, chosen, "K", T0 + timedelta(seconds=i))  # type: ignore[arg-type]


class TestAdd:
    def test_add_counts_new_readings_and_skips_those_already_stored(self, store: Store) -> None:
        repository = store.readings("mmr3-2026")
        batch = [reading(i) for i in range(10)]
        assert repository.add(batch, bulk_size=3) == 10
        assert repository.add([*batch[5:], reading(10)], bulk_size=4) == 1
        assert len(repository.find()) == 11

    @pytest.mark.parametrize("bulk_size", [1, 7, 1000])
    def test_every_bulk_size_stores_everything(self, store: Store, bulk_size: int) -> None:
        repository = store.readings("r")
        assert repository.add([reading(i) for i in range(25)], bulk_size=bulk_size) == 25
        assert [r.timestamp for r in repository.find()] == [T0 + timedelta(seconds=i) for i in range(25)]

    @pytest.mark.parametrize("value", [1.5, -3, True, "CPA1114", None, 0.0])
    def test_values_keep_their_type(self, store: Store, value: object) -> None:
        repository = store.readings("r")
        repository.add([reading(0, "x", value)])
        (loaded,) = repository.find()
        assert loaded.value == value and type(loaded.value) is type(value)

    def test_device_time_and_local_clock_flag_round_trip(self, store: Store) -> None:
        repository = store.readings("r")
        source = datetime(2025, 1, 31, 12, 0, 0, 5, tzinfo=UTC)
        original = Reading("JSON-CRYO", "cryo", "T_MC", 0.012, "K", T0, source, "local")
        repository.add([original])
        assert repository.find() == [original]


class TestFind:
    def test_filters_by_device_label_and_inclusive_window(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([reading(i) for i in range(10)] + [reading(i, "R_4K", 1000.0 + i) for i in range(10)])
        repository.add([reading(i, device="mmr3-b") for i in range(3)])
        window = repository.find("mmr3-a", "T_4K", T0 + timedelta(seconds=2), T0 + timedelta(seconds=5))
        assert [r.timestamp.second for r in window] == [2, 3, 4, 5]
        assert {r.label for r in repository.find(label="R_4K")} == {"R_4K"}
        assert len(repository.find(device="mmr3-b")) == 3
        assert len(repository.find(limit=4)) == 4

    def test_latest_gives_the_newest_reading_of_every_label(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([reading(i) for i in range(5)] + [reading(i, "R_4K", 7.0) for i in range(3)])
        repository.add([reading(9, device="mmr3-b")])
        latest = repository.latest()
        assert [(r.device, r.label, r.timestamp.second) for r in latest] == [
            ("mmr3-a", "R_4K", 2),
            ("mmr3-a", "T_4K", 4),
            ("mmr3-b", "T_4K", 9),
        ]
        assert [r.device for r in repository.latest("mmr3-b")] == ["mmr3-b"]

    def test_an_empty_collection_gives_nothing(self, store: Store) -> None:
        assert store.readings("empty").find() == [] and store.readings("empty").latest() == []


class TestStats:
    def test_mean_and_population_std_of_numeric_values_in_the_window(self, store: Store) -> None:
        repository = store.readings("r")
        values = [4.0 + 0.001 * ((i * 7) % 5) for i in range(40)]
        repository.add([reading(i, "T_4K", v) for i, v in enumerate(values)])
        repository.add([reading(100, "T_4K", "n/a"), reading(101, "other", 99.0)])
        stats = repository.stats("T_4K", T0 + timedelta(seconds=10), T0 + timedelta(seconds=29))
        window = values[10:30]
        assert stats.count == 20
        assert stats.mean == pytest.approx(statistics.fmean(window), rel=1e-12)
        assert stats.std == pytest.approx(statistics.pstdev(window), rel=1e-6)

    def test_no_reading_in_the_window_gives_count_zero(self, store: Store) -> None:
        stats = store.readings("r").stats("T_4K", T0, T0 + timedelta(days=1))
        assert stats.count == 0 and stats.mean is None


def test_latest_since_leaves_out_labels_silent_since_then(store: Store) -> None:
    repository = store.readings("r")
    repository.add([reading(i) for i in range(5)] + [reading(i, "R_4K", 7.0) for i in range(2)])
    recent = repository.latest(since=T0 + timedelta(seconds=3))
    assert [(r.label, r.timestamp.second) for r in recent] == [("T_4K", 4)]
    assert repository.latest(since=T0 + timedelta(seconds=1)) == repository.latest()
