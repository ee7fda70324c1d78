"""The JSON scale codec: the contract, unit conversion, tolerant extras, round trips, total parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices.scale_codec import KG_PER_UNIT, format_document, parse_document
from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply


def doc(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


def value(reply: DeviceReply, label: str) -> Any:
    (found,) = [m.value for m in reply.measurements if m.label == label]
    return found


def weight(body: bytes) -> float:
    found: float = value(parse_document(body), "weight")
    return found


class TestContract:
    def test_the_documented_example(self) -> None:
        reply = parse_document(doc(weight=12.345, unit="kg", stable=True, timestamp="2025-01-31T12:00:00Z"))
        assert reply.source_time == datetime(2025, 1, 31, 12, tzinfo=UTC)
        assert [(m.label, m.value, m.unit) for m in reply.measurements] == [
            ("weight", 12.345, "kg"),
            ("stable", True, ""),
        ]
        assert reply.errors == []

    @pytest.mark.parametrize(("unit", "kg"), [("g", 12.5), ("kg", 12500.0), ("lb", 5669.904625), ("LB ", 5669.904625)])
    def test_units_become_kilograms(self, unit: str, kg: float) -> None:
        assert weight(doc(weight=12500, unit=unit)) == pytest.approx(kg)

    def test_weight_value_and_mass_are_accepted_in_that_order(self) -> None:
        assert weight(doc(value=2, unit="kg")) == 2.0
        assert weight(doc(mass="3.5", unit="kg")) == 3.5
        assert weight(doc(mass=1, value=2, weight=3, unit="kg")) == 3.0

    @pytest.mark.parametrize(
        "body",
        [
            doc(unit="kg", stable=True),
            doc(weight=1.0, stable=True),
            doc(weight=1.0, unit="stone", stable=True),
            doc(weight=True, unit="kg", stable=True),
            doc(weight="heavy", unit="kg", stable=True),
            doc(weight=None, unit="kg", stable=True),
            doc(weight="1e999", unit="kg", stable=True),
            b'{"weight": 1e999, "unit": "kg", "stable": true}',
        ],
    )
    def test_a_weight_outside_the_contract_is_a_field_error_and_the_rest_is_kept(self, body: bytes) -> None:
        reply = parse_document(body)
        assert [m.label for m in reply.measurements] == ["stable"]
        assert [e.field for e in reply.errors] == ["weight"]

    @pytest.mark.parametrize("body", [b"[1, 2]", b"\xff\xfe", b"[" * 100_000, b"{}x"])
    def test_a_body_that_is_no_json_object_is_a_protocol_error(self, body: bytes) -> None:
        with pytest.raises(DeviceProtocolError):
            parse_document(body)

    @pytest.mark.parametrize(("stable", "expected"), [(False, False), (1, True), ("yes", True), ("FALSE", False)])
    def test_stable_is_tolerant(self, stable: Any, expected: bool) -> None:
        assert value(parse_document(doc(weight=1, unit="kg", stable=stable)), "stable") is expected

    def test_a_missing_stable_flag_is_unknown_and_a_bad_one_a_field_error(self) -> None:
        assert value(parse_document(doc(weight=1, unit="kg")), "stable") is None
        reply = parse_document(doc(weight=1, unit="kg", stable="maybe"))
        assert [m.label for m in reply.measurements] == ["weight"]  # refused whole before
        assert [e.field for e in reply.errors] == ["stable"] and "maybe" in reply.errors[0].reason

    @pytest.mark.parametrize("timestamp", ["2025-01-31T12:00:00", "yesterday", 1738324800, "9999-12-31T23:59:59-01:00"])
    def test_a_timestamp_without_zone_or_unreadable_is_a_field_error(self, timestamp: Any) -> None:
        reply = parse_document(doc(weight=1, unit="kg", timestamp=timestamp))
        assert reply.source_time is None and [e.field for e in reply.errors] == ["timestamp"]
        assert len(reply.measurements) == 2

    def test_no_timestamp_is_no_device_time(self) -> None:
        reply = parse_document(doc(weight=1, unit="kg", timestamp=None))
        assert (reply.source_time, reply.errors) == (None, [])

    def test_a_zoned_timestamp_is_converted_to_utc(self) -> None:
        reply = parse_document(doc(weight=1, unit="kg", timestamp="2025-01-31T13:00:00+01:00"))
        assert reply.source_time == datetime(2025, 1, 31, 12, tzinfo=UTC)
        assert reply.source_time is not None and reply.source_time.utcoffset() == timedelta(0)


class TestRoundTrip:
    @given(
        weight=st.floats(min_value=0, max_value=10_000, allow_nan=False),
        unit=st.sampled_from(sorted(KG_PER_UNIT)),
        stable=st.booleans(),
        when=st.datetimes(timezones=st.just(timezone(timedelta(hours=2)))),
    )
    def test_format_then_parse(self, weight: float, unit: str, stable: bool, when: datetime) -> None:
        reply = parse_document(format_document(weight, unit, stable, when))
        assert value(reply, "weight") == pytest.approx(weight, abs=1e-3 * KG_PER_UNIT[unit])
        assert value(reply, "stable") is stable
        assert reply.source_time is not None
        assert abs(reply.source_time - when) < timedelta(milliseconds=1)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3),
    max_leaves=10,
)
keys = st.sampled_from(["weight", "value", "mass", "unit", "stable", "timestamp"]) | st.text(max_size=8)
documents = st.dictionaries(keys, json_values | st.sampled_from(["kg", "g", "lb", " 12.5 ", "１２"]), max_size=6)


class TestParserIsTotal:
    @given(documents, st.sampled_from(["", " ", "\n\t", "\ufeff"]), st.booleans())
    def test_random_documents_parse_or_are_protocol_errors(self, document: Any, pad: str, ascii_only: bool) -> None:
        body = (pad + json.dumps(document, ensure_ascii=ascii_only) + pad).encode("utf-8")
        try:
            reply = parse_document(body)
        except DeviceProtocolError:
            return
        assert all(isinstance(m.value, float) for m in reply.measurements if m.label == "weight")
        assert {m.label for m in reply.measurements} | {e.field for e in reply.errors} >= {"weight", "stable"}

    @given(st.binary())
    def test_any_bytes_parse_or_are_protocol_errors(self, body: bytes) -> None:
        try:
            parse_document(body)
        except DeviceProtocolError:
            pass
