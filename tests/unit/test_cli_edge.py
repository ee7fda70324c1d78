"""Parsing at the command line's edge and what its tables print."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.edge import parse_datetime, parse_duration, parse_since, read_json
from ricochetdb.entrypoints.output import MARK, cell, table, utc_text

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


class TestSince:
    @pytest.mark.parametrize(
        ("text", "back"),
        [
            ("90m", timedelta(minutes=90)),
            ("6h", timedelta(hours=6)),
            ("2d", timedelta(days=2)),
            ("1w", timedelta(weeks=1)),
            ("30s", timedelta(seconds=30)),
            ("6 hours", timedelta(hours=6)),
            ("1 hour", timedelta(hours=1)),
            ("10 mins", timedelta(minutes=10)),
            ("2.5 days", timedelta(days=2.5)),
            ("3 HRS", timedelta(hours=3)),
        ],
    )
    def test_durations_count_back_from_now(self, text: str, back: timedelta) -> None:
        assert parse_since(text, lambda: NOW) == NOW - back

    def test_all_and_iso_dates(self) -> None:
        assert parse_since("all", lambda: NOW) is None
        assert parse_since("2026-11-24T04:00:00+01:00", lambda: NOW) == NOW

    @pytest.mark.parametrize(
        "text", ["yesterday", "5 ms", "6 lightyears", "", "99999999999d", "1e400h", "2026-11-24T03:00"]
    )
    def test_anything_else_is_refused_naming_the_accepted_forms(self, text: str) -> None:
        with pytest.raises(ValidationError) as caught:
            parse_since(text, lambda: NOW)
        assert caught.value.record == "--since"
        assert "90m, 6h, 2d" in str(caught.value) or "before the year 1" in str(caught.value)

    def test_not_a_duration_is_none(self) -> None:
        assert parse_duration("soon") is None


class TestDates:
    @pytest.mark.parametrize("text", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
    def test_a_date_that_leaves_the_calendar_in_utc_is_refused(self, text: str) -> None:
        with pytest.raises(ValidationError, match=r"outside the years 1\.\.9999"):
            parse_datetime(text, "--at")

    def test_dates_come_back_in_utc(self) -> None:
        moment = parse_datetime("0001-01-01T01:30:00+01:00", "--at")
        assert moment == datetime(1, 1, 1, 0, 30, tzinfo=UTC) and moment.tzinfo is UTC


class TestJson:
    def test_text_files_and_their_refusals(self, tmp_path: Path) -> None:
        assert read_json('{"a": [1, {"b": "é"}]}', "x") == {"a": [1, {"b": "é"}]}
        latin1 = tmp_path / "latin1.json"
        latin1.write_bytes(b'{"a": "\xe9"}')
        with pytest.raises(ValidationError, match="is not UTF-8 text"):
            read_json(str(latin1), "detector")

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
            ("[" * 70 + "]" * 70, "nested too deeply"),
            ('{"a": "\\ud800"}', "a: holds a lone surrogate"),
            ('{"\\udc80": 1}', "lone surrogate"),
            ("{not json", "not valid JSON"),
        ],
    )
    def test_hostile_documents_are_refused_naming_where(self, text: str, message: str) -> None:
        with pytest.raises(ValidationError, match=message):
            read_json(text, "DAQ batch")


class TestTables:
    def test_one_date_format_and_a_marker_on_wide_cells(self) -> None:
        assert (
            utc_text(datetime(2026, 11, 24, 4, 0, 0, 999999, tzinfo=timezone(timedelta(hours=1))))
            == "2026-11-24T03:00:00Z"
        )
        assert cell({"when": NOW}) == '{"when": "2026-11-24T03:00:00Z"}'
        wide = cell(list(range(100)))
        assert len(wide) == 60 and wide.endswith(MARK)
        out = io.StringIO()
        table([{"a": "x" * 100}], ["a"], out)
        assert out.getvalue().endswith("--json prints every field whole)\n")
