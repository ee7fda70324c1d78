"""MongoDB alarm log: one document per transition or action, ``_id`` deterministic, ``_seq`` for order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from ricochetdb.adapters.alarm_documents import Document, action_doc, entry_from_doc, event_doc
from ricochetdb.adapters.mongo.collections import MongoCollection, plain_text
from ricochetdb.adapters.mongo.documents import SEQUENCE, with_micros, without_micros
from ricochetdb.application.ports import AlarmLog
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction

ORDER = [("timestamp", -1), (SEQUENCE, -1)]


class MongoAlarmLog(MongoCollection, AlarmLog):
    """Documents as users read them (``entry``: event or action), datetimes exact through ``_micros``.

    Ordered by ``timestamp`` then ``_seq`` (one ``$inc`` per write, like device events: alarms are rare).
    """

    kind = "events"

    def _store(self, entry: AlarmEvent | OperatorAction, doc: Document) -> None:
        self._prepare()
        with self._guard(f"storing an alarm {doc['entry']} of {entry.name!r}"):
            if self.collection.find_one({"_id": entry.id}, {"_id": True}) is not None:
                return
            try:
                self.collection.insert_one({"_id": entry.id, **with_micros(doc), SEQUENCE: self._reserve(1)})
            except DuplicateKeyError:
                return

    def _find(self, query: dict[str, Any], since: datetime | None, limit: int | None) -> list[Any]:
        if limit is not None and limit <= 0:
            return []
        if since is not None:
            query["timestamp"] = {"$gte": since}
        with self._guard(f"reading alarm {query['entry']}s"):
            docs = list(self.collection.find(query, {"_id": False}, sort=ORDER, limit=limit or 0))
        found = []
        for doc in docs:
            doc.pop(SEQUENCE, None)
            found.append(entry_from_doc(without_micros(doc)))
        if since is not None:
            found = [entry for entry in found if entry.timestamp >= since]
        return found

    def add(self, event: AlarmEvent) -> None:
        self._store(event, event_doc(event))

    def events(
        self,
        name: str | None = None,
        device: str | None = None,
        since: datetime | None = None,
        limit: int | None = None,
    ) -> list[AlarmEvent]:
        query: dict[str, Any] = {"entry": "event"}
        if name is not None:
            query["name"] = plain_text(name, "name")
        if device is not None:
            query["device"] = plain_text(device, "device")
        return self._find(query, since, limit)

    def act(self, action: OperatorAction) -> None:
        self._store(action, action_doc(action))

    def actions(self, since: datetime | None = None, limit: int | None = None) -> list[OperatorAction]:
        return self._find({"entry": "action"}, since, limit)
