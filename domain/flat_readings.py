"""Flat reading documents: one device at one time, one field per label, as the original API stored them.

A flat document::

    {"timestamp": <aware datetime>, "device": "192.168.2.213", "device_type": "MMR3",
     "ch1_temperature": 0.0121, "ch1_resistance": 69876.0, ...,
     "units": {"ch1_temperature": "K", ...}, "clock": "server", "source_time": <datetime>}

``timestamp`` and ``device`` are mandatory; ``device_type`` defaults to ``external``, ``clock`` to
``local`` (ricochetdb did not stamp it), ``units`` and ``source_time`` are optional. Every other
field is a label whose value is a number, a bool, a text or null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.readings import RESERVED_LABELS, Reading, check_label, check_value
from ricochetdb.domain.validation import as_utc, check_name, optional_utc

DEFAULT_DEVICE_TYPE = "external"
FLAT_FIELDS = RESERVED_LABELS - {"_id"}


def readings_from_flat(documents: Any) -> list[Reading]:
    """The readings of a list of flat documents, all validated before any is returned.

    A bad document raises ValidationError naming its index and field.
    """
    if isinstance(documents, (str, bytes, Mapping)) or not isinstance(documents, Sequence):
        raise ValidationError("readings", "", "expected a list of flat reading dictionaries")
    readings: list[Reading] = []
    for index, document in enumerate(documents):
        readings.extend(_readings(document, f"reading #{index}"))
    return readings


def _readings(document: Any, record: str) -> list[Reading]:
    if not isinstance(document, Mapping):
        raise ValidationError(record, "", f"expected a dictionary, got {type(document).__name__}")
    for mandatory in ("timestamp", "device"):
        if mandatory not in document:
            raise ValidationError(record, mandatory, "mandatory field is missing")
    timestamp = as_utc(document["timestamp"], record, "timestamp")
    device = check_name(document["device"], record, "device")
    device_type = check_name(document.get("device_type", DEFAULT_DEVICE_TYPE), record, "device_type")
    source = optional_utc(document.get("source_time"), record, "source_time")
    clock = document.get("clock", "local")
    if clock not in ("server", "local"):
        raise ValidationError(record, "clock", f"must be 'server' or 'local', not {clock!r}")
    units = document.get("units") or {}
    if not isinstance(units, Mapping) or not all(isinstance(u, str) for u in units.values()):
        raise ValidationError(record, "units", "must map labels to unit texts")
    readings: list[Reading] = []
    for key, value in document.items():
        if key in FLAT_FIELDS:
            continue
        label = check_label(key, record)
        readings.append(
            Reading(
                device_type,
                device,
                label,
                check_value(value, f"{record} {label}"),
                units.get(label, ""),
                timestamp,
                source,
                clock,
            )
        )
    if not readings:
        raise ValidationError(record, "", "holds no label field")
    return readings


def group_by_poll(readings: Sequence[Reading]) -> list[list[Reading]]:
    """Readings grouped per (device, timestamp), in first-seen order."""
    groups: dict[tuple[str, Any], list[Reading]] = {}
    for reading in readings:
        groups.setdefault((reading.device, reading.timestamp), []).append(reading)
    return list(groups.values())


def flat_document(group: Sequence[Reading]) -> dict[str, Any]:
    """The flat document of the readings one device gave at one time (labels in the given order)."""
    first = group[0]
    document: dict[str, Any] = {
        "timestamp": first.timestamp,
        "device": first.device,
        "device_type": first.device_type,
        "clock": first.clock,
    }
    if first.source_time is not None:
        document["source_time"] = first.source_time
    document.update({reading.label: reading.value for reading in group})
    document["units"] = {reading.label: reading.unit for reading in group}
    return document
