"""CMCPA reader: a Cryomech CPA compressor polled over Modbus TCP (FC04, 53 or 55 registers from address 1)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices.transport import DEFAULT_TIMEOUT, TcpTransport
from ricochetdb.domain.errors import DeviceProtocolError, ValidationError
from ricochetdb.domain.readings import Measurement

logger = logging.getLogger(__name__)

DEVICE_TYPE = "CMCPA"
DEFAULT_PORT = 502
OPTIONS = ("port", "timeout", "unit_id", "registers")


class CryomechReader:
    """Reads the whole register block in one FC04 request on a persistent connection."""

    def __init__(
        self,
        transport: TcpTransport,
        address: str,
        unit_id: int = 1,
        registers: int = codec.CPA2_COUNT,
        device_type: str = DEVICE_TYPE,
    ) -> None:
        self.transport = transport
        self.address = address
        self.device_type = device_type
        self.unit_id = unit_id
        self.registers = registers
        self._tids = itertools.cycle(range(1, 0x10000))

    def read(self) -> list[Measurement]:
        """One poll: a new transaction id, the block, its Measurements; only DeviceError subclasses escape."""
        tid = next(self._tids)
        request = codec.read_request(tid, self.unit_id, codec.FIRST_ADDRESS, self.registers)
        frame = self.transport.exchange(request, codec.reply_complete)
        try:
            measurements: list[Measurement] = codec.measurements(
                codec.decode_reply(frame, tid, self.registers, self.transport.name)
            )
            return measurements
        except DeviceProtocolError:
            self.transport.close()  # the stream may hold the rest of a bad frame: start the next poll clean
            raise
        except Exception as error:
            self.transport.close()
            logger.debug("%s: unexpected decoding failure", self.transport.name, exc_info=True)
            raise DeviceProtocolError(
                self.transport.name, "", f"{type(error).__name__}: {error}; frame {codec.hex_excerpt(frame)}"
            ) from error

    def close(self) -> None:
        """Close the connection; the next read reconnects."""
        self.transport.close()


def split_address(device_type: str, address: str, default_port: int) -> tuple[str, int]:
    """``host`` or ``host:port`` → (host, port)."""
    host, sep, port = address.rpartition(":") if address.count(":") == 1 else (address, "", "")
    if not host or (sep and not port.isdigit()):
        raise ValidationError(f"{device_type} {address}", "address", "expected 'host' or 'host:port'")
    return host, int(port) if sep else default_port


def check_options(device_type: str, address: str, options: Mapping[str, Any], known: tuple[str, ...]) -> None:
    """Refuse an option the reader does not know, and a port, timeout or unit id out of range."""
    record = f"{device_type} {address}"
    for option, value in options.items():
        if option not in known:
            raise ValidationError(record, option, "unknown option")
        if option == "port" and not (_integer(value) and 0 < value < 0x10000):
            raise ValidationError(record, option, f"must be an integer 1..65535, not {value!r}")
        if option == "timeout" and not ((_integer(value) or isinstance(value, float)) and value > 0):
            raise ValidationError(record, option, f"must be a positive number of seconds, not {value!r}")
        if option == "unit_id" and not (_integer(value) and 0 <= value <= 0xFF):
            raise ValidationError(record, option, f"must be an integer 0..255, not {value!r}")


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryomechReader:
    """A reader for ``address`` (``host`` or ``host:port``, default port 502).

    Options: ``port``, ``timeout`` (s), ``unit_id`` (default 1), ``registers`` (53, the CPA2 float block, or 55
    to add the CPA3 integer block).
    """
    check_options(device_type, address, options, OPTIONS)
    registers = options.get("registers", codec.CPA2_COUNT)
    if registers not in (codec.CPA2_COUNT, codec.CPA3_COUNT):
        raise ValidationError(f"{device_type} {address}", "registers", f"must be 53 or 55, not {registers!r}")
    host, port = split_address(device_type, address, DEFAULT_PORT)
    port = options.get("port", port)
    transport = TcpTransport(
        f"{device_type} {host}:{port}", host=host, port=port, timeout=float(options.get("timeout", DEFAULT_TIMEOUT))
    )
    return CryomechReader(transport, address, int(options.get("unit_id", 1)), registers, device_type)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
