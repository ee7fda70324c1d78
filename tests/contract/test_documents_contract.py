"""Contract of Store.documents: every collection read as the documents users query, filtered the same everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ricochetdb.application.documents import DocumentFinder
from ricochetdb.application.ports import Store
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.messages import validate_batch
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.query import parse_query
from ricochetdb.domain.records import Detector, Run

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def poll(second: float, device: str = "mmr3-a", **values: object) -> list[Poll]:
    when = T0 + timedelta(seconds=second)
    return [Poll(device, "MMR3", when, values, {label: "K" for label in values})]  # type: ignore[arg-type]


def find(store: Store, collection: str, query: object = None, limit: int | None = None) -> list[dict[str, object]]:
    return list(DocumentFinder(store, collection).find(query, limit))


class TestReadings:
    def test_readings_come_back_as_one_flat_document_per_poll(self, store: Store) -> None:
        store.readings("mmr3").add(poll(0, T_4K=4.01, R_4K=2000.0))
        (doc,) = find(store, "mmr3")
        assert doc == {
            "timestamp": T0,
            "device": "mmr3-a",
            "device_type": "MMR3",
            "clock": "server",
            "T_4K": 4.01,
            "R_4K": 2000.0,
            "units": {"T_4K": "K", "R_4K": "K"},
        }

    def test_a_time_window_with_a_limit_as_in_the_original_documentation(self, store: Store) -> None:
        store.readings("mmr3").add([r for i in range(10) for r in poll(i, T_4K=4.0 + i)])
        docs = find(store, "mmr3", {"timestamp": {"$gt": T0 + timedelta(seconds=3)}}, limit=5)
        assert sorted(doc["T_4K"] for doc in docs) == [8.0, 9.0, 10.0, 11.0, 12.0]

    def test_dates_compare_to_the_microsecond(self, store: Store) -> None:
        store.readings("r").add(poll(0.0005, T=1.0) + poll(0.0006, T=2.0))
        edge = T0 + timedelta(microseconds=500)
        assert [d["T"] for d in find(store, "r", {"timestamp": {"$gt": edge}})] == [2.0]
        assert [d["T"] for d in find(store, "r", {"timestamp": {"$lte": edge}})] == [1.0]
        assert [d["T"] for d in find(store, "r", {"timestamp": edge})] == [1.0]
        assert [d["T"] for d in find(store, "r", {"timestamp": {"$ne": edge}})] == [2.0]

    def test_labels_devices_and_logical_operators(self, store: Store) -> None:
        store.readings("r").add(poll(0, "a", T=1.0) + poll(1, "b", T=5.0, P=2) + poll(2, "c", P=7))
        assert {d["device"] for d in find(store, "r", {"T": {"$exists": True}})} == {"a", "b"}
        assert {d["device"] for d in find(store, "r", {"device": {"$in": ["a", "c"]}})} == {"a", "c"}
        assert {d["device"] for d in find(store, "r", {"$or": [{"T": {"$gte": 5}}, {"P": 7}]})} == {"b", "c"}
        assert {d["device"] for d in find(store, "r", {"$and": [{"P": {"$lt": 5}}, {"device": "b"}]})} == {"b"}
        assert {d["device"] for d in find(store, "r", {"device": {"$nin": ["a"]}, "T": None})} == {"c"}
        assert {d["device"] for d in find(store, "r", {"units.P": ""})} == set()


class TestRecordsAndMessages:
    def test_records_come_back_without_storage_fields(self, store: Store) -> None:
        store.detectors("det").add(Detector("RED15", {"d2": 250}, [{"det_name": "FID1"}], "ok"))
        store.runs("runs").add(Run("run01", [{"name": "RED15"}], T0, None, "first"))
        assert find(store, "det", {"acq_config.d2": 250}) == [
            {"name": "RED15", "acq_config": {"d2": 250}, "channel_config": [{"det_name": "FID1"}], "status": "ok"}
        ]
        (run,) = find(store, "runs", {"start_date": {"$gte": T0}, "stop_date": None})
        assert run["name"] == "run01" and run["start_date"] == T0 and "revision" not in run

    def test_dotted_paths_reach_into_lists_of_documents(self, store: Store) -> None:
        store.runs("runs").add(Run("run01", [{"name": "RED15"}, {"name": "RED2"}]))
        store.runs("runs").add(Run("run02", [{"name": "RED3"}]))
        assert [r["name"] for r in find(store, "runs", {"detector.name": "RED2"})] == ["run01"]

    def test_daq_messages_come_back_as_given(self, store: Store) -> None:
        body = {"topic": "t1", "timestamp": 1764000000.5, "val1": 5, "revision": "B"}
        store.daq("daq").add(validate_batch([body, {**body, "topic": "t2"}]))
        assert find(store, "daq", {"topic": "t1"}) == [body]
        assert len(find(store, "daq")) == 2

    def test_an_empty_or_unknown_collection_holds_nothing(self, store: Store) -> None:
        assert find(store, "nothing-here", {"a": 1}) == []


class TestRefusals:
    @pytest.mark.parametrize(
        "query",
        [
            {"$where": "this.a == 1"},
            {"$expr": {"$eq": ["$a", 1]}},
            {"a": {"$function": {"body": "return 1"}}},
            {"a": {"$regex": ".*"}},
            {"a": {"$gt": 1, "b": 2}},
            {"a": {"$in": 3}},
            {"$or": []},
            {"a": datetime(2020, 1, 1)},
            "a == 1",
        ],
    )
    def test_a_bad_filter_is_refused_before_any_read(self, store: Store, query: object) -> None:
        with pytest.raises(ValidationError):
            find(store, "r", query)

    def test_a_negative_limit_is_refused(self, store: Store) -> None:
        with pytest.raises(ValidationError):
            find(store, "r", None, -1)

    def test_the_limit_counts_matching_documents_only(self, store: Store) -> None:
        store.readings("r").add([r for i in range(6) for r in poll(i, T=float(i % 2))])
        assert len(list(store.documents("r").find(parse_query({"T": 1.0}), 2))) == 2
        assert len(list(store.documents("r").find(parse_query({"T": 1.0})))) == 3
