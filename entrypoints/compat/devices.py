"""The original device classes: ``Device(ip_addr, prot, cat).get_data(results)`` reads one device once.

``ip_addr`` is ``"host"`` or ``"host:port"``. ``prot`` chooses the protocol where a device has several
(iMACRT: ``udp`` or ``http``) and is checked against the device otherwise. ``cat`` is the category
label the caller files the device under (``imacrt``, ``cryostat``, ``compressor``, ``power``,
``scale``); it is kept as ``self.cat`` and does not change how the device is read.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from ricochetdb.adapters.devices import cryomech_codec, cryomech_frames, tti
from ricochetdb.adapters.devices.imacrt import collector_reader
from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.mapping_file import default_mapping
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.errors import DeviceError, ValidationError
from ricochetdb.domain.flat_readings import flat_document
from ricochetdb.domain.validation import check_name
from ricochetdb.entrypoints.compat.database import facade_poller
from ricochetdb.entrypoints.compat.dates import naive
from ricochetdb.entrypoints.compat.imacrt import collector_for

logger = logging.getLogger(__name__)


class Device(abc.ABC):
    """Abstract class managing datasource devices (MMR3, MGC3, cryostat, ...)."""

    DEVICE_TYPE: ClassVar[str] = ""
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    def __init__(self, ip_addr: str, prot: str, cat: str) -> None:
        record = f"{self.DEVICE_TYPE or type(self).__name__} {ip_addr}"
        self.ip_addr = check_name(ip_addr, record, "ip_addr")
        protocol = prot.lower() if isinstance(prot, str) else prot
        if protocol not in self.PROTOCOLS:
            raise ValidationError(record, "prot", f"{prot!r} is not one of {', '.join(self.PROTOCOLS)}")
        self.prot: str = protocol
        self.cat = check_name(cat, record, "cat")

    @abc.abstractmethod
    def get_data(self, results: list[dict[str, Any]], udp_buffer: list[Any] = []) -> None:  # noqa: B006
        """Query the device and append one flat dict (timestamp, device, device_type, labels) to ``results``."""


class _ReadDevice(Device):
    """A device read through the core's reader and poller, stamped with the database's time."""

    def _reader(self, udp_buffer: list[Any]) -> DeviceReader:
        return build_reader(self.DEVICE_TYPE, self.ip_addr, self.PROTOCOLS[self.prot])

    def get_data(self, results: list[dict[str, Any]], udp_buffer: list[Any] = []) -> None:  # noqa: B006
        """Query the device and append one flat dict (timestamp, device, device_type, labels) to ``results``.

        The timestamp is the database server's (naive UTC), or the local clock if no database is
        configured (then ``clock`` is ``local``). RuntimeError (a DeviceError) if the device gives nothing.
        """
        poller = facade_poller(default_mapping())
        poller.add(self._reader(udp_buffer), "device")
        try:
            result = poller.fetch()
        finally:
            poller.close()
        polls = result.polls.get("device", [])
        for failure in result.failures:
            logger.warning("%s %s: %s %s", self.DEVICE_TYPE, self.ip_addr, failure.field, failure.error)
        if not polls:
            reason = "; ".join(f.error for f in result.failures) or "no measurement"
            raise DeviceError(f"{self.DEVICE_TYPE} {self.ip_addr}", "", reason)
        results.extend(naive(flat_document(poll)) for poll in polls)


class _ImacrtDevice(_ReadDevice):
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"udp": {"path": "udp"}, "http": {"mode": "http"}}

    def _reader(self, udp_buffer: list[Any]) -> DeviceReader:
        collector = collector_for(udp_buffer) if self.prot == "udp" else None
        if collector is not None:
            return collector_reader(self.DEVICE_TYPE, self.ip_addr, collector)
        return super()._reader(udp_buffer)


class MMR3Device(_ImacrtDevice):
    """iMACRT MMR3 bridge: ``udp`` (through a running ``UdpImacrtCollector``'s buffer, else port 12000) or ``http``."""

    DEVICE_TYPE = "MMR3"


class MGC3Device(_ImacrtDevice):
    """iMACRT MGC3 temperature regulator: ``udp`` or ``http``, as ``MMR3Device``."""

    DEVICE_TYPE = "MGC3"


class CMCPADevice(_ReadDevice):
    """Cryomech CPA compressor over Modbus TCP (``prot`` ``tcp`` or ``modbus``; port 502 unless in ``ip_addr``)."""

    DEVICE_TYPE = "CMCPA"
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"tcp": {}, "modbus": {}}
    QUERY_ID = 0x0999

    @staticmethod
    def buildRegistersQuery() -> bytes:
        """The Modbus TCP request for the 53-register block (FC04 from address 1, transaction 0x0999)."""
        return cryomech_frames.read_request(CMCPADevice.QUERY_ID)

    def breakdownReplyData(self, rawdata: bytes, data: dict[str, Any]) -> dict[str, Any]:
        """Fill ``data`` with the labels and values of a reply frame (RuntimeError naming the bad field)."""
        status = cryomech_codec.decode_any_reply(bytes(rawdata), f"CMCPA {self.ip_addr}")
        data.update({m.label: m.value for m in cryomech_codec.measurements(status)})
        return data


class JSONCMCPADevice(_ReadDevice):
    """Cryomech CPA compressor's JSON page over ``http``."""

    DEVICE_TYPE = "JSON-CMCPA"
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"http": {}}


class CryoConceptDevice(_ReadDevice):
    """CryoConcept cryostat's HTML page (``/www/device.htm``) over ``http``."""

    DEVICE_TYPE = "CRYO"
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"http": {}}


class CPX200Device(_ReadDevice):
    """Aim-TTi CPX200DP power supply over ``tcp`` (port 9221 unless in ``ip_addr``)."""

    DEVICE_TYPE = "CPX200"
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"tcp": {}}

    @staticmethod
    async def cpx200dp_cmd(device_ip_address: str, device_port: int, cmd: str) -> str:
        """Send one command line (e.g. ``"V1?"``) and return the reply text (``""`` for set commands)."""
        return await asyncio.to_thread(tti.send_command, device_ip_address, cmd, int(device_port))


class MP710508Device(_ReadDevice):
    """Multicomp MP710508 power supply over ``udp``."""

    DEVICE_TYPE = "MP710508"
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"udp": {}}


class JSONScaleDevice(_ReadDevice):
    """The helium scale's JSON page over ``http``."""

    DEVICE_TYPE = "JSON-SCALE"
    PROTOCOLS: ClassVar[Mapping[str, Mapping[str, Any]]] = {"http": {}}
