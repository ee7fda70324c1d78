"""The original iMACRT UDP helpers: a dummy module, a reply collector thread, one-shot queries and sends.

All of them run on the core's pieces: ``ImacrtEmulator`` for the dummy, the shared reply collector
(``imacrt_collector.acquire``) for listening and querying, ``UdpTransport`` for plain sends.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

from ricochetdb.adapters.devices.imacrt_codec import port_for
from ricochetdb.adapters.devices.imacrt_collector import ImacrtCollector, acquire, release
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, UdpTransport
from ricochetdb.adapters.emulators.imacrt import ImacrtEmulator

logger = logging.getLogger(__name__)

_running: dict[int, ImacrtCollector] = {}
_running_lock = threading.Lock()


def collector_for(buffer: Any) -> ImacrtCollector | None:
    """The collector of the running ``UdpImacrtCollector`` that fills ``buffer``, if any."""
    with _running_lock:
        return _running.get(id(buffer))


def _datagram(message: str | bytes) -> bytes:
    data = message.encode("ascii") if isinstance(message, str) else message
    return data if data.endswith(b"\n") else data + b"\n"


class DummyImacrtServer(threading.Thread):
    """An emulated iMACRT module (``m``: MMR3 or MGC3) on ``ip_address:p``, answering to the sender's port.

    ``start()`` it; ``ready`` is set once it listens; ``stop()`` ends it.
    """

    def __init__(self, m: str = "MMR3", ip_address: str = "127.0.0.1", p: int = 12001) -> None:
        super().__init__(name=f"dummy-imacrt:{ip_address}:{p}", daemon=True)
        self.emulator = ImacrtEmulator(m, host=ip_address, port=p, reply_port="source")
        self.ready = threading.Event()
        self._stopped = threading.Event()

    def run(self) -> None:
        """Serve until ``stop()``."""
        self.emulator.start()
        self.ready.set()
        try:
            self._stopped.wait()
        finally:
            self.emulator.stop()

    def stop(self) -> None:
        self._stopped.set()


class UdpImacrtCollector(threading.Thread):
    """Listens on ``ip_address:p`` and appends ``(sender_ip, text, received_at)`` of every datagram to ``data_buffer``.

    It shares the process's iMACRT reply collector on that port, so devices polled meanwhile keep
    working; an ``MMR3Device.get_data(results, data_buffer)`` sends its requests through it.
    """

    def __init__(self, data_buffer: list[Any], ip_address: str = "0.0.0.0", p: int = 12000) -> None:
        super().__init__(name=f"udp-imacrt-collector:{ip_address}:{p}", daemon=True)
        self.data_buffer = data_buffer
        self.ip_address = ip_address
        self.port = p
        self.ready = threading.Event()
        self._last = threading.Event()
        self._done = threading.Event()

    def run(self) -> None:
        """Collect until ``stop_after_next_message()`` has seen one more datagram (or ``stop()``)."""
        collector = acquire(self.ip_address, self.port)
        self.port = collector.port
        collector.add_listener(self._heard)
        with _running_lock:
            _running[id(self.data_buffer)] = collector
        self.ready.set()
        try:
            self._done.wait()
        finally:
            with _running_lock:
                _running.pop(id(self.data_buffer), None)
            collector.remove_listener(self._heard)
            release(collector)

    def _heard(self, sender: str, data: bytes) -> None:
        self.data_buffer.append((sender, data.decode("ascii", errors="replace").strip(), datetime.now(UTC)))
        if self._last.is_set():
            self._done.set()

    def stop_after_next_message(self) -> None:
        """Stop once the next datagram is stored."""
        self._last.set()

    def stop(self) -> None:
        """Stop now."""
        self._done.set()


def query_imacrt_udp(ip: str, message: str) -> str:
    """Send ``message`` (e.g. ``"MMR3GET 5"``) to the module at ``ip`` (port 12000 + last octet); its reply text.

    The reply comes back on UDP port 12000 through the shared collector. RuntimeError (DeviceTimeout...)
    if the module does not answer.
    """
    collector = acquire()
    try:
        reply = collector.exchange(f"iMACRT {ip}", ip, port_for(ip), _datagram(message), DEFAULT_TIMEOUT)
    finally:
        release(collector)
    return reply.decode("ascii", errors="replace").strip()


def send_udp_message(ip: str, port: int, message: str) -> None:
    """Send one datagram to ``ip:port`` without waiting for a reply (e.g. ``"MGC3SET 2 0.1"``)."""
    transport = UdpTransport(f"UDP {ip}:{port}", host=ip, port=port)
    try:
        transport.exchange(_datagram(message), reply=False)
    finally:
        transport.close()
