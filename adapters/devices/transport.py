"""Transports shared by every device adapter: timeouts, reconnect and backoff live here, once (HTTP: http_transport).

A transport moves opaque bytes; it knows nothing of the protocol. Every failure comes
out as a DeviceError subclass naming the device. After a failure the transport backs
off (1 s, 2 s, 4 s ... up to ``max_backoff``): calls during the back-off fail at once,
so a dead device costs the poller nothing until it is due to be tried again.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ricochetdb.domain.errors import DeviceError, DeviceTimeout, DeviceUnreachable

DEFAULT_TIMEOUT = 2.0
MAX_REPLY = 65536


@dataclass
class Backoff:
    """Exponential back-off after consecutive failures; ``monotonic`` is injectable for tests."""

    base: float = 1.0
    maximum: float = 30.0
    monotonic: Callable[[], float] = time.monotonic
    failures: int = 0
    retry_at: float = 0.0

    def check(self, device: str) -> None:
        """Raise DeviceUnreachable while the back-off window is open."""
        wait = self.retry_at - self.monotonic()
        if self.failures and wait > 0:
            reason = f"backing off after {self.failures} failure(s), next try in {wait:.1f} s"
            raise DeviceUnreachable(device, "", reason)

    def failed(self) -> None:
        self.failures += 1
        delay = min(self.base * 2 ** (self.failures - 1), self.maximum)
        self.retry_at = self.monotonic() + delay

    def succeeded(self) -> None:
        self.failures = 0
        self.retry_at = 0.0


@dataclass
class _Guarded:
    """Serialises calls and applies the back-off around ``attempt``."""

    name: str
    backoff: Backoff = field(default_factory=Backoff)
    lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _guard(self, attempt: Callable[[], bytes]) -> bytes:
        with self.lock:
            self.backoff.check(self.name)
            try:
                reply = attempt()
            except DeviceError:
                self.backoff.failed()
                raise
            self.backoff.succeeded()
            return reply


def _classify(name: str, error: OSError) -> DeviceError:
    if isinstance(error, TimeoutError | socket.timeout):
        return DeviceTimeout(name, "", "no reply within the timeout")
    return DeviceUnreachable(name, "", f"{type(error).__name__}: {error}")


@dataclass
class TcpTransport(_Guarded):
    """A persistent TCP connection; on a send error it reconnects once and retries."""

    host: str = "127.0.0.1"
    port: int = 0
    timeout: float = DEFAULT_TIMEOUT
    sock: socket.socket | None = field(default=None, init=False, repr=False)

    def exchange(self, request: bytes, complete: Callable[[bytes], bool]) -> bytes:
        """Send ``request`` and read until ``complete(reply)`` is true, all within the timeout."""
        return self._guard(lambda: self._exchange(request, complete))

    def _exchange(self, request: bytes, complete: Callable[[bytes], bool]) -> bytes:
        for attempt in (1, 2):
            try:
                sock = self._connect()
                sock.sendall(request)
                return self._read(sock, complete)
            except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError) as error:
                self.close()
                if attempt == 2:
                    raise _classify(self.name, error) from None
            except OSError as error:
                self.close()
                raise _classify(self.name, error) from None
        raise AssertionError("unreachable")

    def _connect(self) -> socket.socket:
        if self.sock is None:
            self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        return self.sock

    def _read(self, sock: socket.socket, complete: Callable[[bytes], bool]) -> bytes:
        deadline = time.monotonic() + self.timeout
        reply = b""
        while not complete(reply):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionResetError("connection closed by the device")
            reply += chunk
            if len(reply) > MAX_REPLY:
                break
        return reply

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


@dataclass
class UdpTransport(_Guarded):
    """Datagrams to ``host:port``; replies are accepted only from ``host``.

    ``local_port`` binds the sending socket (the MP710508 answers only to the port it
    listens on); 0 lets the system choose. ``connected`` connects the socket to
    ``host:port``: the system then hands it only that device's datagrams, so transports
    of several devices can share one local port (two MP710508 on their default port);
    unconnected, every reply would go to the socket bound last.
    """

    host: str = "127.0.0.1"
    port: int = 0
    timeout: float = DEFAULT_TIMEOUT
    local_port: int = 0
    connected: bool = False
    sock: socket.socket | None = field(default=None, init=False, repr=False)
    peer: str = field(default="", init=False, repr=False)  # ``host`` resolved: recvfrom reports IP addresses

    def exchange(self, request: bytes, reply: bool = True) -> bytes:
        """Send one datagram and return the next datagram from the device (b'' if ``reply`` is False)."""
        return self._guard(lambda: self._exchange(request, reply))

    def _exchange(self, request: bytes, reply: bool) -> bytes:
        try:
            sock = self._socket()
            if self.connected:
                sock.send(request)
            else:
                sock.sendto(request, (self.peer, self.port))
            if not reply:
                return b""
            deadline = time.monotonic() + self.timeout
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                data, (sender, _port) = sock.recvfrom(MAX_REPLY)
                if sender == self.peer:
                    return data
        except OSError as error:
            self.close()
            raise _classify(self.name, error) from None

    def _socket(self) -> socket.socket:
        if self.sock is None:
            self.peer = socket.gethostbyname(self.host)
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind(("", self.local_port))
                if self.connected:
                    sock.connect((self.peer, self.port))
            except OSError:
                sock.close()
                raise
            self.sock = sock
        return self.sock

    def drain(self) -> None:
        """Drop late replies of an earlier, timed-out request."""
        if self.sock is None:
            return
        self.sock.setblocking(False)
        try:
            while True:
                self.sock.recvfrom(MAX_REPLY)
        except OSError:
            pass
        finally:
            self.sock.setblocking(True)

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None
