"""The device configuration file (TOML): which devices to poll, how often, and where readings go.

```toml
[poll]
interval = 10.0                  # seconds between the starts of two cycles
collection = "slowcontrol-2026"  # default readings collection
mapping = "mapping.json"         # optional: raw field -> stored label, per device type

[[devices]]
type = "MMR3"                    # MMR3 MGC3 CMCPA JSON-CMCPA CRYO JSON-CRYO CPX200 MP710508 JSON-SCALE
address = "192.168.0.31"         # host, or host:port
name = "fridge-bridge-a"         # optional: stored identity (default "MMR3@192.168.0.31")
collection = "mmr3-2026"         # optional, else [poll].collection
options = { mode = "udp", timeout = 1.0 }   # optional, per device type (see README)
```
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ricochetdb.domain.devices import check_device_type
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import check_collection, check_keys, check_name

POLL_KEYS = {"interval", "collection", "mapping"}
DEVICE_KEYS = {"type", "address", "name", "collection", "options"}


@dataclass(frozen=True)
class DeviceEntry:
    """One device to poll."""

    type: str
    address: str
    collection: str
    options: dict[str, Any] = field(default_factory=dict)
    name: str | None = None


@dataclass(frozen=True)
class PollConfig:
    """The whole file, validated."""

    interval: float
    collection: str
    devices: list[DeviceEntry]
    mapping: str | None = None


def _unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise ValidationError(where, key, f"unknown key (expected one of {', '.join(sorted(known))})")


def parse_config(data: dict[str, Any], origin: str) -> PollConfig:
    """Validate a parsed configuration; errors name the file, the device and the field."""
    _unknown(data, {"poll", "devices", "alarm", "notifier", "alarms"}, origin)  # alarm sections: alarm_rules_file
    poll = data.get("poll", {})
    if not isinstance(poll, dict):
        raise ValidationError(origin, "poll", "must be a table")
    _unknown(poll, POLL_KEYS, f"{origin} [poll]")
    interval = poll.get("interval", 10.0)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0 < interval <= 86400:
        raise ValidationError(f"{origin} [poll]", "interval", f"must be seconds in (0, 86400], got {interval!r}")
    default = check_collection(poll.get("collection", "readings"))
    mapping = poll.get("mapping")
    if mapping is not None and not isinstance(mapping, str):
        raise ValidationError(f"{origin} [poll]", "mapping", "must be a file name")
    devices = data.get("devices", [])
    if not isinstance(devices, list):
        raise ValidationError(origin, "devices", "must be an array of tables [[devices]]")
    entries = [_device(item, f"{origin} devices[{i}]", default) for i, item in enumerate(devices)]
    return PollConfig(float(interval), default, entries, mapping)


def _device(item: Any, where: str, default: str) -> DeviceEntry:
    if not isinstance(item, dict):
        raise ValidationError(where, "", "must be a table")
    _unknown(item, DEVICE_KEYS, where)
    for key in ("type", "address"):
        if key not in item:
            raise ValidationError(where, key, "mandatory field is missing")
    kind = check_device_type(item["type"])
    address = check_name(item["address"], where, "address")
    options = item.get("options", {})
    if not isinstance(options, dict):
        raise ValidationError(where, "options", "must be a table")
    check_keys(options, where, "options")
    name = None if "name" not in item else check_name(item["name"], where, "name")
    return DeviceEntry(kind, address, check_collection(item.get("collection", default)), dict(options), name)


def load_config(path: str) -> PollConfig:
    """Read and validate a TOML device configuration file."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ValidationError(f"device configuration {path}", "", f"cannot be read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValidationError(f"device configuration {path}", "", f"is not valid TOML: {error}") from None
    return parse_config(data, f"device configuration {path}")


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{key} = {_toml(item)}" for key, item in value.items()) + " }"
    return json.dumps(value)


def dump_config(config: PollConfig) -> str:
    """The TOML text of a configuration (strings, numbers and booleans only)."""
    lines = ["[poll]", f"interval = {config.interval}", f"collection = {_toml(config.collection)}"]
    if config.mapping:
        lines.append(f"mapping = {_toml(config.mapping)}")
    for device in config.devices:
        lines += ["", "[[devices]]", f"type = {_toml(device.type)}", f"address = {_toml(device.address)}"]
        if device.name:
            lines.append(f"name = {_toml(device.name)}")
        lines.append(f"collection = {_toml(device.collection)}")
        if device.options:
            lines.append(f"options = {_toml(device.options)}")
    return "\n".join(lines) + "\n"
