"""Database URIs: which backend they name, and how to print them without their password."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ricochetdb.domain.errors import ValidationError

_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:@/]*):(?P<password>[^@/]*)@")


def redact(text: str) -> str:
    """Replace the password of every URI in ``text`` by ``***``."""
    return _CREDENTIALS.sub(lambda m: f"{m['scheme']}{m['user']}:***@", text)


@dataclass(frozen=True)
class StoreUri:
    """A parsed store location: ``kind`` is sqlite, mongo or memory."""

    kind: str
    uri: str
    path: str = ""

    def __repr__(self) -> str:
        return f"StoreUri(kind={self.kind!r}, uri={redact(self.uri)!r})"


def parse_store_uri(uri: str) -> StoreUri:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite://`` (memory), ``mongodb://...``."""
    if not isinstance(uri, str) or not uri:
        raise ValidationError("database URI", "", "is empty")
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "sqlite":
        path = unquote(urlsplit(uri).path)
        path = path[1:] if path.startswith("/") else path
        return StoreUri("sqlite", uri, path or ":memory:")
    if scheme in ("mongodb", "mongodb+srv"):
        return StoreUri("mongo", uri)
    if scheme == "memory":
        return StoreUri("memory", uri)
    raise ValidationError(
        "database URI", redact(uri), "use sqlite:///path.sqlite, mongodb://host:27017/db or memory://"
    )
