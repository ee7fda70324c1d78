"""The JSON API checked against the stores it reads, and the rules of the service: read-only, no secret."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient
from web_site import TOKEN, Site

from ricochetdb.adapters.web.assets import chart_library
from ricochetdb.adapters.web.live import LiveState
from ricochetdb.adapters.web.series import iso
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.web.app import create_app
from ricochetdb.entrypoints.web.context import WebContext
from ricochetdb.entrypoints.web.watch import StoreWatcher

PAGES = ["/", "/plot", "/plot?label=T_MC&device=fridge&start=-6h", "/runs", "/streams", "/streams/s001"]


def test_latest_and_devices_answer_what_the_store_holds(site: Site) -> None:
    stored = {(r.device, r.label): r for r in site.api.readings.latest()}
    answer = site.client.get("/api/v1/latest").json()
    assert {(c["device"], c["label"]): c["value"] for c in answer} == {k: r.value for k, r in stored.items()}
    assert {c["timestamp"] for c in answer} == {iso(r.timestamp) for r in stored.values()}
    devices = {d["device"]: d for d in site.client.get("/api/v1/devices").json()}
    assert set(devices) == {"fridge", "gauge"} and devices["gauge"]["device_type"] == "CPX200"


def test_runs_and_streams_answer_what_the_books_hold(site: Site) -> None:
    (run,) = site.client.get("/api/v1/runs").json()
    assert run["name"] == "run01" and run["running"] and run["start_date"] == iso(site.api.runs.get("run01").start_date)
    (stream,) = site.client.get("/api/v1/streams").json()
    assert stream["stop_date"] == iso(site.api.streams.get("s001").stop_date) and not stream["running"]
    one = site.client.get("/api/v1/streams/s001").json()
    assert one["name"] == "s001" and "summary" in one
    missing = site.client.get("/api/v1/streams/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]


def test_series_is_the_history_of_the_store_and_agrees_with_the_raw_readings(site: Site) -> None:
    params = {"label": "T_MC", "device": "fridge", "start": iso(site.start), "stop": iso(site.stop), "points": "50"}
    answer = site.client.get("/api/v1/series", params=params).json()
    direct = site.api.readings.history("T_MC", device="fridge", start=site.start, stop=site.stop, points=50)
    assert answer["tier"] == direct.tier and len(answer["bins"]) == len(direct.bins) <= 50
    assert [b["mean"] for b in answer["bins"]] == [b.mean for b in direct.bins]
    raw = [r.numeric for r in site.api.readings.find("fridge", "T_MC", site.start, site.stop)]
    assert sum(b["n"] for b in answer["bins"]) == len(raw)
    assert min(b["min"] for b in answer["bins"]) == min(v for v in raw if v is not None)
    assert max(b["max"] for b in answer["bins"]) == max(v for v in raw if v is not None)
    assert answer["gaps"], "the 40 minutes without T_MC are reported"


def test_epoch_milliseconds_give_the_same_series_as_iso_dates(site: Site) -> None:
    base = {"label": "P1", "device": "gauge", "points": "100"}
    by_iso = site.client.get("/api/v1/series", params={**base, "start": iso(site.start), "stop": iso(site.stop)})
    millis = {"start": str(int(site.start.timestamp() * 1000)), "stop": str(int(site.stop.timestamp() * 1000))}
    by_ms = site.client.get("/api/v1/series", params={**base, **millis})
    assert by_ms.status_code == 200 and by_ms.json()["bins"] == by_iso.json()["bins"]


def test_csv_holds_the_same_bins_as_json(site: Site) -> None:
    params = [
        ("label", "T_MC"),
        ("label", "P1"),
        ("device", "fridge"),
        ("device", "gauge"),
        ("points", "80"),
        ("start", iso(site.start) or ""),
        ("stop", iso(site.stop) or ""),
    ]
    answer = site.client.get("/api/v1/series", params=params).json()
    rows = list(csv.DictReader(io.StringIO(site.client.get("/api/v1/series.csv", params=params).text)))
    assert len(rows) == sum(len(s["bins"]) for s in answer["series"])
    assert [r["t"] for r in rows if r["label"] == "P1"] == [b["t"] for b in answer["series"][1]["bins"]]


def test_the_plot_export_is_an_image(site: Site) -> None:
    for fmt, kind in (("png", "image/png"), ("svg", "image/svg+xml")):
        answer = site.client.get(f"/plot.{fmt}", params={"label": "T_MC", "device": "fridge", "start": "-6h"})
        assert answer.status_code == 200 and answer.headers["content-type"] == kind


def test_a_bad_query_is_a_400_naming_the_field(site: Site) -> None:
    answer = site.client.get("/api/v1/series", params={"label": "T_MC", "start": "yesterday"})
    assert answer.status_code == 400 and "start" in answer.json()["error"]


def test_metrics_parse_with_prometheus_client(site: Site) -> None:
    text = site.client.get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    values = {(s.labels["device"], s.labels["label"]): s.value for s in families["ricochetdb_reading_value"].samples}
    assert values[("gauge", "P1")] == site.api.readings.latest("gauge")[0].value


def test_every_page_renders_and_loads_nothing_from_outside(site: Site) -> None:
    for page in PAGES:
        answer = site.client.get(page)
        assert answer.status_code == 200, page
        assert "default-src 'self'" in answer.headers["content-security-policy"]
        for link in re.findall(r'(?:src|href)="([^"]*)"', answer.text):
            assert link.startswith(("/", "#")) and not link.startswith("//"), f"{page} links {link}"


def test_the_chart_library_comes_from_the_installed_package(site: Site) -> None:
    page = site.client.get("/plot").text
    (library,) = re.findall(r'src="(/vendor/plotly-[^"]+)"', page)
    script = site.client.get(library)
    assert script.status_code == 200 and b"plotly.js" in script.content[:200]
    installed = chart_library().read_bytes()
    compressed = site.client.get(library, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip" and compressed.content == installed
    assert int(compressed.headers["content-length"]) < len(installed) / 2
    plain = site.client.get(library, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == installed


def test_pages_other_than_plots_prefetch_the_chart_library(site: Site) -> None:
    library = site.client.get("/plot").text.split('<script src="/vendor/', 1)[1].split('"', 1)[0]
    for page in ("/", "/runs", "/streams"):
        assert f'<link rel="prefetch" href="/vendor/{library}">' in site.client.get(page).text, page


def test_acknowledging_needs_the_token_and_no_page_shows_it(site: Site) -> None:
    assert site.client.post("/api/v1/alarms/warm/ack").status_code == 401
    assert site.client.post("/api/v1/alarms/warm/ack", headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = site.client.post("/api/v1/alarms/warm/ack", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 404, "the token is right, but no alarm engine runs here"
    for page in [*PAGES, "/api/v1/status", "/api/v1/alarms", "/metrics"]:
        assert TOKEN not in site.client.get(page).text
    for method in ("post", "put", "delete"):
        assert getattr(site.client, method)("/api/v1/runs").status_code == 405


def test_no_page_or_answer_shows_the_database_password(tmp_path: Path) -> None:
    uri = "mongodb://ricochet:s3cret-pass@127.0.0.1:9/slowcontrol"
    api = connect(uri, timeout_ms=200, spool=str(tmp_path / "spool.sqlite"))
    live = LiveState(10.0)
    ctx = WebContext(api, live, ["readings"])
    StoreWatcher(api, live, ["readings"], 10.0, readings=True, stop=ctx.stopping).refresh()
    with TestClient(create_app(ctx)) as client:
        status = client.get("/api/v1/status").json()
        assert status["database"]["reachable"] is False and "ricochet:***@" in status["database"]["uri"]
        for page in [*PAGES, "/api/v1/status", "/api/v1/runs", "/metrics", "/api/v1/series?label=T"]:
            assert "s3cret-pass" not in client.get(page).text, page
    api.close()
    assert not os.environ.get("RICOCHETDB_TEST_LEAK")
