"""Real receivers on 127.0.0.1 for the alarm tests and bench: a webhook (HTTP), a mail server (aiosmtpd),
and a controllable JSON-CRYO device whose values the test sets."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from ricochetdb.adapters.emulators.cryoconcept_json import CryoConceptJsonEmulator


class WebhookReceiver:
    """Collects every JSON body POSTed to it; answers ``status`` (200 unless a test wants a failure)."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.arrivals: list[float] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.changed:
                    if receiver.status < 300:
                        receiver.received.append(json.loads(body))
                        receiver.arrivals.append(time.monotonic())
                    receiver.changed.notify_all()
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/alarms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0) -> bool:
        """Wait (generously) until the bodies received satisfy ``predicate``."""
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self.received), timeout)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class MailReceiver:
    """An SMTP server (aiosmtpd) on 127.0.0.1 keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.changed = threading.Condition()
        receiver = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with receiver.changed:
                    receiver.messages.append(message_from_bytes(envelope.content))
                    receiver.changed.notify_all()
                return "250 Message accepted"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def wait_for(self, count: int, timeout: float = 30.0) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: len(self.messages) >= count, timeout)

    def __enter__(self) -> MailReceiver:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


class ControllableCryostat(CryoConceptJsonEmulator):
    """A JSON-CRYO device over real HTTP whose values are whatever the test last set."""

    def __init__(self, **values: Any) -> None:
        super().__init__()
        self.values: dict[str, Any] = dict(values)

    def set(self, **values: Any) -> None:
        self.values.update(values)

    def document(self) -> dict[str, Any]:
        return dict(self.values)
