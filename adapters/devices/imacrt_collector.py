"""The iMACRT reply collector: one UDP socket on the reply port, replies routed to their module by source IP.

iMACRT modules answer to UDP port 12000 of the requesting host whatever the source port
was, so a host polling many modules owns that port once and demultiplexes::

    reader A ── MMR3GET 3 ──> 192.168.2.213:12213 ─┐
    reader B ── MGC3GET 2 ──> 192.168.2.214:12214 ─┤  (sent from the collector socket)
    collector socket :12000 <── replies ───────────┘  routed by sender IP to A's or B's inbox

Each module has an inbox (a queue and a lock): one request at a time per module, many
modules in parallel. The receive thread blocks on the socket with a short timeout (no
busy-wait); ``stop`` closes it. Listeners (``add_listener``) see every datagram, e.g. the
seed-compatible ``UdpImacrtCollector`` filling its data buffer from the shared collector.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ricochetdb.adapters.devices.imacrt_codec import REPLY_PORT
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, MAX_REPLY, _Guarded
from ricochetdb.domain.errors import DeviceTimeout, DeviceUnreachable

logger = logging.getLogger(__name__)

_registry: dict[tuple[str, int], tuple[ImacrtCollector, int]] = {}
_registry_lock = threading.Lock()


@dataclass
class _Inbox:
    replies: queue.SimpleQueue[bytes] = field(default_factory=queue.SimpleQueue)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def flush(self) -> None:
        while True:
            try:
                self.replies.get_nowait()
            except queue.Empty:
                return


class ImacrtCollector:
    """Owns the reply port; ``exchange`` sends a request and waits for that module's next reply."""

    def __init__(self, host: str = "0.0.0.0", port: int = REPLY_PORT, tick: float = 0.2) -> None:
        self.host = host
        self.port = port
        self.tick = tick
        self._inboxes: dict[str, _Inbox] = {}
        self._listeners: list[Callable[[str, bytes], None]] = []
        self._inboxes_lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._running = threading.Event()

    @property
    def running(self) -> bool:
        return self._running.is_set()

    def start(self) -> ImacrtCollector:
        """Bind the reply port (0: a free one, then ``self.port`` tells which) and start receiving."""
        if self._thread is not None:
            return self
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.settimeout(self.tick)
        self.port = sock.getsockname()[1]
        self._sock = sock
        self._running.set()
        self._thread = threading.Thread(target=self._receive, name=f"imacrt-collector:{self.port}", daemon=True)
        self._thread.start()
        logger.info("iMACRT collector listening on %s:%d", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop receiving and close the socket; safe to call from ``deliver`` (the receive thread)."""
        self._running.clear()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.tick * 5 + 1)

    def _receive(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            while self._running.is_set():
                try:
                    data, (sender, _port) = sock.recvfrom(MAX_REPLY)
                except TimeoutError:
                    continue
                except OSError as error:
                    logger.warning("iMACRT collector on port %d stopped: %s", self.port, error)
                    return
                self.deliver(sender, data)
        finally:
            self._running.clear()
            sock.close()

    def add_listener(self, listener: Callable[[str, bytes], None]) -> None:
        """Call ``listener(sender_ip, datagram)`` for every datagram, in the receive thread (keep it short)."""
        with self._inboxes_lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[str, bytes], None]) -> None:
        with self._inboxes_lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def deliver(self, sender: str, data: bytes) -> None:
        """Show one datagram to the listeners and route it to the inbox of ``sender`` (dropped if none)."""
        with self._inboxes_lock:
            inbox = self._inboxes.get(sender)
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(sender, data)
            except Exception:  # a faulty listener must not kill the receive thread
                logger.exception("iMACRT collector listener %r failed", listener)
        if inbox is None:
            logger.debug("iMACRT collector dropped %d bytes from %s (nobody asked)", len(data), sender)
            return
        inbox.replies.put(data)

    def _inbox(self, ip: str) -> _Inbox:
        with self._inboxes_lock:
            return self._inboxes.setdefault(ip, _Inbox())

    def exchange(self, name: str, host: str, port: int, request: bytes, timeout: float, reply: bool = True) -> bytes:
        """Send ``request`` to ``host:port`` and return the next datagram from ``host`` (b'' if ``reply`` is False).

        Raises DeviceUnreachable (collector stopped, unknown host, send failed) or DeviceTimeout.
        Late replies of an earlier, timed-out request are dropped before sending.
        """
        sock = self._sock
        if sock is None or not self._running.is_set():
            raise DeviceUnreachable(name, "", f"the iMACRT collector on UDP port {self.port} is not running")
        try:
            ip = socket.gethostbyname(host)
        except OSError as error:
            raise DeviceUnreachable(name, "", f"cannot resolve {host!r}: {error}") from None
        inbox = self._inbox(ip)
        with inbox.lock:
            inbox.flush()
            try:
                sock.sendto(request, (ip, port))
            except OSError as error:
                raise DeviceUnreachable(name, "", f"{type(error).__name__}: {error}") from None
            if not reply:
                return b""
            try:
                return inbox.replies.get(timeout=timeout)
            except queue.Empty:
                raise DeviceTimeout(name, "", f"no reply on UDP port {self.port} within {timeout} s") from None


@dataclass
class CollectorTransport(_Guarded):
    """Same interface as ``UdpTransport`` (serialised calls, back-off) but replies come via a collector."""

    collector: ImacrtCollector | None = None
    host: str = "127.0.0.1"
    port: int = 0
    timeout: float = DEFAULT_TIMEOUT

    def exchange(self, request: bytes, reply: bool = True) -> bytes:
        """Send one datagram and return this module's next reply (b'' if ``reply`` is False)."""
        collector = self.collector
        if collector is None:
            raise DeviceUnreachable(self.name, "", "transport closed")
        return self._guard(lambda: collector.exchange(self.name, self.host, self.port, request, self.timeout, reply))

    def drain(self) -> None:
        """Nothing to do: the collector drops stale replies before each request."""

    def close(self) -> None:
        self.collector = None


def acquire(host: str = "0.0.0.0", port: int = REPLY_PORT) -> ImacrtCollector:
    """The process-wide collector on ``host:port``, started on first use; pair with ``release``."""
    with _registry_lock:
        collector, users = _registry.get((host, port), (None, 0))
        if collector is None or not collector.running:
            collector = ImacrtCollector(host, port).start()
            users = 0
        _registry[(host, port)] = (collector, users + 1)
        return collector


def release(collector: ImacrtCollector) -> None:
    """One user fewer; the last one out stops the shared collector."""
    with _registry_lock:
        for key, (shared, users) in list(_registry.items()):
            if shared is collector:
                if users > 1:
                    _registry[key] = (shared, users - 1)
                else:
                    del _registry[key]
                    shared.stop()
                return
