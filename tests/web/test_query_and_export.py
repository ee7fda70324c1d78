"""The series query as URLs and Grafana give it, and the bins as JSON, CSV and images."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ricochetdb.adapters.web.plots import Marker, render, segments
from ricochetdb.adapters.web.series import series_csv, series_json
from ricochetdb.application.history import Bin, Gap, History
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.cli_web import parse_listen
from ricochetdb.entrypoints.web.query import parse_instant, series_query

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _history(label: str = "T_MC", unit: str = "K", gap: bool = True) -> History:
    bins = [
        Bin(NOW - timedelta(hours=6 - i), 60, 0.012 + i * 1e-4, 0.011, 0.013 + i * 1e-4, 0.0115, 0.0125)
        for i in range(6)
    ]
    gaps = [Gap(NOW - timedelta(hours=3, minutes=50), NOW - timedelta(hours=3, minutes=10))] if gap else []
    return History("readings", "fridge", label, unit, "1h", NOW - timedelta(hours=6), NOW, bins, gaps)


def test_times_are_iso_epoch_milliseconds_now_or_a_duration_back() -> None:
    assert parse_instant("2026-11-24T02:00:00+01:00", NOW, "start") == datetime(2026, 11, 24, 1, tzinfo=UTC)
    assert parse_instant("1795489200000", NOW, "start") == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    assert parse_instant("1795489200123.0", NOW, "start") == NOW + timedelta(milliseconds=123)
    assert parse_instant("now", NOW, "stop") == NOW
    assert parse_instant("now-7d", NOW, "start") == NOW - timedelta(days=7)


@pytest.mark.parametrize("text", ["2026-11-24T02:00:00", "yesterday", "-7x"])
def test_a_bad_time_is_refused_naming_the_parameter(text: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_instant(text, NOW, "start")
    assert refused.value.record == "start"


def test_a_query_pairs_devices_and_collections_with_labels() -> None:
    query = series_query(
        {"label": ["T_MC", "P1"], "device": ["fridge", "gauge"], "start": ["-6h"], "points": ["500"]}, NOW
    )
    pairs = [(c.label, c.device, c.collection) for c in query.channels]
    assert pairs == [("T_MC", "fridge", None), ("P1", "gauge", None)]
    assert (query.start, query.stop, query.points, query.live) == (NOW - timedelta(hours=6), NOW, 500, True)
    fixed = series_query({"label": ["T_MC"], "start": ["1795489200000"], "stop": ["1795492800000"]}, NOW)
    assert not fixed.live and fixed.stop - fixed.start == timedelta(hours=1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "label"),
        ({"label": ["a", "b"], "device": ["x", "y", "z"]}, "device"),
        ({"label": ["a"], "points": ["0"]}, "points"),
        ({"label": ["a"], "start": ["now"]}, "start"),
    ],
)
def test_a_bad_query_is_refused_naming_the_field(params: dict[str, list[str]], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        series_query(params, NOW)
    assert refused.value.field == field


def test_json_has_the_tier_and_the_bins_of_the_first_series_at_the_top() -> None:
    answer = series_json([_history(), _history("P1", "mbar")])
    assert answer["tier"] == "1h" and len(answer["bins"]) == 6
    assert set(answer["bins"][0]) == {"t", "n", "mean", "min", "max", "first", "last"}
    assert answer["bins"][0]["t"] == "2026-11-23T21:00:00.000Z"
    assert [s["label"] for s in answer["series"]] == ["T_MC", "P1"]


def test_csv_carries_exactly_the_same_bins() -> None:
    rows = list(csv.DictReader(io.StringIO(series_csv([_history()]))))
    assert len(rows) == 6
    assert float(rows[2]["mean"]) == pytest.approx(0.0122) and rows[2]["tier"] == "1h"


def test_a_reported_gap_cuts_the_drawn_line() -> None:
    assert [len(part) for part in segments(_history())] == [3, 3]
    assert [len(part) for part in segments(_history(gap=False))] == [6]


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_the_export_renders_every_format(fmt: str, magic: bytes) -> None:
    image = render(
        [_history(), _history("P1", "mbar")],
        NOW - timedelta(hours=6),
        NOW,
        fmt,
        [Marker(NOW - timedelta(hours=1), "stream s001 start")],
    )
    assert image.startswith(magic)


def test_the_svg_header_says_window_tier_and_utc() -> None:
    text = render([_history()], NOW - timedelta(hours=6), NOW, "svg").decode()
    assert "2026-11-23 21:00:00 to 2026-11-24 03:00:00 UTC" in text and "tier 1h" in text


def test_listen_addresses() -> None:
    assert parse_listen("8080") == ("127.0.0.1", 8080)
    assert parse_listen("0.0.0.0:9000") == ("0.0.0.0", 9000)
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    with pytest.raises(ValidationError):
        parse_listen("localhost:http")


def test_every_panel_of_the_grafana_dashboard_is_a_query_the_api_accepts() -> None:
    dashboard = json.loads((Path(__file__).parents[2] / "docs" / "grafana-dashboard.json").read_text())
    grafana = {"${__from}": "1795485600000", "${__to}": "1795489200000", "${device}": "fridge"}
    series_panels = 0
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            if not target["url"].endswith("/api/v1/series"):
                continue
            params: dict[str, list[str]] = {}
            for param in target["url_options"]["params"]:
                params.setdefault(param["key"], []).append(grafana.get(param["value"], param["value"]))
            query = series_query(params, NOW)
            assert (query.start, query.stop) == (NOW - timedelta(hours=1), NOW)
            assert target["root_selector"] == "bins" and target["columns"][0]["selector"] == "t"
            series_panels += 1
    assert series_panels == 2
