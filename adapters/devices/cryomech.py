"""CMCPA reader: a Cryomech CPA compressor polled over Modbus TCP (FC04, 53 or 55 registers from address 1)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from typing import Any

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices import cryomech_frames as frames
from ricochetdb.adapters.devices import options as parse
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
        registers: int = frames.CPA2_COUNT,
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
        request = frames.read_request(tid, self.unit_id, frames.FIRST_ADDRESS, self.registers)
        frame = self.transport.exchange(request, frames.reply_complete)
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
                self.transport.name, "", f"{type(error).__name__}: {error}; frame {frames.hex_excerpt(frame)}"
            ) from error

    def close(self) -> None:
        """Close the connection; the next read reconnects."""
        self.transport.close()


def build(device_type: str, address: str, options: Mapping[str, Any]) -> CryomechReader:
    """A reader for ``address`` (``host`` or ``host:port``, default port 502).

    Options: ``port``, ``timeout`` (s), ``unit_id`` (default 1), ``registers`` (53, the CPA2 float block, or 55
    to add the CPA3 integer block).
    """
    record = f"{device_type} {address}"
    parse.check_known(options, OPTIONS, record)
    host, port = parse.endpoint(address, options, DEFAULT_PORT, record)
    timeout = parse.timeout(options.get("timeout", DEFAULT_TIMEOUT), record)
    unit_id = options.get("unit_id", 1)
    if isinstance(unit_id, bool) or not isinstance(unit_id, int) or not 0 <= unit_id <= 0xFF:
        raise ValidationError(record, "unit_id", f"must be an integer 0..255, not {unit_id!r}")
    registers = options.get("registers", frames.CPA2_COUNT)
    if registers not in (frames.CPA2_COUNT, codec.CPA3_COUNT):
        raise ValidationError(record, "registers", f"must be 53 or 55, not {registers!r}")
    transport = TcpTransport(f"{device_type} {host}:{port}", host=host, port=port, timeout=timeout)
    return CryomechReader(transport, address, unit_id, registers, device_type)
