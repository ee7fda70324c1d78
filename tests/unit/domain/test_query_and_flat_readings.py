"""The filter language of document queries, and flat reading documents: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.flat_readings import flat_document, polls_from_flat
from ricochetdb.domain.query import Bounds, parse_query

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class TestMatching:
    @pytest.mark.parametrize(
        ("query", "matches"),
        [
            ({"a": 1}, True),
            ({"a": 1.0}, True),
            ({"a": True}, False),
            ({"a": {"$gt": "0"}}, False),
            ({"tags": "x"}, True),
            ({"tags": ["x", "y"]}, True),
            ({"tags": {"$ne": "x"}}, False),
            ({"tags": {"$nin": ["z"]}}, True),
            ({"n.k": {"$lte": 2}}, True),
            ({"list.0.v": 3}, True),
            ({"list.v": 4}, True),
            ({"missing": None}, True),
            ({"missing": {"$exists": False}}, True),
            ({"a": {"$exists": False}}, False),
            ({"when": {"$gte": T0, "$lt": T0.replace(year=2027)}}, True),
            ({"$or": [{"a": 2}, {"$and": [{"a": 1}, {"b": "t"}]}]}, True),
        ],
    )
    def test_conditions_follow_mongodb_semantics(self, query: dict[str, object], matches: bool) -> None:
        document = {"a": 1, "b": "t", "tags": ["x", "y"], "n": {"k": 2}, "list": [{"v": 3}, {"v": 4}], "when": T0}
        assert parse_query(query).matches(document) is matches

    def test_bounds_of_a_field_come_from_top_level_conjunctions_only(self) -> None:
        later = T0.replace(hour=1)
        query = parse_query({"$and": [{"t": {"$gt": T0}}, {"t": {"$lte": later}}], "$or": [{"t": T0}]})
        assert query.bounds("t") == Bounds(T0, False, later, True)
        assert parse_query({"d": "mmr3"}).equal_to("d") == "mmr3"
        assert parse_query({"$or": [{"d": "mmr3"}]}).equal_to("d") is None


class TestRefusals:
    @pytest.mark.parametrize(
        "query",
        [{"$where": "1"}, {"a": {"$expr": 1}}, {"a": {"$exists": 1}}, {"a..b": 1}, {"a": {"b": {"$gt": 1}}}, {1: 2}],
    )
    def test_operators_outside_the_safe_subset_are_refused(self, query: dict[object, object]) -> None:
        with pytest.raises(ValidationError):
            parse_query(query)

    def test_a_naive_datetime_is_refused_in_the_core(self) -> None:
        with pytest.raises(ValidationError, match="naive"):
            parse_query({"t": {"$gt": datetime(2020, 4, 14)}})


class TestFlatReadings:
    def test_a_flat_document_round_trips(self) -> None:
        doc = {"timestamp": T0, "device": "mmr3", "device_type": "MMR3", "clock": "server", "T": 4.0, "R": 2}
        (poll,) = polls_from_flat([{**doc, "units": {"T": "K"}}])
        assert flat_document(poll) == {**doc, "units": {"T": "K", "R": ""}}

    def test_a_document_without_device_is_filed_under_the_default_the_caller_gives(self) -> None:
        (poll,) = polls_from_flat([{"timestamp": T0, "T_4K": 4.01}], default_device="external")
        assert (poll.device, poll.device_type, dict(poll.values)) == ("external", "external", {"T_4K": 4.01})

    @pytest.mark.parametrize(
        ("document", "field"),
        [
            ({"device": "d", "T": 1}, "timestamp"),
            ({"timestamp": T0, "T": 1}, "device"),
            ({"timestamp": datetime(2020, 1, 1), "device": "d", "T": 1}, "timestamp"),
            ({"timestamp": T0, "device": "d", "T": [1]}, "value"),
            ({"timestamp": T0, "device": "d", "$set": 1}, "label.$set"),
            ({"timestamp": T0, "device": "d"}, ""),
        ],
    )
    def test_a_bad_document_is_refused_naming_its_index_and_field(
        self, document: dict[str, object], field: str
    ) -> None:
        good = {"timestamp": T0, "device": "d", "T": 1.0}
        with pytest.raises(ValidationError) as refused:
            polls_from_flat([good, document])
        assert refused.value.record.startswith("reading #1") and refused.value.field == field
