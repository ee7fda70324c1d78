"""Alarm transitions and operator actions as plain documents (datetimes kept as datetimes), for every store."""

from __future__ import annotations

from typing import Any

from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction

Document = dict[str, Any]


def _plain(value: Any) -> Any:
    """Tuples become lists, so the document survives JSON and BSON alike."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def event_doc(event: AlarmEvent) -> Document:
    """A transition as stored: ``entry`` says it is one."""
    return {
        "entry": "event",
        "name": event.name,
        "device": event.device,
        "state": event.state,
        "previous": event.previous,
        "timestamp": event.timestamp,
        "kind": event.kind,
        "severity": event.severity,
        "label": event.label,
        "value": _plain(event.value),
        "threshold": _plain(event.threshold),
        "since": event.since,
        "clock": event.clock,
        "held": event.held,
    }


def action_doc(action: OperatorAction) -> Document:
    """An operator action as stored."""
    return {
        "entry": "action",
        "action": action.action,
        "timestamp": action.timestamp,
        "user": action.user,
        "name": action.name,
        "device": action.device,
        "until": action.until,
        "matcher": [list(pair) for pair in action.matcher],
        "mode": action.mode,
        "comment": action.comment,
    }


def event_from_doc(doc: Document) -> AlarmEvent:
    """A stored transition back to its AlarmEvent."""
    return AlarmEvent(
        doc["name"],
        doc["device"],
        doc["state"],
        doc["previous"],
        doc["timestamp"],
        doc.get("kind", ""),
        doc.get("severity", "warning"),
        doc.get("label", ""),
        doc.get("value"),
        doc.get("threshold"),
        doc.get("since"),
        doc.get("clock", "server"),
        doc.get("held", ""),
    )


def action_from_doc(doc: Document) -> OperatorAction:
    """A stored operator action back to its OperatorAction."""
    matcher = tuple((str(key), str(pattern)) for key, pattern in doc.get("matcher", []))
    return OperatorAction(
        doc["action"],
        doc["timestamp"],
        doc.get("user", ""),
        doc.get("name", ""),
        doc.get("device", ""),
        doc.get("until"),
        matcher,
        doc.get("mode", ""),
        doc.get("comment", ""),
    )


def entry_from_doc(doc: Document) -> AlarmEvent | OperatorAction:
    """A stored document back to its transition or action."""
    return event_from_doc(doc) if doc["entry"] == "event" else action_from_doc(doc)
