"""What every emulator shares: threaded TCP/UDP/HTTP servers on 127.0.0.1, drift, fault modes.

A subclass supplies only its protocol: ``respond(request) -> reply`` (TCP, UDP) or
``page(path) -> (content type, body)`` (HTTP). The fault mode can be switched while
the emulator runs: ``none``, ``silent`` (never answers), ``slow`` (answers after
``slow_delay`` seconds), ``garbage`` (random bytes), ``truncated`` (half a reply on TCP and
HTTP; on UDP, where a datagram arrives whole or not at all, no reply).
"""

from __future__ import annotations

import abc
import functools
import logging
import math
import random
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypedDict

logger = logging.getLogger(__name__)

FAULTS = ("none", "silent", "slow", "garbage", "truncated")
POLL_INTERVAL = 0.05
BACKLOG = 128  # many readers may share one emulator (benches): socketserver's default of 5 drops connections


def drift(base: float, amplitude: float, period: float, now: float, noise: float = 0.0) -> float:
    """A plausible slowly varying value: a sine of ``period`` seconds plus a little noise."""
    value = base + amplitude * math.sin(2 * math.pi * now / period)
    return value + random.gauss(0.0, noise) if noise else value


def _closer(server: socketserver.BaseServer) -> Callable[[], None]:
    def close() -> None:
        server.shutdown()
        server.server_close()

    return close


class EmulatorOptions(TypedDict, total=False):
    """What every emulator takes: where it listens, how it misbehaves, which clock drives its values."""

    host: str
    port: int
    fault: str
    slow_delay: float
    clock: Callable[[], float]


class Emulator(abc.ABC):
    """Lifecycle and faults; ``start()`` binds (port 0 = a free port) and serves in a thread."""

    device_type: str = ""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        fault: str = "none",
        slow_delay: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if fault not in FAULTS:
            raise ValueError(f"fault must be one of {', '.join(FAULTS)}, not {fault!r}")
        self.host = host
        self.port = port
        self.fault = fault
        self.slow_delay = slow_delay
        self.clock = clock
        self.requests = 0
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def faulty(self, reply: bytes) -> bytes | None:
        """The reply as the current fault mode distorts it (None: say nothing)."""
        self.requests += 1
        if self.fault == "silent":
            return None
        if self.fault == "slow":
            time.sleep(self.slow_delay)
        elif self.fault == "garbage":
            return bytes(random.getrandbits(8) for _ in range(max(1, len(reply))))
        elif self.fault == "truncated":
            return reply[: len(reply) // 2]
        return reply

    @abc.abstractmethod
    def device_options(self) -> dict[str, Any]:
        """The reader options that poll this emulator (port, path, mode...)."""

    @abc.abstractmethod
    def _serve(self) -> tuple[Callable[[], None], Callable[[], None]]:
        """Bind, set ``self.port``, and return (serve_forever, shutdown)."""

    def start(self) -> Emulator:
        serve, self._shutdown = self._serve()
        self._thread = threading.Thread(target=serve, name=f"{type(self).__name__}:{self.port}", daemon=True)
        self._thread.start()
        logger.info("%s emulator listening on %s (fault=%s)", self.device_type, self.address, self.fault)
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._shutdown()
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class TcpEmulator(Emulator):
    """A TCP server; ``split`` cuts one request off the buffer, ``respond`` answers it."""

    def split(self, buffer: bytes) -> tuple[bytes, bytes] | None:
        """Default framing: one request per LF- or CR-terminated line."""
        for end in (b"\n", b"\r"):
            index = buffer.find(end)
            if index >= 0:
                return buffer[:index].strip(b"\r\n"), buffer[index + 1 :]
        return None

    @abc.abstractmethod
    def respond(self, request: bytes) -> bytes | None:
        """The reply to one request (None: the protocol says nothing)."""

    def _serve(self) -> tuple[Callable[[], None], Callable[[], None]]:
        emulator = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                buffer = b""
                while True:
                    try:
                        chunk = self.request.recv(4096)
                    except OSError:
                        return
                    if not chunk:
                        return
                    buffer += chunk
                    while (cut := emulator.split(buffer)) is not None:
                        request, buffer = cut
                        reply = emulator.respond(request)
                        if reply is None:
                            continue
                        out = emulator.faulty(reply)
                        if out:
                            try:
                                self.request.sendall(out)
                            except OSError:
                                return

        server = socketserver.ThreadingTCPServer((self.host, self.port), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.allow_reuse_address = True
        server.request_queue_size = BACKLOG
        server.server_bind()
        server.server_activate()
        self.port = server.server_address[1]
        return functools.partial(server.serve_forever, poll_interval=POLL_INTERVAL), _closer(server)


class UdpEmulator(Emulator):
    """A UDP server; ``reply_to`` chooses where the answer goes (default: back to the sender).

    ``truncated`` is what UDP can really do to a reply: a datagram arrives whole or not at all
    (a damaged one fails its checksum and is dropped), so a cut reply is a lost reply.
    """

    @abc.abstractmethod
    def respond(self, request: bytes) -> bytes | None: ...

    def faulty(self, reply: bytes) -> bytes | None:
        """As for every emulator, except that a truncated datagram never arrives."""
        if self.fault == "truncated":
            self.requests += 1
            return None
        return super().faulty(reply)

    def reply_to(self, sender: tuple[str, int]) -> tuple[str, int]:
        return sender

    def _serve(self) -> tuple[Callable[[], None], Callable[[], None]]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        sock.settimeout(POLL_INTERVAL)
        running = threading.Event()
        running.set()

        def serve() -> None:
            with sock:
                self._answer_until_stopped(sock, running)

        return serve, running.clear

    def _answer_until_stopped(self, sock: socket.socket, running: threading.Event) -> None:
        while running.is_set():
            try:
                data, sender = sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self.respond(data)
            if reply is None:
                continue
            out = self.faulty(reply)
            if out:
                try:
                    sock.sendto(out, self.reply_to(sender))
                except OSError as error:
                    logger.debug("%s emulator could not answer %s: %s", self.device_type, sender, error)


class HttpEmulator(Emulator):
    """An HTTP server; ``page(path)`` returns (content type, body) or None for 404."""

    @abc.abstractmethod
    def page(self, path: str) -> tuple[str, bytes] | None: ...

    def _serve(self) -> tuple[Callable[[], None], Callable[[], None]]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = emulator.page(self.path)
                if found is None:
                    self.send_error(404)
                    return
                content_type, body = found
                out = emulator.faulty(body)
                if out is None:
                    time.sleep(emulator.slow_delay * 4)
                    return
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(out)))
                    self.end_headers()
                    self.wfile.write(out)
                except OSError:
                    logger.debug("%s emulator: the client left before the reply", emulator.device_type)

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("%s emulator: " + format, emulator.device_type, *args)

        server = ThreadingHTTPServer((self.host, self.port), Handler, bind_and_activate=False)
        server.daemon_threads = True
        server.request_queue_size = BACKLOG
        try:
            server.server_bind()
            server.server_activate()
        except OSError:
            server.server_close()
            raise
        self.port = server.server_address[1]
        return functools.partial(server.serve_forever, poll_interval=POLL_INTERVAL), _closer(server)
