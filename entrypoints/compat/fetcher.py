"""The original ``DataFetcher``: register devices, fetch them at once, upload or keep the data in a file."""

from __future__ import annotations

import logging
import os
from typing import Any

from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.adapters.mapping_file import load_mapping
from ricochetdb.adapters.reading_file import PENDING, JsonReadingArchive
from ricochetdb.domain.devices import check_device_type
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import Poll
from ricochetdb.domain.validation import check_collection
from ricochetdb.entrypoints.compat.database import Database, facade_poller

logger = logging.getLogger(__name__)

DEFAULT_LOCATION = "/www/device.htm"
HTML_PAGE = ("MMR3", "MGC3", "CRYO")
JSON_PAGE = ("JSON-CMCPA", "JSON-CRYO", "JSON-SCALE")


def datasource_options(device_type: str, file_location: str) -> dict[str, Any]:
    """Reader options meaning what ``file_location`` meant to the original module for this device type.

    iMACRT: ``'udp'`` is the UDP protocol (replies on port 12000), anything else the path of its
    page. CRYO: the page's path. JSON devices: the document's path (the default location means
    the device's own default). Modbus/TCP/UDP devices (CMCPA, CPX200, MP710508) have no page:
    only the default location is accepted.
    """
    if device_type in HTML_PAGE:
        return {"path": file_location}
    if file_location == DEFAULT_LOCATION:
        return {}
    if device_type in JSON_PAGE:
        return {"path": file_location}
    raise ValidationError(
        f"{device_type} datasource", "file_location", f"{file_location!r}: a {device_type} has no page to read"
    )


class DataFetcher:
    """Devices registered with ``add_datasource``, read together by ``fetch``, kept until ``upload``.

    ``mapping_file`` renames raw fields into stored labels; if it does not exist, the mapping shipped
    with ricochetdb is used.
    """

    def __init__(self, mapping_file: str = "./mapping.json") -> None:
        mapping = load_mapping(mapping_file if os.path.exists(mapping_file) else None)
        self._poller = facade_poller(mapping)
        self._archive = JsonReadingArchive()
        self._pending: list[Poll] = []

    def add_datasource(self, device_type: str, device_ip_address: str, file_location: str = DEFAULT_LOCATION) -> None:
        """Register a device: type CMCPA, JSON-CMCPA, MMR3, MGC3, CRYO, JSON-CRYO, CPX200, MP710508 or JSON-SCALE."""
        kind = check_device_type(device_type)
        reader = build_reader(kind, device_ip_address, datasource_options(kind, file_location))
        self._poller.add(reader, PENDING)

    def fetch(self, data_type: str = "imacrt") -> int:
        """Read every device of the category (imacrt, cryostat, compressor, power, scale or all) at once.

        The timestamp is the database server's; a failing device is logged and skipped. Returns how
        many readings were kept.
        """
        result = self._poller.fetch(data_type)
        for failure in result.failures:
            logger.warning("%s %s: %s %s", failure.device_type, failure.device, failure.field, failure.error)
        self._pending.extend(result.all_polls())
        return result.count

    def upload(self, collection: str) -> int:
        """Write what was fetched to ``collection`` of the configured database, then forget it.

        With MongoDB, what the server could not take waits in the local spool; what waited there
        from earlier uploads is replayed here once the server answers.
        """
        connection = Database.get_database().connection()
        written = connection.reading_book(check_collection(collection)).add(self._pending)
        for conflict in written.conflicts:
            logger.warning("not stored, another value is there already: %s", conflict)
        self._pending = []
        connection.replay_spool()
        return written.new

    def move_to_file(self, file_name: str) -> None:
        """Save what was fetched to a local JSON file (merged with what it holds), then forget it."""
        self._archive.save(file_name, self._pending)
        self._pending = []

    def append_from_file(self, file_name: str) -> None:
        """Add the readings of a local JSON file to what was fetched."""
        self._pending.extend(self._archive.load(file_name))

    def close(self) -> None:
        """Release the devices' connections (not in the original API; optional)."""
        self._poller.close()
