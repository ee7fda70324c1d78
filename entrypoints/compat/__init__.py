"""The seed-compatible facade: the original module's API, name for name, on the hexagonal core."""

from __future__ import annotations

from ricochetdb.entrypoints.compat.daq import DaqLogger
from ricochetdb.entrypoints.compat.database import Database
from ricochetdb.entrypoints.compat.devices import (
    CMCPADevice,
    CPX200Device,
    CryoConceptDevice,
    Device,
    JSONCMCPADevice,
    JSONScaleDevice,
    MGC3Device,
    MMR3Device,
    MP710508Device,
)
from ricochetdb.entrypoints.compat.fetcher import DataFetcher
from ricochetdb.entrypoints.compat.helpers import is_date, is_float, is_int, to_local
from ricochetdb.entrypoints.compat.imacrt import (
    DummyImacrtServer,
    UdpImacrtCollector,
    query_imacrt_udp,
    send_udp_message,
)
from ricochetdb.entrypoints.compat.processing import ProcessingDataLoader, ProcessingRecord
from ricochetdb.entrypoints.compat.records import (
    DatedRecordManager,
    DetectorManager,
    RecordManager,
    RunManager,
    StreamManager,
)

__all__ = [
    "CMCPADevice",
    "CPX200Device",
    "CryoConceptDevice",
    "DaqLogger",
    "DataFetcher",
    "Database",
    "DatedRecordManager",
    "DetectorManager",
    "Device",
    "DummyImacrtServer",
    "JSONCMCPADevice",
    "JSONScaleDevice",
    "MGC3Device",
    "MMR3Device",
    "MP710508Device",
    "ProcessingDataLoader",
    "ProcessingRecord",
    "RecordManager",
    "RunManager",
    "StreamManager",
    "UdpImacrtCollector",
    "is_date",
    "is_float",
    "is_int",
    "query_imacrt_udp",
    "send_udp_message",
    "to_local",
]
