"""The Starlette app factory: pages, API, live events, static files and the chart library, /metrics.

Read-only but for acknowledging an alarm (with the token). Every answer carries a Content-Security-Policy
that lets a page load nothing but this service's own files.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from typing import ClassVar

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ricochetdb.adapters.uris import redact
from ricochetdb.adapters.web.assets import STATIC, chart_library, chart_library_gzipped, chart_library_version
from ricochetdb.adapters.web.metrics import metrics_registry
from ricochetdb.adapters.web.status import status_json
from ricochetdb.domain.errors import RecordNotFound, RicochetError, StoreUnavailable
from ricochetdb.entrypoints.web import api_routes, pages
from ricochetdb.entrypoints.web.context import WebContext

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEARTBEAT_S = 15.0


def _status_event(request: Request) -> str:
    ctx = api_routes.context(request)
    status = status_json(ctx.live, ctx.now())
    env = request.app.state.templates.env
    rows = env.get_template("_devices.html").render(rows=status["devices"])
    store = env.get_template("_store.html").render(status=status)
    return json.dumps({**status, "rows_html": rows, "store_html": store})


async def events(request: Request) -> StreamingResponse:
    """Server-sent events: ``status`` after every change, and at least once per poll interval (ages move)."""
    ctx = api_routes.context(request)
    period = max(0.5, min(ctx.live.interval, 5.0))

    async def stream() -> AsyncIterator[str]:
        seen, sent = -1, 0.0
        yield f"retry: {int(period * 1000)}\n\n"
        while not ctx.stopping.is_set():
            clock = time.monotonic()
            if ctx.live.version != seen or clock - sent >= period:
                seen, sent = ctx.live.version, clock
                yield f"event: status\ndata: {await run_in_threadpool(_status_event, request)}\n\n"
            elif clock - sent >= HEARTBEAT_S:
                yield ": still here\n\n"
            await asyncio.sleep(0.25)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


async def vendor(request: Request) -> Response:
    """The chart library; its URL names the package version, so a browser may keep it for a day."""
    if request.path_params["version"] != chart_library_version():
        return JSONResponse({"error": "no such version of the chart library here"}, 404)
    headers = {"Cache-Control": "max-age=86400", "Vary": "Accept-Encoding"}
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = await run_in_threadpool(chart_library_gzipped)
        return Response(body, media_type="text/javascript", headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(chart_library(), media_type="text/javascript", headers=headers)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path.startswith("/plot.")


async def _error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        status, message = exc.status_code, str(exc.detail)
    else:
        status = 404 if isinstance(exc, RecordNotFound) else 503 if isinstance(exc, StoreUnavailable) else 400
        message = redact(str(exc))
    if _wants_json(request):
        return JSONResponse({"error": message}, status)
    return pages.error_page(request, status, message)


class SecurityHeaders:
    """ASGI middleware adding the policy headers to every answer (streams included, unbuffered)."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, with_headers)


def create_app(ctx: WebContext, alarms_in_metrics: bool = True) -> Starlette:
    """The web service on ``ctx``: serve it with ``run_web`` (uvicorn) or any ASGI server."""
    routes = [
        *pages.ROUTES,
        *api_routes.ROUTES,
        Route("/events", events),
        Route("/vendor/plotly-{version}.min.js", vendor),
        Mount("/static", StaticFiles(directory=str(STATIC), follow_symlink=True), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={RicochetError: _error, HTTPException: _error})
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(SecurityHeaders)
    app.state.web = ctx
    app.state.templates = pages.templates()
    app.state.metrics = metrics_registry(ctx.live, ctx.now, ctx.alarms if alarms_in_metrics else None)
    # compressed while the service starts, not while the first plot page waits for it
    threading.Thread(target=chart_library_gzipped, name="compress chart library", daemon=True).start()
    return app
