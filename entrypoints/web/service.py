"""The web service assembled: live state, store watcher, app and server, in one call.

``ricochetdb serve`` uses it apart from the poller (the watcher reads the latest readings from the
store); ``poll --serve`` uses it beside the poller (register ``service.live.on_cycle`` as a cycle
observer: live values and metrics then come from memory).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette

from ricochetdb.adapters.web.live import LiveState
from ricochetdb.application.polling import device_identity
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.api import Ricochet
from ricochetdb.entrypoints.devices_config import PollConfig
from ricochetdb.entrypoints.web.app import create_app
from ricochetdb.entrypoints.web.context import AlarmEngine, WebContext
from ricochetdb.entrypoints.web.server import WebServer, run_web
from ricochetdb.entrypoints.web.watch import StoreWatcher

DEFAULT_PORT = 8080  # also the default of ricochetdb serve


@dataclass
class WebService:
    """What runs: ``live`` to feed, ``url`` to open, ``stop()`` to end it."""

    live: LiveState
    app: Starlette
    watcher: StoreWatcher
    server: WebServer
    stopping: threading.Event

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.stopping.set()
        self.server.stop()


def configured_devices(config: PollConfig | None) -> tuple[dict[str, str], dict[str, str]]:
    """Device identity -> type and identity -> collection of the configured devices."""
    if config is None:
        return {}, {}
    named = [(device_identity(entry.type, entry.address, entry.name), entry) for entry in config.devices]
    return {name: entry.type for name, entry in named}, {name: entry.collection for name, entry in named}


def read_token(path: str | None) -> str | None:
    """The action token from a file only its owner can read; None without a file (actions disabled)."""
    if path is None:
        return None
    file = Path(path)
    try:
        mode, token = file.stat().st_mode, file.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ValidationError("token file", path, f"cannot be read: {error.strerror}") from None
    if mode & 0o077:
        raise ValidationError("token file", path, f"is readable by others (mode {mode & 0o777:o}): chmod 600 it")
    if len(token) < 16:
        raise ValidationError("token file", path, "holds a token shorter than 16 characters")
    return token


def start_web_service(
    api: Ricochet,
    host: str,
    port: int,
    config: PollConfig | None = None,
    *,
    interval: float | None = None,
    readings_from_store: bool = True,
    alarms: AlarmEngine | None = None,
    token: str | None = None,
    stop: threading.Event | None = None,
) -> WebService:
    """Build and start the service; it runs until ``stop`` is set (or ``WebService.stop()``)."""
    stopping = stop or threading.Event()
    types, collections = configured_devices(config)
    default = config.collection if config else api.collections["readings"]
    every = interval or (config.interval if config else 10.0)
    names = list(dict.fromkeys([default, *collections.values()]))
    live = LiveState(every, default, collections, types)
    ctx = WebContext(api, live, names, alarms, token, stopping=stopping)
    app = create_app(ctx)
    watcher = StoreWatcher(api, live, names, every, readings_from_store, stopping)
    watcher.refresh()
    watcher.start()
    server = run_web(app, host, port, stopping)
    return WebService(live, app, watcher, server, stopping)
