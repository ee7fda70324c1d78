"""iMACRT MMR3/MGC3 readers: UDP direct, UDP through the shared reply collector, or the module's HTTP page.

Modes (option ``mode``; ``path='udp'`` as in the original API means UDP):

- ``collector`` (default for UDP): requests go out of the collector socket bound to the reply
  port (``reply_port``, 12000), replies are routed back by source IP. Needed for real modules,
  which always answer to port 12000.
- ``direct``: a socket of its own; replies are read on it. For modules (or emulators) answering
  to the source port, or with ``reply_port`` set, to bind that port for a single module.
- ``http``: GET ``path`` (default ``/www/device.htm``) and read label/number pairs from its tables.

A UDP poll asks one parameter per round trip, sequentially (the protocol has no request id,
so pipelining could not tell the replies apart): 15 for an MMR3, 18 for an MGC3. A timeout
fails the whole read at once. A reply that is not a number spoils only its own field: it is a
field error of the reply, the other measurements are kept; if every field is bad the read
raises DeviceProtocolError.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.html_page import page_reply
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.imacrt_codec import (
    MODELS,
    REPLY_PORT,
    decode_poll,
    get_command,
    poll_parameters,
    port_for,
)
from ricochetdb.adapters.devices.imacrt_collector import CollectorTransport, ImacrtCollector, acquire, release
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, UdpTransport
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import DeviceReply

DEFAULT_PATH = "/www/device.htm"
MODES = ("collector", "direct", "http")
OPTIONS = ("port", "timeout", "path", "reply_port", "mode")


class DatagramTransport(Protocol):
    """What the UDP reader needs: ``UdpTransport`` or ``CollectorTransport``."""

    name: str

    def exchange(self, request: bytes, reply: bool = True) -> bytes: ...

    def drain(self) -> None: ...

    def close(self) -> None: ...


class ImacrtUdpReader(Reader[DatagramTransport, list[bytes]]):
    """Reads an MMR3 (3 channels) or an MGC3 (3 PID loops) parameter by parameter over UDP."""

    def __init__(
        self,
        device_type: str,
        address: str,
        transport: DatagramTransport,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        if device_type not in MODELS:
            raise ValidationError(f"{device_type} {address}", "device_type", f"must be one of {', '.join(MODELS)}")
        super().__init__(device_type, address, transport)
        self._on_close = on_close
        self._parameters = poll_parameters(device_type)

    def ask(self) -> list[bytes]:
        """One GET per parameter, in table order; DeviceTimeout/DeviceUnreachable at the first silent one."""
        self.transport.drain()
        return [self.transport.exchange(get_command(self.device_type, p.index)) for p in self._parameters]

    def decode(self, raw: list[bytes]) -> DeviceReply:
        return decode_poll(self.device_type, self._parameters, raw)

    def close(self) -> None:
        super().close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


class ImacrtHttpReader(Reader[HttpTransport, bytes]):
    """Reads the label/number pairs of an iMACRT module's web page (``/www/device.htm``)."""

    def __init__(self, device_type: str, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        super().__init__(device_type, address, transport)
        self.path = path

    def ask(self) -> bytes:
        return self.transport.get(self.path)

    def decode(self, raw: bytes) -> DeviceReply:
        """The page's pairs; DeviceProtocolError if it holds none or ends inside a table (truncated)."""
        return page_reply(raw, lambda _label: "")


def build(device_type: str, address: str, options: Mapping[str, Any]) -> ImacrtUdpReader | ImacrtHttpReader:
    """A reader for ``device_type`` MMR3 or MGC3 at ``host`` or ``host:port`` (options: see the module doc)."""
    record = f"{device_type} {address}"
    if device_type not in MODELS:
        raise ValidationError(record, "device_type", f"must be one of {', '.join(MODELS)}")
    opts = parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, opts, None, record)
    timeout = parse.timeout(opts.get("timeout", DEFAULT_TIMEOUT), record)
    path = opts.get("path")
    mode = opts.get("mode", "collector" if path in (None, "udp") else "http")
    if mode not in MODES:
        raise ValidationError(record, "mode", f"{mode!r} is not one of {', '.join(MODES)}")
    if mode == "http":
        path = DEFAULT_PATH if path is None else path
        if not isinstance(path, str) or not path.startswith("/"):
            raise ValidationError(record, "path", f"{path!r}: mode http needs a URL path like {DEFAULT_PATH}")
        transport = HttpTransport(record, base_url=parse.http_base(host, port), timeout=timeout)
        return ImacrtHttpReader(device_type, address, transport, path)
    if path not in (None, "udp"):
        raise ValidationError(record, "path", f"{path!r} contradicts mode {mode}")
    udp_port = port if port is not None else port_for(host)
    if mode == "direct":
        reply_port = opts.get("reply_port", "source")
        local = 0 if reply_port == "source" else parse.port(reply_port, record, "reply_port", minimum=0)
        direct = UdpTransport(record, host=host, port=udp_port, timeout=timeout, local_port=local)
        return ImacrtUdpReader(device_type, address, direct)
    collector = acquire(port=parse.port(opts.get("reply_port", REPLY_PORT), record, "reply_port", minimum=0))
    return collector_reader(device_type, address, collector, udp_port, timeout, lambda: release(collector))


def collector_reader(
    model: str,
    address: str,
    collector: ImacrtCollector,
    port: int | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_close: Callable[[], None] | None = None,
) -> ImacrtUdpReader:
    """A UDP reader whose replies come through ``collector`` (port: the 12000 + octet rule if None)."""
    host, address_port = parse.split_address(address, f"{model} {address}")
    udp_port = port or address_port or port_for(host)
    transport = CollectorTransport(f"{model} {address}", collector=collector, host=host, port=udp_port, timeout=timeout)
    return ImacrtUdpReader(model, address, transport, on_close)
