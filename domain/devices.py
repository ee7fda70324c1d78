"""Device types, their categories, and the renaming of raw fields into stored labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.readings import Measurement, check_label

CATEGORY_OF: dict[str, str] = {
    "MMR3": "imacrt",
    "MGC3": "imacrt",
    "CRYO": "cryostat",
    "JSON-CRYO": "cryostat",
    "CMCPA": "compressor",
    "JSON-CMCPA": "compressor",
    "CPX200": "power",
    "MP710508": "power",
    "JSON-SCALE": "scale",
}
CATEGORIES = ("all", *sorted(set(CATEGORY_OF.values())))

LabelMapping = dict[str, dict[str, str]]


def check_device_type(value: Any) -> str:
    """One of the known device types, case-insensitive; refused with the list otherwise."""
    if isinstance(value, str) and value.upper() in CATEGORY_OF:
        return value.upper()
    raise ValidationError("device", "type", f"{value!r} is not one of {', '.join(sorted(CATEGORY_OF))}")


def check_category(value: Any) -> str:
    """A category name for ``fetch``: all, compressor, cryostat, imacrt, power or scale."""
    if isinstance(value, str) and value.lower() in CATEGORIES:
        return value.lower()
    raise ValidationError("fetch", "category", f"{value!r} is not one of {', '.join(CATEGORIES)}")


def in_category(device_type: str, category: str) -> bool:
    return category == "all" or CATEGORY_OF.get(device_type) == category


def check_mapping(data: Any, origin: str) -> LabelMapping:
    """Validate a label mapping ``{device type: {raw field: stored label}}``."""
    if not isinstance(data, Mapping):
        raise ValidationError(origin, "", "must be an object {device type: {raw field: label}}")
    mapping: LabelMapping = {}
    for device_type, renames in data.items():
        kind = check_device_type(device_type) if not str(device_type).startswith("_") else None
        if kind is None:
            continue
        if not isinstance(renames, Mapping):
            raise ValidationError(origin, str(device_type), "must map raw field names to labels")
        targets: dict[str, str] = {}
        for raw, label in renames.items():
            if not isinstance(raw, str):
                raise ValidationError(origin, f"{device_type}", f"raw field {raw!r} must be text")
            check_label(label, f"{origin} {device_type}.{raw}")
            if label in targets:
                reason = f"renames both {targets[label]!r} and {raw!r} to {label!r}: one would be lost every poll"
                raise ValidationError(origin, f"{device_type}.{raw}", reason)
            targets[label] = raw
        mapping[kind] = dict(renames)
    return mapping


def rename(device_type: str, measurements: list[Measurement], mapping: LabelMapping) -> list[Measurement]:
    """Apply the mapping of this device type; unknown fields keep their raw name."""
    renames = mapping.get(device_type, {})
    if not renames:
        return measurements
    return [replace(m, label=renames[m.label]) if m.label in renames else m for m in measurements]
