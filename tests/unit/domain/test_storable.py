"""What the primary store can hold, checked in the core: sizes as BSON counts them, limits named by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import bson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ricochetdb.domain.errors import REASON_LIMIT, ValidationError
from ricochetdb.domain.messages import validate_batch
from ricochetdb.domain.processing import parse_processing
from ricochetdb.domain.storable import (
    DOCUMENT_LIMIT,
    READING_TEXT_LIMIT,
    check_reading_value,
    check_storable,
    document_size,
    storable_text,
)

KEYS = st.text(st.characters(exclude_characters="\0", exclude_categories=("Cs",)), max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats()
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
    | st.datetimes(timezones=st.just(UTC))
)
DOCUMENTS = st.dictionaries(
    KEYS,
    st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4)),
    max_size=6,
)
# Values BSON may refuse: any integer, any text (lone surrogates included).
WILD = st.dictionaries(
    st.text(max_size=4),
    st.recursive(
        st.integers() | st.text(max_size=6) | st.none(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    ),
    max_size=4,
)


def encodable(document: dict[str, object]) -> bool:
    try:
        bson.encode(document)
    except (OverflowError, bson.errors.InvalidDocument, UnicodeEncodeError):
        return False
    return True


class TestDocumentSize:
    @settings(max_examples=300)
    @given(DOCUMENTS)
    def test_the_size_is_exactly_what_bson_encodes(self, document: dict[str, object]) -> None:
        assert document_size(document) == len(bson.encode(document))

    @settings(max_examples=300)
    @given(WILD)
    def test_a_document_is_refused_exactly_when_bson_cannot_encode_it(self, document: dict[str, object]) -> None:
        if "\0" in "".join(str(key) for key in document):
            return
        try:
            check_storable(document, "doc")
        except ValidationError:
            assert not encodable(document)
        else:
            assert encodable(document)


class TestCheckStorable:
    @pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**64, 10**400])
    def test_an_integer_beyond_64_bits_is_refused_naming_its_field(self, value: int) -> None:
        with pytest.raises(ValidationError, match=r"doc: a\.b\[1\]: cannot be stored: an integer of \d+ bits"):
            check_storable({"a": {"b": [0, value]}}, "doc")

    @pytest.mark.parametrize("value", [2**63 - 1, -(2**63)])
    def test_the_64_bit_bounds_are_kept(self, value: int) -> None:
        assert check_storable({"v": value}, "doc") == len(bson.encode({"v": value}))

    def test_a_lone_surrogate_is_refused_in_a_value_and_in_a_field_name(self) -> None:
        with pytest.raises(ValidationError, match=r"note: cannot be stored: not valid UTF-8"):
            check_storable({"note": "ok \ud800"}, "doc")
        with pytest.raises(ValidationError, match=r"cannot be stored: not valid UTF-8"):
            check_storable({"x\udcff": 1}, "doc")

    def test_nesting_deeper_than_the_limit_is_refused(self) -> None:
        deep: dict[str, object] = {}
        node = deep
        for _ in range(200):
            node["n"] = {}
            node = node["n"]  # type: ignore[assignment]
        with pytest.raises(ValidationError, match="nested more than"):
            check_storable(deep, "doc")

    def test_a_document_containing_itself_is_refused_not_a_recursion_error(self) -> None:
        loop: dict[str, object] = {}
        loop["self"] = loop
        with pytest.raises(ValidationError, match="nested more than"):
            check_storable(loop, "doc")

    def test_a_document_over_the_size_limit_is_refused_with_its_size(self) -> None:
        with pytest.raises(ValidationError, match=r"bytes once encoded, the store holds documents up to"):
            check_storable({"blob": "x" * DOCUMENT_LIMIT}, "doc")
        assert check_storable({"blob": "x" * (DOCUMENT_LIMIT - 100)}, "doc") <= DOCUMENT_LIMIT

    def test_a_type_the_store_cannot_hold_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"x: cannot be stored: a set"):
            check_storable({"x": {1, 2}}, "doc")


class TestReadingValues:
    @pytest.mark.parametrize("value", [None, True, 3, 2**40, 1.5, "12.5 K", ""])
    def test_a_storable_value_takes_the_bytes_bson_gives_it(self, value: object) -> None:
        whole = len(bson.encode({"T_MC": value}))
        assert check_reading_value(value, "JSON-CRYO fridge", "T_MC") == whole - 5

    @pytest.mark.parametrize(
        ("value", "why"),
        [
            (2**63, "outside the signed 64-bit integers"),
            (-(2**70), "outside the signed 64-bit integers"),
            ("\udc80", "UTF-8"),
            ("x" * (READING_TEXT_LIMIT + 1), "text"),
        ],
    )
    def test_an_unstorable_value_is_refused_naming_device_and_field(self, value: object, why: str) -> None:
        with pytest.raises(ValidationError, match=why) as caught:
            check_reading_value(value, "JSON-CRYO fridge", "counter")
        assert caught.value.record == "JSON-CRYO fridge" and caught.value.field == "counter"

    def test_storable_text_replaces_surrogates_and_cuts(self) -> None:
        text = storable_text("bad \ud800 byte" + "x" * 100, limit=20)
        text.encode("utf-8")
        assert text.startswith("bad \ufffd byte") and "more characters cut" in text


class TestDaqMessages:
    def test_an_integer_beyond_64_bits_refuses_the_batch_naming_message_and_field(self) -> None:
        batch = [{"topic": "t", "timestamp": 1.0}] * 3 + [{"topic": "t", "timestamp": 1.0, "count": 2**64}]
        with pytest.raises(ValidationError, match=r"DAQ message #3: count: cannot be stored"):
            validate_batch(batch)

    def test_a_lone_surrogate_is_a_validation_error_not_a_crash(self) -> None:
        with pytest.raises(ValidationError, match=r"DAQ message #0: note: cannot be stored: not valid UTF-8"):
            validate_batch([{"topic": "t", "timestamp": 1.0, "note": "\ud83d"}])

    def test_a_huge_integer_timestamp_is_a_validation_error_not_an_overflow(self) -> None:
        with pytest.raises(ValidationError, match="timestamp"):
            validate_batch([{"topic": "t", "timestamp": 10**400}])

    def test_a_message_over_the_document_limit_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"DAQ message #1: cannot be stored: [\d,]+ bytes"):
            validate_batch([{"topic": "t", "timestamp": 1.0}, {"topic": "t", "timestamp": 1.0, "blob": "x" * 2**24}])


class TestProcessingFiles:
    @staticmethod
    def content(**extra: object) -> str:
        return json.dumps({"stream_id": "s1", "timestamp": "2026-11-24T03:00:00Z", "records": [], **extra})

    def test_json_nested_100000_deep_is_refused_not_a_recursion_error(self) -> None:
        with pytest.raises(ValidationError, match=r"processing file deep\.json: is nested too deeply"):
            parse_processing("[" * 100_000 + "]" * 100_000, "deep.json")

    def test_an_integer_beyond_64_bits_is_refused_naming_the_field(self) -> None:
        text = json.dumps({"stream_id": "s1", "timestamp": "2026-11-24T03:00:00Z", "records": [{"n": 2**64}]})
        with pytest.raises(ValidationError, match=r"records\[0\]\.n: cannot be stored"):
            parse_processing(text, "big.json")

    def test_a_result_over_the_document_limit_is_refused(self) -> None:
        with pytest.raises(ValidationError, match=r"cannot be stored: [\d,]+ bytes"):
            parse_processing(self.content(notes="x" * 2**24), "huge.json")

    def test_a_storable_result_still_loads(self) -> None:
        result = parse_processing(self.content(notes="fine"), "ok.json")
        assert result.generated == datetime(2026, 11, 24, 3, tzinfo=UTC) and result.extra == {"notes": "fine"}


class TestErrorTexts:
    def test_an_error_built_from_a_whole_document_stays_short(self) -> None:
        error = ValidationError("x" * 10**6, "y" * 10**6, "z" * 2 * 10**7)
        assert len(str(error)) < 3 * REASON_LIMIT and "more characters cut" in str(error)
        assert error.reason.endswith("more characters cut]")
