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
fails the whole read at once. A reply that is not a number spoils only its own field: the
other measurements are returned, the bad ones logged and kept in ``field_errors``; if every
field is bad the read raises DeviceProtocolError.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from ricochetdb.adapters.devices import html_table
from ricochetdb.adapters.devices import options as parse
from ricochetdb.adapters.devices.imacrt_codec import MODELS, REPLY_PORT, decode, get_command, poll_parameters, port_for
from ricochetdb.adapters.devices.imacrt_collector import CollectorTransport, ImacrtCollector, acquire, release
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, HttpTransport, UdpTransport
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement

logger = logging.getLogger(__name__)

DEFAULT_PATH = "/www/device.htm"
MODES = ("collector", "direct", "http")
OPTIONS = ("port", "timeout", "path", "reply_port", "mode")


class DatagramTransport(Protocol):
    """What the UDP reader needs: ``UdpTransport`` or ``CollectorTransport``."""

    def exchange(self, request: bytes, reply: bool = True) -> bytes: ...

    def drain(self) -> None: ...

    def close(self) -> None: ...


def keep_good(record: str, results: list[Measurement], errors: list[DeviceProtocolError]) -> list[Measurement]:
    """The read's outcome: the good measurements (bad fields logged), or the first error if none is good."""
    for error in errors:
        logger.warning("%s", error)
    if not results:
        first = errors[0] if errors else DeviceProtocolError(record, "", "no measurement in the reply")
        count = f"all {len(errors)} fields failed, first: " if len(errors) > 1 else ""
        raise DeviceProtocolError(record, first.field, count + first.reason)
    return results


class ImacrtUdpReader:
    """Reads an MMR3 (3 channels) or an MGC3 (3 PID loops) parameter by parameter over UDP."""

    def __init__(
        self, model: str, address: str, transport: DatagramTransport, on_close: Callable[[], None] | None = None
    ) -> None:
        if model not in MODELS:
            raise ValidationError(f"{model} {address}", "device_type", f"must be one of {', '.join(MODELS)}")
        self.device_type = model
        self.address = address
        self.transport = transport
        self.field_errors: list[DeviceProtocolError] = []
        self._on_close = on_close
        self._parameters = poll_parameters(model)

    @property
    def name(self) -> str:
        return f"{self.device_type} {self.address}"

    def read(self) -> list[Measurement]:
        """One poll; DeviceTimeout/DeviceUnreachable at the first silent GET, partial results otherwise."""
        self.transport.drain()
        results: list[Measurement] = []
        errors: list[DeviceProtocolError] = []
        for parameter in self._parameters:
            reply = self.transport.exchange(get_command(self.device_type, parameter.index))
            try:
                results.append(decode(parameter, reply, self.name, self.device_type))
            except DeviceProtocolError as error:
                errors.append(error)
        self.field_errors = errors
        return keep_good(self.name, results, errors)

    def close(self) -> None:
        self.transport.close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


class ImacrtHttpReader:
    """Reads the label/number pairs of an iMACRT module's web page (``/www/device.htm``)."""

    def __init__(self, model: str, address: str, transport: HttpTransport, path: str = DEFAULT_PATH) -> None:
        self.device_type = model
        self.address = address
        self.transport = transport
        self.path = path

    @property
    def name(self) -> str:
        return f"{self.device_type} {self.address}"

    def read(self) -> list[Measurement]:
        """GET the page; DeviceProtocolError if it holds no pairs or ends inside a table (truncated)."""
        return page_measurements(self.name, self.transport.get(self.path), lambda _label: "")

    def close(self) -> None:
        self.transport.close()


def page_measurements(record: str, body: bytes, default_unit: Callable[[str], str]) -> list[Measurement]:
    """Measurements of an HTML page; ``default_unit(label)`` fills units the page does not give."""
    try:
        page = html_table.parse_page(html_table.decode_body(body))
        quantities = html_table.quantities(page.tables)
    except Exception as error:  # a reader raises only DeviceErrors, whatever the page holds
        raise DeviceProtocolError(record, "", f"unreadable page: {type(error).__name__}: {error}") from None
    if page.truncated:
        raise DeviceProtocolError(record, "", f"page ends inside a table (truncated?): ...{body[-40:]!r}")
    if not quantities:
        raise DeviceProtocolError(record, "", f"no label/number pair in the page: {body[:80]!r}")
    return [Measurement(q.label, q.value, q.unit or default_unit(q.label)) for q in quantities]


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
        base = f"http://{host}:{port}" if port else f"http://{host}"
        return ImacrtHttpReader(device_type, address, HttpTransport(record, base_url=base, timeout=timeout), path)
    if path not in (None, "udp"):
        raise ValidationError(record, "path", f"{path!r} contradicts mode {mode}")
    udp_port = port if port is not None else port_for(host)
    if mode == "direct":
        reply_port = opts.get("reply_port", "source")
        local = 0 if reply_port == "source" else parse.port(reply_port, record, "reply_port", minimum=0)
        transport = UdpTransport(record, host=host, port=udp_port, timeout=timeout, local_port=local)
        return ImacrtUdpReader(device_type, address, transport)
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
