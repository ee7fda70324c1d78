"""Serving the app with uvicorn in a thread, so the poller (or the CLI's main thread) keeps the signals."""

from __future__ import annotations

import logging
import threading

import uvicorn
from starlette.applications import Starlette

from ricochetdb.domain.errors import ValidationError

logger = logging.getLogger(__name__)


class WebServer:
    """A running uvicorn; ``url`` once started, ``stop()`` or the stop event ends it."""

    def __init__(self, app: Starlette, host: str, port: int, stop: threading.Event) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=2,
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.host = host
        self.stop_event = stop
        self.thread = threading.Thread(target=self._serve, name="web", daemon=True)
        self.failed: BaseException | None = None

    def _serve(self) -> None:
        try:
            self.server.run()
        except BaseException as error:  # uvicorn exits with SystemExit when it cannot bind
            self.failed = error
        finally:
            self.stop_event.set()

    def _watch(self) -> None:
        self.stop_event.wait()
        self.server.should_exit = True

    def start(self, timeout: float = 30.0) -> WebServer:
        """Start and wait until it listens; a port in use is a refused input naming it."""
        self.thread.start()
        threading.Thread(target=self._watch, name="web-stop", daemon=True).start()
        while not self.server.started and self.thread.is_alive():
            self.thread.join(0.05)
            timeout -= 0.05
            if timeout <= 0:
                break
        if not self.server.started:
            self.stop()
            raise ValidationError("web service", f"{self.host}:{self.server.config.port}", "could not listen there")
        return self

    @property
    def port(self) -> int:
        sockets = self.server.servers[0].sockets
        port: int = sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        self.stop_event.set()
        self.server.should_exit = True
        self.thread.join(10)


def run_web(app: Starlette, host: str, port: int, stop: threading.Event) -> WebServer:
    """Serve ``app`` on ``host:port`` (port 0: a free one) until ``stop`` is set; returns once listening."""
    return WebServer(app, host, port, stop).start()
