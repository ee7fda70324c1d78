"""MongoDB processing results: one document per stream, replaced only by a strictly newer generation."""

from __future__ import annotations

from typing import Any

from pymongo.errors import DuplicateKeyError

from ricochetdb.adapters.documents import processing_doc, processing_from_doc
from ricochetdb.adapters.mongo.collections import MongoCollection, plain_text
from ricochetdb.adapters.mongo.documents import with_micros, without_micros
from ricochetdb.application.ports import ProcessingRepository
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.validation import to_micros

GENERATED = "generated_us"


class MongoProcessingRepository(MongoCollection, ProcessingRepository):
    """``_id`` is the stream id; ``generated_us`` (exact integer) decides which generation wins."""

    kind = "records"

    def store_if_newer(self, result: ProcessingResult) -> bool:
        """One conditional upsert: a stored equal or newer generation makes it a duplicate key, not a write."""
        stream = plain_text(result.stream_id, "stream_id")
        doc: dict[str, Any] = with_micros({**processing_doc(result), GENERATED: to_micros(result.generated)})
        with self._guard("storing a processing result"):
            try:
                self.collection.replace_one(
                    {"_id": stream, GENERATED: {"$lt": doc[GENERATED]}}, {"_id": stream, **doc}, upsert=True
                )
            except DuplicateKeyError:
                return False
        return True

    def get(self, stream_id: str) -> ProcessingResult | None:
        with self._guard("reading a processing result"):
            doc = self.collection.find_one({"_id": plain_text(stream_id, "stream_id")})
        if doc is None:
            return None
        doc.pop(GENERATED, None)
        return processing_from_doc(without_micros(doc))
