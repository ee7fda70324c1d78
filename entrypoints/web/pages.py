"""The server-rendered pages: status, plots, runs, streams and one stream with its slow-control summary."""

from __future__ import annotations

import contextlib
import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from ricochetdb.adapters.uris import redact
from ricochetdb.adapters.web.assets import TEMPLATES, chart_library_version
from ricochetdb.adapters.web.records import SUMMARY_FIELDS, stream_json, summary_of, window_of
from ricochetdb.adapters.web.series import iso, plain
from ricochetdb.adapters.web.status import status_json
from ricochetdb.domain.errors import RicochetError
from ricochetdb.entrypoints.web.api_routes import alarm_json, context, query_params
from ricochetdb.entrypoints.web.context import WebContext
from ricochetdb.entrypoints.web.query import series_query

WINDOWS = [
    ("-10m", "last 10 minutes"),
    ("-1h", "last hour"),
    ("-6h", "last 6 hours"),
    ("-1d", "last day"),
    ("-7d", "last week"),
    ("-30d", "last 30 days"),
    ("-1y", "last year"),
    ("-5y", "last 5 years"),
    ("", "as in the URL"),
]


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        value = iso(value)
    return "" if not value else str(value).replace("T", " ").removesuffix("Z")[:19]


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"


def _num(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else ""


def templates() -> Jinja2Templates:
    """Our templates, autoescaped (Starlette's default), with the filters the pages use."""
    chosen = Jinja2Templates(directory=str(TEMPLATES))
    chosen.env.filters.update(when=_when, age=_age, num=_num)
    return chosen


def plot_link(labels: list[tuple[str, str, str]], start: datetime | None, stop: datetime | None) -> str:
    """A /plot URL with the query parameters of /api/v1/series; no stop means a live view."""
    params: list[tuple[str, str]] = []
    for collection, device, label in labels:
        params += [("label", label), ("device", device), ("collection", collection)]
    if start is not None:
        params.append(("start", iso(start) or ""))
    if stop is not None:
        params.append(("stop", iso(stop) or ""))
    return "/plot?" + urlencode(params)


def _render(request: Request, name: str, page: str, title: str, **values: Any) -> Response:
    ctx = context(request)
    env: Jinja2Templates = request.app.state.templates
    database = redact(ctx.api.describe())
    library = f"/vendor/plotly-{chart_library_version()}.min.js"
    values = {"page": page, "title": title, "database": database, "chart_library": library, **values}
    return env.TemplateResponse(request, name, values)


def status_page(request: Request) -> Response:
    ctx = context(request)
    status = status_json(ctx.live, ctx.now())
    alarms = None if ctx.alarms is None else [alarm_json(alarm) for alarm in ctx.alarms.states()]
    return _render(request, "status.html", "status", "Status", status=status, rows=status["devices"], alarms=alarms)


def plot_page(request: Request) -> Response:
    ctx = context(request)
    chosen = set()
    with contextlib.suppress(RicochetError):
        chosen = {(c.label, c.device) for c in series_query(query_params(request), ctx.now()).channels}
    channels = [
        {**channel.__dict__, "selected": {(channel.label, channel.device), (channel.label, None)} & chosen}
        for channel in ctx.live.channels()
    ]
    return _render(
        request,
        "plot.html",
        "plot",
        "Plots",
        channels=channels,
        windows=WINDOWS,
        interval=ctx.live.interval,
        points=request.query_params.get("points", "2000"),
    )


def runs_page(request: Request) -> Response:
    ctx = context(request)
    now, rows = ctx.now(), []
    for run in ctx.api.runs.list():
        window = window_of(run, now)
        rows.append(
            {
                "name": run.name,
                "detectors": ", ".join(run.detector_names),
                "start": run.start_date,
                "stop": run.stop_date,
                "running": run.running,
                "description": run.description,
                "plot": None if window is None else plot_link(_channels(ctx), window[0], run.stop_date),
            }
        )
    return _render(request, "runs.html", "runs", "Runs", runs=rows)


def _channels(ctx: WebContext, limit: int = 4) -> list[tuple[str, str, str]]:
    return [(c.collection, c.device, c.label) for c in ctx.live.channels() if isinstance(c.value, (int, float))][:limit]


def streams_page(request: Request) -> Response:
    rows = [
        {
            "name": s.name,
            "status": s.status,
            "start": s.start_date,
            "stop": s.stop_date,
            "running": s.running,
            "comment": s.comment,
            "summarised": summary_of(s) is not None,
        }
        for s in context(request).api.streams.list()
    ]
    return _render(request, "streams.html", "streams", "Streams", streams=rows)


def stream_page(request: Request) -> Response:
    ctx = context(request)
    stream = ctx.api.streams.get(request.path_params["name"])
    stored = summary_of(stream)
    window = window_of(stream, ctx.now())
    entries = (
        stored
        if stored is not None
        else [{"collection": c.collection, "device": c.device, "label": c.label} for c in ctx.live.channels()]
    )
    rows = []
    for entry in entries:
        row = {name: entry.get(name) for name in SUMMARY_FIELDS}
        key = [(str(row["collection"] or ""), str(row["device"] or ""), str(row["label"] or ""))]
        row["plot"] = plot_link(key, window[0], stream.stop_date) if window else plot_link(key, None, None)
        rows.append(row)
    doc = stream_json(stream)
    config = json.dumps(plain({"acq_config": stream.acq_config, "channel_config": stream.channel_config}), indent=2)
    return _render(
        request,
        "stream.html",
        "stream",
        f"Stream {stream.name}",
        stream=doc,
        summary=rows,
        summary_stored=stored is not None,
        config=config,
    )


def error_page(request: Request, status: int, message: str) -> Response:
    env: Jinja2Templates = request.app.state.templates
    values = {"page": "", "title": f"Error {status}", "message": message, "database": ""}
    response: HTMLResponse = env.TemplateResponse(request, "error.html", values, status_code=status)
    return response


ROUTES = [
    Route("/", status_page),
    Route("/plot", plot_page),
    Route("/runs", runs_page),
    Route("/streams", streams_page),
    Route("/streams/{name}", stream_page),
]
