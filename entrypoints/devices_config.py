"""The device configuration file (TOML): which devices to poll, how often, and where readings go.

```toml
[poll]
interval = 10.0                  # seconds between the starts of two cycles
collection = "slowcontrol-2026"  # default readings collection
mapping = "mapping.json"         # optional: raw field -> stored label, per device type

[[devices]]
type = "MMR3"                    # MMR3 MGC3 CMCPA JSON-CMCPA CRYO JSON-CRYO CPX200 MP710508 JSON-SCALE
address = "192.168.0.31"         # host, or host:port
name = "mmr3-still"              # optional identity stored with its readings (else "MMR3@192.168.0.31")
collection = "mmr3-2026"         # optional, else [poll].collection
options = { mode = "udp", timeout = 1.0 }   # optional, per device type (see README)
```
"""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ricochetdb.adapters.devices.options import split_address
from ricochetdb.domain.devices import check_device_type
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import check_collection, check_keys

POLL_KEYS = {"interval", "collection", "mapping"}
DEVICE_KEYS = {"type", "address", "name", "collection", "options"}
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
T = TypeVar("T")


@dataclass(frozen=True)
class DeviceConfig:
    """One device to poll; ``identity`` is what its readings and events are stored under."""

    type: str
    address: str
    collection: str
    options: dict[str, Any] = field(default_factory=dict)
    name: str | None = None

    @property
    def identity(self) -> str:
        """The configured ``name``, else ``"<TYPE>@<address as configured>"`` (e.g. ``MMR3@192.168.0.31``)."""
        return self.name or f"{self.type}@{self.address}"


DeviceEntry = DeviceConfig
"""The earlier name of DeviceConfig, still used by callers."""


@dataclass(frozen=True)
class PollConfig:
    """The whole file, validated."""

    interval: float
    collection: str
    devices: list[DeviceConfig]
    mapping: str | None = None


def _unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise ValidationError(where, key, f"unknown key (expected one of {', '.join(sorted(known))})")


def _at(where: str, field_name: str, check: Callable[[], T]) -> T:
    """Run a check whose error would not say which file and device it is about, and say it."""
    try:
        return check()
    except ValidationError as error:
        raise ValidationError(where, field_name, error.reason) from None


def parse_config(data: dict[str, Any], origin: str) -> PollConfig:
    """Validate a parsed configuration; errors name the file, ``devices[i]`` and the field."""
    # alarm sections: alarm_rules_file; [retention]: domain.retention (read by `ricochetdb retention`)
    _unknown(data, {"poll", "devices", "alarm", "notifier", "alarms", "retention"}, origin)
    poll = data.get("poll", {})
    if not isinstance(poll, dict):
        raise ValidationError(origin, "poll", "must be a table")
    _unknown(poll, POLL_KEYS, f"{origin} [poll]")
    interval = poll.get("interval", 10.0)
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not 0 < interval <= 86400:
        raise ValidationError(f"{origin} [poll]", "interval", f"must be seconds in (0, 86400], got {interval!r}")
    default = _at(f"{origin} [poll]", "collection", lambda: check_collection(poll.get("collection", "readings")))
    mapping = poll.get("mapping")
    if mapping is not None and not isinstance(mapping, str):
        raise ValidationError(f"{origin} [poll]", "mapping", "must be a file name")
    devices = data.get("devices", [])
    if not isinstance(devices, list):
        raise ValidationError(origin, "devices", "must be an array of tables [[devices]]")
    if not devices:
        raise ValidationError(origin, "devices", "no device configured: add at least one [[devices]] table")
    entries = [_device(item, f"{origin} devices[{i}]", default) for i, item in enumerate(devices)]
    _refuse_duplicates(entries, origin)
    return PollConfig(float(interval), default, entries, mapping)


def _device(item: Any, where: str, default: str) -> DeviceConfig:
    if not isinstance(item, dict):
        raise ValidationError(where, "", "must be a table")
    _unknown(item, DEVICE_KEYS, where)
    for key in ("type", "address"):
        if key not in item:
            raise ValidationError(where, key, "mandatory field is missing")
    kind = _at(where, "type", lambda: check_device_type(item["type"]))
    address = _address(item["address"], where)
    name = item.get("name")
    if name is not None and not (isinstance(name, str) and NAME.fullmatch(name)):
        raise ValidationError(
            where, "name", f"{name!r} is not a device name: 1-64 letters, digits, '_', '-', '.' or ':' (no '@')"
        )
    options = item.get("options", {})
    if not isinstance(options, dict):
        raise ValidationError(where, "options", "must be a table")
    check_keys(options, where, "options")
    collection = _at(where, "collection", lambda: check_collection(item.get("collection", default)))
    return DeviceConfig(kind, address, collection, dict(options), name)


def _address(value: Any, where: str) -> str:
    """``host`` or ``host:port``: an IP address or a DNS host name, and a port 1..65535."""
    host, _port = _at(where, "address", lambda: split_address(value, where))
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(bare)
    except ValueError:
        labels = bare.rstrip(".").split(".")
        if len(bare) > 253 or not all(HOST_LABEL.fullmatch(label) for label in labels):
            raise ValidationError(where, "address", f"{value!r} is not an IP address or a host name") from None
    return str(value).strip()


def _endpoint(device: DeviceConfig) -> tuple[str, str, int | None]:
    host, port = split_address(device.address, device.identity)
    return device.type, host.lower(), port


def _refuse_duplicates(devices: list[DeviceConfig], origin: str) -> None:
    """Two devices may share neither an identity nor a type and address (their readings would mix)."""
    identities: dict[str, int] = {}
    endpoints: dict[tuple[str, str, int | None], int] = {}
    for index, device in enumerate(devices):
        first = endpoints.setdefault(_endpoint(device), index)
        if first != index:
            raise ValidationError(
                f"{origin} devices[{index}]",
                "address",
                f"{device.type} at {device.address!r} is already configured as devices[{first}]",
            )
        first = identities.setdefault(device.identity, index)
        if first != index:
            raise ValidationError(
                f"{origin} devices[{index}]", "name", f"{device.identity!r} is already the identity of devices[{first}]"
            )


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
