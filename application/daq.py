"""The DAQ logger use-case: a batch of messages is stored whole or not at all."""

from __future__ import annotations

from typing import Any

from ricochetdb.application.ports import Store
from ricochetdb.domain.messages import validate_batch
from ricochetdb.domain.validation import check_collection


class DaqLogger:
    """Validates the whole batch before the first write, then writes it in one idempotent bulk."""

    def __init__(self, store: Store, collection: str) -> None:
        self.log = store.daq(check_collection(collection))

    def insert(self, messages: Any) -> int:
        """Store every message or none; return how many were new."""
        batch = validate_batch(messages)
        return self.log.add(batch) if batch else 0

    def find(self, topic: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return self.log.find(topic, limit)
