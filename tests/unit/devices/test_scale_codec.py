"""The JSON scale codec: the contract, unit conversion, tolerant extras, round trips, total parser."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices.scale_codec import (
    KG_PER_UNIT,
    format_document,
    measurements,
    parse_document,
)
from ricochetdb.domain.errors import DeviceProtocolError


def doc(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


class TestContract:
    def test_the_documented_example(self) -> None:
        reading = parse_document(doc(weight=12.345, unit="kg", stable=True, timestamp="2025-01-31T12:00:00Z"))
        assert reading.weight_kg == 12.345 and reading.stable is True
        assert reading.source_time == datetime(2025, 1, 31, 12, tzinfo=UTC)
        assert [(m.label, m.value, m.unit) for m in measurements(reading)] == [
            ("weight", 12.345, "kg"),
            ("stable", True, ""),
        ]
        assert all(m.source_time == reading.source_time for m in measurements(reading))

    @pytest.mark.parametrize(("unit", "kg"), [("g", 12.5), ("kg", 12500.0), ("lb", 5669.904625), ("LB ", 5669.904625)])
    def test_units_become_kilograms(self, unit: str, kg: float) -> None:
        assert parse_document(doc(weight=12500, unit=unit)).weight_kg == pytest.approx(kg)

    def test_weight_value_and_mass_are_accepted_in_that_order(self) -> None:
        assert parse_document(doc(value=2, unit="kg")).weight_kg == 2.0
        assert parse_document(doc(mass="3.5", unit="kg")).weight_kg == 3.5
        assert parse_document(doc(mass=1, value=2, weight=3, unit="kg")).weight_kg == 3.0

    @pytest.mark.parametrize(
        "body",
        [
            doc(unit="kg"),
            doc(weight=1.0),
            doc(weight=1.0, unit="stone"),
            doc(weight=True, unit="kg"),
            doc(weight="heavy", unit="kg"),
            doc(weight=None, unit="kg"),
            doc(weight="1e999", unit="kg"),
            b'{"weight": 1e999, "unit": "kg"}',
            b"[1, 2]",
            b"\xff\xfe",
            b"[" * 100_000,
        ],
    )
    def test_documents_outside_the_contract_are_protocol_errors(self, body: bytes) -> None:
        with pytest.raises(DeviceProtocolError):
            parse_document(body)

    @pytest.mark.parametrize(("stable", "expected"), [(False, False), (1, True), ("yes", True), ("FALSE", False)])
    def test_stable_is_tolerant(self, stable: Any, expected: bool) -> None:
        assert parse_document(doc(weight=1, unit="kg", stable=stable)).stable is expected

    def test_a_missing_stable_flag_is_unknown(self) -> None:
        assert parse_document(doc(weight=1, unit="kg")).stable is None
        with pytest.raises(DeviceProtocolError, match="stable"):
            parse_document(doc(weight=1, unit="kg", stable="maybe"))

    @pytest.mark.parametrize(
        "timestamp", ["2025-01-31T12:00:00", "yesterday", 1738324800, None, "9999-12-31T23:59:59-01:00"]
    )
    def test_a_timestamp_without_zone_or_unreadable_is_ignored(self, timestamp: Any) -> None:
        assert parse_document(doc(weight=1, unit="kg", timestamp=timestamp)).source_time is None

    def test_a_zoned_timestamp_is_converted_to_utc(self) -> None:
        reading = parse_document(doc(weight=1, unit="kg", timestamp="2025-01-31T13:00:00+01:00"))
        assert reading.source_time == datetime(2025, 1, 31, 12, tzinfo=UTC)
        assert reading.source_time is not None and reading.source_time.utcoffset() == timedelta(0)


class TestRoundTrip:
    @given(
        weight=st.floats(min_value=0, max_value=10_000, allow_nan=False),
        unit=st.sampled_from(sorted(KG_PER_UNIT)),
        stable=st.booleans(),
        when=st.datetimes(timezones=st.just(timezone(timedelta(hours=2)))),
    )
    def test_format_then_parse(self, weight: float, unit: str, stable: bool, when: datetime) -> None:
        reading = parse_document(format_document(weight, unit, stable, when))
        assert reading.weight_kg == pytest.approx(weight, abs=1e-3 * KG_PER_UNIT[unit])
        assert reading.stable is stable
        assert reading.source_time is not None
        assert abs(reading.source_time - when) < timedelta(milliseconds=1)


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
            reading = parse_document(body)
        except DeviceProtocolError:
            return
        assert isinstance(reading.weight_kg, float)

    @given(st.binary())
    def test_any_bytes_parse_or_are_protocol_errors(self, body: bytes) -> None:
        try:
            parse_document(body)
        except DeviceProtocolError:
            pass
