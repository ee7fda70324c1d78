"""JSON-CRYO documents and CRYO units: the assumed contract, field errors, and total parsing of any document."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ricochetdb.adapters.devices import cryoconcept, cryoconcept_json
from ricochetdb.adapters.devices.cryoconcept_json import CryoConceptJsonReader, parse_document, parse_time
from ricochetdb.adapters.devices.cryoconcept_units import cryo_unit
from ricochetdb.domain.errors import DeviceProtocolError, DeviceTimeout, ValidationError
from ricochetdb.domain.polls import DeviceReply, FieldError, stamp_reply
from ricochetdb.domain.readings import Measurement

RECORD = "JSON-CRYO 10.0.0.5"
EXAMPLE = {
    "timestamp": "2025-01-31T12:00:00Z",
    "T_MC": 0.012,
    "T_still": 0.85,
    "T_4K": 3.9,
    "P1": 1.2e-3,
    "P2": 0.4,
    "P3": 12.0,
    "turbo_speed_pct": 100,
    "PT": 1,
    "VE1": 0,
}
NOON = datetime(2025, 1, 31, 12, tzinfo=UTC)


def parse(document: Any) -> tuple[list[Measurement], list[FieldError]]:
    reply = parse_document(json.dumps(document).encode(), RECORD)
    return reply.measurements, reply.errors


class TestContract:
    def test_the_protocols_example(self) -> None:
        measurements, errors = parse(EXAMPLE)
        assert errors == []
        assert [(m.label, m.value, m.unit) for m in measurements] == [
            ("t_mc", 0.012, "K"),
            ("t_still", 0.85, "K"),
            ("t_4k", 3.9, "K"),
            ("p1", 1.2e-3, "mbar"),
            ("p2", 0.4, "mbar"),
            ("p3", 12.0, "mbar"),
            ("turbo_speed_pct", 100, "%"),
            ("pt", 1, ""),
            ("ve1", 0, ""),
        ]
        assert parse_document(json.dumps(EXAMPLE).encode(), RECORD).source_time == NOON

    def test_numeric_strings_and_booleans_are_numbers(self) -> None:
        measurements, errors = parse({"P/T": "12,5", "still": "0.85 K", "PT": True, "Turbo AUX": False, "n": " 7 "})
        assert errors == []
        assert [(m.label, m.value, m.unit) for m in measurements] == [
            ("p_t", 12.5, "%"),
            ("still", 0.85, "K"),
            ("pt", 1, ""),
            ("turbo_aux", 0, ""),
            ("n", 7, ""),
        ]

    def test_missing_values_are_skipped_silently(self) -> None:
        body = b'{"a": null, "b": NaN, "c": Infinity, "d": "nan", "e": "", "f": "N/A", "g": 1}'
        reply = parse_document(body, RECORD)
        assert [m.label for m in reply.measurements] == ["g"]
        assert reply.errors == []

    def test_text_and_nested_values_are_field_errors_and_the_rest_is_kept(self) -> None:
        measurements, errors = parse({"mode": "regulating", "valves": [0, 1], "sub": {"a": 1}, "still": 0.8})
        assert [m.label for m in measurements] == ["still"]
        assert [e.field for e in errors] == ["mode", "valves", "sub"]
        assert "regulating" in errors[0].reason

    def test_unknown_keys_are_kept_under_sanitised_unique_labels(self) -> None:
        measurements, _ = parse({"Débit He3 (µmol/s)": 42, "T MC": 1, "T_MC": 2, "device": 3})
        assert [m.label for m in measurements] == ["debit_he3_umol_s", "t_mc", "t_mc_2", "device_value"]

    @pytest.mark.parametrize("body", [b"", b"{", b"[1, 2]", b'"text"', b"\xff\xfe", b"1" * 5000])
    def test_a_reply_that_is_no_json_object_is_a_protocol_error(self, body: bytes) -> None:
        with pytest.raises(DeviceProtocolError) as caught:
            parse_document(body, RECORD)
        assert caught.value.record == RECORD


class TestTimestamp:
    @pytest.mark.parametrize(
        "text", ["2025-01-31T12:00:00Z", "2025-01-31T13:00:00+01:00", "2025-01-31 12:00:00+00:00", " 2025-01-31T12:00Z"]
    )
    def test_iso_times_with_a_timezone_become_utc(self, text: str) -> None:
        assert parse_time(text) == NOON

    @pytest.mark.parametrize("value", ["2025-01-31T12:00:00", "yesterday", 1738324800, None, "0001-01-01T00:00+05:00"])
    def test_anything_else_is_not_a_time(self, value: object) -> None:
        assert parse_time(value) is None

    def test_a_bad_timestamp_is_a_field_error_and_the_values_are_kept(self) -> None:
        reply = parse_document(json.dumps({"timestamp": "2025-01-31T12:00:00", "T_MC": 0.01}).encode(), RECORD)
        assert ([m.label for m in reply.measurements], reply.source_time) == (["t_mc"], None)
        assert [e.field for e in reply.errors] == ["timestamp"]

    @given(st.datetimes(timezones=st.just(timezone(timedelta(hours=-3)))))
    def test_any_aware_time_round_trips(self, when: datetime) -> None:
        assert parse_time(when.isoformat()) == when


class FakeHttp:
    """Returns a fixed body (or raises), like HttpTransport.get."""

    def __init__(self, body: bytes | Exception) -> None:
        self.body = body
        self.paths: list[str] = []

    def get(self, path: str = "") -> bytes:
        self.paths.append(path)
        if isinstance(self.body, Exception):
            raise self.body
        return self.body

    def close(self) -> None:
        pass


def reader(body: bytes | Exception) -> CryoConceptJsonReader:
    return CryoConceptJsonReader("JSON-CRYO", "10.0.0.5", FakeHttp(body), "/data.json")  # type: ignore[arg-type]


class TestReader:
    def test_good_keys_survive_bad_ones(self) -> None:
        reply = reader(b'{"T_MC": 0.01, "mode": "auto"}').read()
        assert [m.label for m in reply.measurements] == ["t_mc"]
        assert [e.field for e in reply.errors] == ["mode"]

    def test_a_decoder_failure_names_the_device(self) -> None:
        with pytest.raises(DeviceProtocolError) as caught:
            reader(b"[1]").read()
        assert caught.value.record == RECORD

    @pytest.mark.parametrize("body", [b"{}", b'{"mode": "auto"}', b'{"a": null}', b"<html>"])
    def test_a_document_without_any_number_fails(self, body: bytes) -> None:
        with pytest.raises(DeviceProtocolError):
            reader(body).read()

    def test_transport_errors_pass_through(self) -> None:
        with pytest.raises(DeviceTimeout):
            reader(DeviceTimeout(RECORD, "", "no reply")).read()

    def test_build_checks_options(self) -> None:
        built = cryoconcept_json.build("JSON-CRYO", "10.0.0.5:8080", {"path": "/data.json", "timeout": 1})
        assert (built.transport.base_url, built.path, built.transport.timeout) == (
            "http://10.0.0.5:8080",
            "/data.json",
            1.0,
        )
        assert cryoconcept_json.build("JSON-CRYO", "10.0.0.5", {}).path == "/"
        with pytest.raises(ValidationError) as caught:
            cryoconcept_json.build("JSON-CRYO", "10.0.0.5", {"reply_port": 12000})
        assert (caught.value.record, caught.value.field) == ("JSON-CRYO 10.0.0.5", "reply_port")
        with pytest.raises(ValidationError, match="path"):
            cryoconcept_json.build("JSON-CRYO", "10.0.0.5", {"path": "data.json"})
        with pytest.raises(ValidationError, match="device_type"):
            cryoconcept_json.build("CRYO", "10.0.0.5", {})


class TestCryoUnits:
    @pytest.mark.parametrize(
        ("label", "unit"),
        [
            ("full_range", "K"),
            ("platine_4k", "K"),
            ("t_mc", "K"),
            ("p2", "mbar"),
            ("k8", ""),  # no public source gives K3..K8 a unit (was a guessed mbar)
            ("k3", ""),
            ("pumping_turbo_speed", "%"),
            ("turbo_speed_pct", "%"),
            ("r_mmr1_3", "Ohm"),
            ("ve39", ""),
            ("pt", ""),
            ("mystery", ""),
        ],
    )
    def test_log_column_units(self, label: str, unit: str) -> None:
        assert cryo_unit(label) == unit

    def test_cryo_build_defaults_to_the_device_page(self) -> None:
        built = cryoconcept.build("CRYO", "10.0.0.6", {})
        assert (built.transport.base_url, built.path) == ("http://10.0.0.6", "/www/device.htm")
        with pytest.raises(ValidationError, match="mode"):
            cryoconcept.build("CRYO", "10.0.0.6", {"mode": "udp"})


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.floats(allow_nan=False).map(repr),
    st.floats(min_value=0, max_value=10).map(lambda v: f"{v:.2f} K".replace(".", ",")),
)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner))
documents = st.dictionaries(
    st.one_of(st.text(max_size=30), st.sampled_from(["timestamp", "T_MC", "_id", "$set", "a.b", "Platine 4K"])),
    st.one_of(json_values, st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)),
    max_size=12,
)


class TestRandomDocuments:
    @settings(max_examples=200, deadline=None)
    @given(documents)
    def test_any_document_gives_storable_measurements_and_field_errors(self, document: dict[str, Any]) -> None:
        reply = parse_document(json.dumps(document).encode(), RECORD)
        assert all(isinstance(e, FieldError) for e in reply.errors)
        for measurement in reply.measurements:
            assert isinstance(measurement.value, int | float) and not isinstance(measurement.value, bool)
            assert math.isfinite(measurement.value)
        poll = stamp_reply("JSON-CRYO", "10.0.0.5", reply, NOON)
        added = poll.errors[len(reply.errors) :]
        assert poll.errors[: len(reply.errors)] == tuple(reply.errors)
        assert all("cannot be stored" in e.reason for e in added)  # e.g. an integer beyond 64 bits: that field only
        assert len(poll) + len(added) == len(reply.measurements)

    @given(st.binary(max_size=200))
    def test_any_bytes_give_measurements_or_a_protocol_error(self, body: bytes) -> None:
        try:
            reply = parse_document(body, RECORD)
        except DeviceProtocolError:
            return
        assert isinstance(reply, DeviceReply) and all(isinstance(m, Measurement) for m in reply.measurements)
