"""A misbehaving HTTP device on 127.0.0.1: answers every GET with a scripted behaviour, says when the client hung up."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[[socket.socket, threading.Event], None]


class HostileHttpServer:
    """Accepts connections one at a time; reads the request head, then runs ``behaviour(connection, stop)``.

    ``hung_up`` is set when sending fails because the client closed the connection; ``finished``
    when a behaviour ran to its end with the client still there.
    """

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.hung_up = threading.Event()
        self.finished = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, name=f"hostile-http:{self.port}", daemon=True)

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _peer = self.listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(5)
                try:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        chunk = connection.recv(4096)
                        if not chunk:
                            raise ConnectionResetError("the client left before its request was complete")
                        head += chunk
                    self.behaviour(connection, self.stop)
                    self.finished.set()
                except TimeoutError:
                    pass  # the client is there but not reading: not a hang-up
                except OSError:
                    if not self.stop.is_set():
                        self.hung_up.set()

    @contextmanager
    def running(self) -> Iterator[HostileHttpServer]:
        self.thread.start()
        try:
            yield self
        finally:
            self.stop.set()
            self.thread.join(timeout=10)
            self.listener.close()


def trickle(head: bytes, body: bytes = b"", pause: float = 0.02) -> Behaviour:
    """Send ``head`` then ``body`` one byte at a time, ``pause`` apart, then keep trickling spaces for ever."""

    def behave(connection: socket.socket, stop: threading.Event) -> None:
        for byte in head + body:
            connection.sendall(bytes([byte]))
            if stop.wait(pause):
                return
        while not stop.wait(pause):
            connection.sendall(b" ")

    return behave


def stream(head: bytes, total: int | None = None, chunk: int = 65536, pause: float = 0.0) -> Behaviour:
    """Send ``head`` then ``total`` bytes of body (None: without end) in ``chunk``-sized pieces."""

    def behave(connection: socket.socket, stop: threading.Event) -> None:
        connection.sendall(head)
        piece = b"7" * chunk
        sent = 0
        while (total is None or sent < total) and not stop.is_set():
            connection.sendall(piece if total is None else piece[: total - sent])
            sent += len(piece)
            if pause and stop.wait(pause):
                return

    return behave
