"""Flat reading documents: one poll of one device, one field per label, as the original API stored them.

A flat document::

    {"timestamp": <aware datetime>, "device": "MMR3@192.168.2.213", "device_type": "MMR3",
     "ch1_temperature": 0.0121, "ch1_resistance": 69876.0, ...,
     "units": {"ch1_temperature": "K", ...}, "clock": "server", "source_time": <datetime>}

``timestamp`` is mandatory. ``device`` is mandatory unless the caller gives a default (the facade's
``Database.upload`` files device-less documents under ``external``); ``device_type`` defaults to
``external``, ``clock`` to ``local`` (ricochetdb did not stamp it), ``units`` and ``source_time``
are optional. Every other field is a label whose value is a number, a bool, a text or null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.polls import Poll, poll_from_values
from ricochetdb.domain.readings import RESERVED_LABELS
from ricochetdb.domain.validation import check_name, optional_utc

DEFAULT_DEVICE_TYPE = "external"
DEFAULT_DEVICE = "external"
FLAT_FIELDS = RESERVED_LABELS - {"_id"}


def polls_from_flat(documents: Any, default_device: str | None = None) -> list[Poll]:
    """The polls of a list of flat documents, all validated before any is returned.

    A bad document raises ValidationError naming its index and field.
    """
    if isinstance(documents, (str, bytes, Mapping)) or not isinstance(documents, Sequence):
        raise ValidationError("readings", "", "expected a list of flat reading dictionaries")
    return [poll_from_flat(document, f"reading #{index}", default_device) for index, document in enumerate(documents)]


def poll_from_flat(document: Any, record: str, default_device: str | None = None) -> Poll:
    """One flat document as a poll; ``default_device`` files a document that names none."""
    if not isinstance(document, Mapping):
        raise ValidationError(record, "", f"expected a dictionary, got {type(document).__name__}")
    if "timestamp" not in document:
        raise ValidationError(record, "timestamp", "mandatory field is missing")
    if "device" not in document and default_device is None:
        raise ValidationError(record, "device", "mandatory field is missing")
    device = check_name(document.get("device", default_device), record, "device")
    device_type = check_name(document.get("device_type", DEFAULT_DEVICE_TYPE), record, "device_type")
    clock = document.get("clock", "local")
    if clock not in ("server", "local"):
        raise ValidationError(record, "clock", f"must be 'server' or 'local', not {clock!r}")
    units = document.get("units") or {}
    if not isinstance(units, Mapping) or not all(isinstance(u, str) for u in units.values()):
        raise ValidationError(record, "units", "must map labels to unit texts")
    values = {key: value for key, value in document.items() if key not in FLAT_FIELDS}
    return poll_from_values(
        device_type,
        device,
        document["timestamp"],
        values,
        units,
        clock,
        optional_utc(document.get("source_time"), record, "source_time"),
        record,
    )


def flat_document(poll: Poll) -> dict[str, Any]:
    """The flat document of one poll (labels in the poll's order)."""
    document: dict[str, Any] = {
        "timestamp": poll.timestamp,
        "device": poll.device,
        "device_type": poll.device_type,
        "clock": poll.clock,
    }
    if poll.source_time is not None:
        document["source_time"] = poll.source_time
    document.update(poll.values)
    document["units"] = dict(poll.units)
    return document
