"""``/api/v1/...``, ``/metrics`` and the plot export: JSON, CSV, Prometheus text and images.

Handlers are plain functions: Starlette runs them in its thread pool, so a slow database never
blocks the event loop that serves the live pages.
"""

from __future__ import annotations

import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ricochetdb.adapters.web import plots
from ricochetdb.adapters.web.metrics import CONTENT_TYPE, exposition
from ricochetdb.adapters.web.records import run_json, stream_json
from ricochetdb.adapters.web.series import plain, series_csv, series_json
from ricochetdb.adapters.web.status import channel_json, device_rows, status_json
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.web.context import WebContext
from ricochetdb.entrypoints.web.query import series_query


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.web
    return ctx


def query_params(request: Request) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return params


def status(request: Request) -> JSONResponse:
    ctx = context(request)
    return JSONResponse(status_json(ctx.live, ctx.now()))


def latest(request: Request) -> JSONResponse:
    ctx = context(request)
    now = ctx.now()
    return JSONResponse([channel_json(channel, now) for channel in ctx.live.channels()])


def devices(request: Request) -> JSONResponse:
    ctx = context(request)
    return JSONResponse([row.to_json() for row in device_rows(ctx.live, ctx.now())])


def runs(request: Request) -> JSONResponse:
    return JSONResponse([run_json(run) for run in context(request).api.runs.list()])


def streams(request: Request) -> JSONResponse:
    return JSONResponse([stream_json(stream) for stream in context(request).api.streams.list()])


def stream(request: Request) -> JSONResponse:
    found = context(request).api.streams.get(request.path_params["name"])
    return JSONResponse(stream_json(found, with_summary=True))


def series(request: Request) -> JSONResponse:
    ctx = context(request)
    query = series_query(query_params(request), ctx.now())
    return JSONResponse(series_json(ctx.histories(query)))


def series_as_csv(request: Request) -> Response:
    ctx = context(request)
    query = series_query(query_params(request), ctx.now())
    return Response(series_csv(ctx.histories(query)), media_type="text/csv; charset=utf-8")


def plot_image(request: Request) -> Response:
    ctx = context(request)
    fmt = request.path_params["fmt"]
    if fmt not in plots.FORMATS:
        raise ValidationError("plot", fmt, f"use one of {', '.join(plots.FORMATS)}")
    query = series_query(query_params(request), ctx.now())
    image = plots.render(ctx.histories(query), query.start, query.stop, fmt, ctx.markers(query.start, query.stop))
    return Response(image, media_type=plots.FORMATS[fmt])


def metrics(request: Request) -> Response:
    return Response(exposition(request.app.state.metrics), media_type=CONTENT_TYPE)


def alarm_json(alarm: Any) -> dict[str, Any]:
    names = ("name", "state", "severity", "label", "device", "value", "threshold", "since", "acknowledged")
    return {name: plain(getattr(alarm, name)) for name in names if hasattr(alarm, name)}


def alarms(request: Request) -> JSONResponse:
    engine = context(request).alarms
    return JSONResponse([] if engine is None else [alarm_json(alarm) for alarm in engine.states()])


def acknowledge(request: Request) -> JSONResponse:
    """The one action that changes something: needs ``Authorization: Bearer <token from --token-file>``."""
    ctx = context(request)
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if ctx.token is None:
        return JSONResponse({"error": "actions are disabled: the service was started without --token-file"}, 403)
    if not hmac.compare_digest(given.encode(), ctx.token.encode()):
        return JSONResponse({"error": "a valid token is required (Authorization: Bearer ...)"}, 401)
    if ctx.alarms is None:
        return JSONResponse({"error": "no alarm engine runs in this service"}, 404)
    name = request.path_params["name"]
    ctx.alarms.acknowledge(name, f"web@{request.client.host if request.client else 'unknown'}", token_checked=True)
    return JSONResponse({"acknowledged": name})


ROUTES = [
    Route("/api/v1/status", status),
    Route("/api/v1/latest", latest),
    Route("/api/v1/devices", devices),
    Route("/api/v1/runs", runs),
    Route("/api/v1/streams", streams),
    Route("/api/v1/streams/{name}", stream),
    Route("/api/v1/series", series),
    Route("/api/v1/series.csv", series_as_csv),
    Route("/api/v1/alarms", alarms),
    Route("/api/v1/alarms/{name}/ack", acknowledge, methods=["POST"]),
    Route("/plot.{fmt}", plot_image),
    Route("/metrics", metrics),
]
