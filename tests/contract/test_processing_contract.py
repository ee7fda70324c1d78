"""Contract of ProcessingRepository: the newest generation of each stream wins, atomically."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ricochetdb.application.ports import Store
from ricochetdb.domain.processing import ProcessingResult

T0 = datetime(2026, 11, 24, 3, 0, 0, 123456, tzinfo=UTC)


def result(stream: str, generated: datetime, value: int = 1) -> ProcessingResult:
    return ProcessingResult(stream, generated, [{"detector": "FID1", "value": value}], {"version": "1.2"}, "a.json")


class TestProcessingRepository:
    def test_a_first_result_is_stored_and_reads_back_equal(self, store: Store) -> None:
        repository = store.processing("processing")
        assert repository.store_if_newer(result("s1", T0)) is True
        assert repository.get("s1") == result("s1", T0)

    def test_only_a_strictly_newer_generation_replaces_the_stored_one(self, store: Store) -> None:
        repository = store.processing("processing")
        repository.store_if_newer(result("s1", T0, 1))
        assert repository.store_if_newer(result("s1", T0, 2)) is False
        assert repository.store_if_newer(result("s1", T0 - timedelta(microseconds=1), 3)) is False
        stored = repository.get("s1")
        assert stored is not None and stored.records[0]["value"] == 1
        assert repository.store_if_newer(result("s1", T0 + timedelta(microseconds=1), 4)) is True
        stored = repository.get("s1")
        assert stored is not None and stored.records[0]["value"] == 4

    def test_streams_and_collections_are_independent(self, store: Store) -> None:
        store.processing("a").store_if_newer(result("s1", T0))
        assert store.processing("a").store_if_newer(result("s2", T0 - timedelta(days=1))) is True
        assert store.processing("b").get("s1") is None
