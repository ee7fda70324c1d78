"""Deterministic ids: fixed when an item is created, so every retry and replay is idempotent."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not storable")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and datetimes spelled out: equal content, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=_plain, ensure_ascii=False)


def content_id(*parts: Any) -> str:
    """A 128-bit hex digest of the parts' canonical JSON."""
    return hashlib.sha256(canonical_json(list(parts)).encode("utf-8")).hexdigest()[:32]
