"""HTTP GET to one device with a real time bound and a body cap, whatever the device does.

A per-read socket timeout (what ``requests`` and ``http.client`` offer) bounds each wait for a byte,
not the exchange: a device trickling one byte a second, or a body that never ends, would hold the
poll for ever, and a huge body would fill memory. Here every receive and send of one GET waits
at most until one deadline, ``timeout`` seconds after the GET began::

    connect ── request ── status line, headers ── body ... all before the deadline, or DeviceTimeout
                                                   at most ``max_body`` bytes, or DeviceProtocolError

The connection is kept alive between polls; a connection the device closed while idle is opened
again once. Any failure closes it, so the next poll starts on a fresh connection.
"""

from __future__ import annotations

import http.client
import math
import socket
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, _Guarded
from ricochetdb.domain.errors import DeviceProtocolError, DeviceTimeout, DeviceUnreachable

MAX_BODY = 1 << 20  # a device page is a few kB; 1 MiB is generous
CHUNK = 65536
_STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class DeadlineSocket(socket.socket):
    """A socket whose every send and receive waits at most until ``deadline`` (``time.monotonic`` seconds)."""

    deadline: float = math.inf

    def _bound(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the exchange's deadline has passed")
        self.settimeout(left)

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        self._bound()
        return super().recv(bufsize, flags)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._bound()
        return super().recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._bound()
        super().sendall(data, flags)


class DeadlineConnection(http.client.HTTPConnection):
    """An ``http.client`` connection whose socket is a DeadlineSocket bounded by ``deadline``."""

    deadline: float = math.inf

    def bound(self, deadline: float) -> None:
        """Bound everything from now on (this request and its reply) by ``deadline``."""
        self.deadline = deadline
        if isinstance(self.sock, DeadlineSocket):
            self.sock.deadline = deadline

    def connect(self) -> None:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the exchange's deadline has passed")
        plain = socket.create_connection((self.host, self.port), left)
        sock = DeadlineSocket(plain.family, plain.type, plain.proto, fileno=plain.detach())
        sock.deadline = self.deadline
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = sock


@dataclass
class HttpTransport(_Guarded):
    """GET on one base URL (``http://host[:port]``), keep-alive, the whole exchange within ``timeout``."""

    base_url: str = "http://127.0.0.1"
    timeout: float = DEFAULT_TIMEOUT
    max_body: int = MAX_BODY
    connection: DeadlineConnection | None = field(default=None, init=False, repr=False)

    def get(self, path: str = "") -> bytes:
        """The body of a 2xx reply to GET ``base_url + path``."""
        return self._guard(lambda: self._get(path))

    def _url(self, path: str) -> str:
        return self.base_url.rstrip("/") + "/" + path.lstrip("/") if path else self.base_url

    def _get(self, path: str) -> bytes:
        url = self._url(path)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        deadline = time.monotonic() + self.timeout
        for attempt in (1, 2):
            connection = self._connection(parts.hostname or "", parts.port or 80)
            reused = connection.sock is not None
            connection.bound(deadline)
            try:
                connection.request("GET", target, headers={"Accept": "*/*"})
                response = connection.getresponse()
            except _STALE as error:
                self.close()
                if reused and attempt == 1:
                    continue  # the device closed the idle keep-alive connection: one fresh try
                raise DeviceUnreachable(self.name, url, f"{type(error).__name__}: {error}") from None
            except BaseException as error:
                self.close()
                raise self._failure(error, url) from None
            body = self._guarded_body(response, url)
            if not 200 <= response.status < 300:
                raise DeviceUnreachable(self.name, url, f"HTTP {response.status}")
            return body
        raise AssertionError("unreachable")

    def _guarded_body(self, response: http.client.HTTPResponse, url: str) -> bytes:
        try:
            return self._body(response, url)
        except BaseException as error:
            response.close()  # a "Connection: close" reply owns the socket, the connection no longer does
            self.close()
            raise self._failure(error, url) from None

    def _body(self, response: http.client.HTTPResponse, url: str) -> bytes:
        if response.length is not None and response.length > self.max_body:
            raise DeviceProtocolError(
                self.name, url, f"the reply announces {response.length} bytes, above the cap of {self.max_body}"
            )
        chunks: list[bytes] = []
        size = 0
        while chunk := response.read(min(CHUNK, self.max_body + 1 - size)):
            size += len(chunk)
            if size > self.max_body:
                raise DeviceProtocolError(self.name, url, f"the body goes past the cap of {self.max_body} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _failure(self, error: BaseException, url: str) -> BaseException:
        if isinstance(error, DeviceProtocolError | DeviceTimeout | DeviceUnreachable):
            return error
        if isinstance(error, TimeoutError):
            return DeviceTimeout(self.name, url, f"no complete reply within {self.timeout} s")
        if isinstance(error, http.client.HTTPException):
            return DeviceProtocolError(self.name, url, f"broken HTTP reply: {type(error).__name__}: {error}"[:300])
        if isinstance(error, OSError):
            return DeviceUnreachable(self.name, url, f"{type(error).__name__}: {error}")
        return error

    def _connection(self, host: str, port: int) -> DeadlineConnection:
        if self.connection is None:
            self.connection = DeadlineConnection(host, port)
        return self.connection

    def close(self) -> None:
        """Drop the connection; the next GET opens a new one."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
