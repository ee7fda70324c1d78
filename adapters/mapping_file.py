"""The label mapping file (JSON): ``{device type: {raw field: stored label}}``; a default ships in the package."""

from __future__ import annotations

import json
from importlib import resources

from ricochetdb.domain.devices import LabelMapping, check_mapping
from ricochetdb.domain.errors import ValidationError


def default_mapping() -> LabelMapping:
    """The mapping shipped with ricochetdb (``adapters/devices/mapping.json``)."""
    text = resources.files("ricochetdb.adapters.devices").joinpath("mapping.json").read_text(encoding="utf-8")
    return check_mapping(json.loads(text), "default mapping.json")


def load_mapping(path: str | None) -> LabelMapping:
    """The mapping of ``path``, or the default one when no path is given."""
    if path is None:
        return default_mapping()
    try:
        with open(path, encoding="utf-8") as source:
            data = json.load(source)
    except OSError as error:
        raise ValidationError(f"mapping file {path}", "", f"cannot be read: {error.strerror}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(f"mapping file {path}", "", f"is not valid JSON: {error}") from None
    return check_mapping(data, f"mapping file {path}")
