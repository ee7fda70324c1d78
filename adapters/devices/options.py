"""The address and options every device reader's ``build`` checks: ``host[:port]``, ``port``, ``timeout``, ``path``.

Pure functions; each refusal is a ValidationError naming ``record`` (``"<device type> <address>"``)
and the option at fault, so every reader words the same mistake the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any, overload

from ricochetdb.domain.errors import ValidationError

MAX_PORT = 65535
MAX_TIMEOUT = 3600


def check_known(options: Mapping[str, Any], allowed: Collection[str], record: str) -> dict[str, Any]:
    """A copy of ``options``; the first option not in ``allowed`` is a ValidationError naming it."""
    for name in options:
        if name not in allowed:
            raise ValidationError(record, str(name), "unknown option")
    return dict(options)


def port(value: Any, record: str, field: str = "port", minimum: int = 1) -> int:
    """A port number ``minimum``..65535 from an int or an ASCII digit string (a bool is refused)."""
    digits = isinstance(value, str) and value.isascii() and value.isdigit()
    if isinstance(value, bool) or not (isinstance(value, int) or digits) or not minimum <= int(value) <= MAX_PORT:
        raise ValidationError(record, field, f"must be a whole number {minimum}..{MAX_PORT}, not {value!r}")
    return int(value)


def timeout(value: Any, record: str) -> float:
    """A timeout in seconds: an int or a float in (0, 3600) (a bool is refused)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < MAX_TIMEOUT:
        raise ValidationError(record, "timeout", f"must be a number of seconds in (0, {MAX_TIMEOUT}), not {value!r}")
    return float(value)


def split_address(address: Any, record: str) -> tuple[str, int | None]:
    """``"host"`` -> (host, None), ``"host:port"`` -> (host, port); a bare IPv6 literal is a host."""
    text = address.strip() if isinstance(address, str) else ""
    bare_ipv6 = text.count(":") > 1 and "]:" not in text
    host, colon, digits = text.rpartition(":") if ":" in text and not bare_ipv6 else (text, "", "")
    host = host.strip()
    if not host or (colon and not (digits.isascii() and digits.isdigit() and 0 < int(digits) <= MAX_PORT)):
        raise ValidationError(record, "address", f"expected 'host' or 'host:port' with port 1..65535, not {address!r}")
    return host, int(digits) if colon else None


@overload
def endpoint(address: Any, options: Mapping[str, Any], default_port: int, record: str) -> tuple[str, int]: ...
@overload
def endpoint(address: Any, options: Mapping[str, Any], default_port: None, record: str) -> tuple[str, int | None]: ...
def endpoint(address: Any, options: Mapping[str, Any], default_port: int | None, record: str) -> tuple[str, int | None]:
    """(host, port) from the address and the ``port`` option, which must agree when both give one."""
    host, address_port = split_address(address, record)
    if "port" not in options:
        return host, default_port if address_port is None else address_port
    option = port(options["port"], record)
    if address_port is not None and option != address_port:
        raise ValidationError(record, "port", f"option port={option} contradicts the address port {address_port}")
    return host, option


def url_path(value: Any, record: str) -> str:
    """A URL path option: text starting with ``/``."""
    if not isinstance(value, str) or not value.startswith("/"):
        raise ValidationError(record, "path", f"{value!r} is not a URL path (text starting with '/')")
    return value


def http_base(host: str, port: int | None) -> str:
    """``http://host[:port]`` (an IPv6 literal in brackets)."""
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}" if port else f"http://{shown}"
