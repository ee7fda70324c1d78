"""Contract of ReadingRepository for polls: labels added later, per-label device times, microsecond windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ricochetdb.application.ports import Store
from ricochetdb.domain.readings import Reading

T0 = datetime(2026, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


def at(when: datetime, label: str = "T", device: str = "d", source: datetime | None = None) -> Reading:
    return Reading("MMR3", device, label, 1.0, "K", when, source)


class TestPolls:
    def test_a_new_label_of_an_already_stored_poll_is_added_and_counted(self, store: Store) -> None:
        repository = store.readings("r")
        assert repository.add([at(T0, "a")]) == 1
        assert repository.add([at(T0, "a"), at(T0, "b"), at(T0, "c")]) == 2
        assert [r.label for r in repository.find()] == ["a", "b", "c"]

    def test_labels_of_one_poll_keep_their_own_device_times(self, store: Store) -> None:
        repository = store.readings("r")
        batch = [at(T0, "a", source=T0 - US), at(T0, "b"), at(T0, "c", source=T0 - 2 * US)]
        repository.add(batch)
        repository.add([at(T0, "d", source=T0 - 3 * US)])
        assert repository.find() == [*batch, at(T0, "d", source=T0 - 3 * US)]

    def test_a_limit_cutting_a_poll_keeps_timestamp_device_label_order(self, store: Store) -> None:
        repository = store.readings("r")
        repository.add([at(T0, label, device) for device in ("d2", "d1") for label in ("z", "y", "x")])
        everything = repository.find()
        assert [(r.device, r.label) for r in everything[:4]] == [("d1", "x"), ("d1", "y"), ("d1", "z"), ("d2", "x")]
        assert repository.find(limit=4) == everything[:4]


class TestMicrosecondWindows:
    def test_window_bounds_are_inclusive_to_the_microsecond(self, store: Store) -> None:
        repository = store.readings("r")
        times = [T0, T0 + US, T0 + 2 * US, T0 + timedelta(milliseconds=1), T0 + timedelta(milliseconds=1) + US]
        repository.add([at(when) for when in times])
        found = repository.find(start=T0 + US, stop=T0 + timedelta(milliseconds=1))
        assert [r.timestamp for r in found] == times[1:4]
        assert repository.stats("T", T0 + 2 * US, T0 + timedelta(milliseconds=1) + US).count == 3
        assert repository.find(start=T0 + 3 * US, stop=T0 + timedelta(microseconds=999)) == []
