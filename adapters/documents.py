"""Mapping between domain records and the documents every store keeps (the shape users query)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic

from ricochetdb.application.ports import R
from ricochetdb.domain.events import DeviceEvent
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.domain.records import Detector, HistoryRecord, Run, Stream, StreamDetector, Temperature
from ricochetdb.domain.validation import from_micros, to_micros

Document = dict[str, Any]


def _detector_doc(record: Detector) -> Document:
    return {
        **record.extra,
        "name": record.name,
        "acq_config": record.acq_config,
        "channel_config": record.channel_config,
        "status": record.status,
    }


def _detector(doc: Document) -> Detector:
    known = {"name", "acq_config", "channel_config", "status"}
    return Detector(
        doc["name"], doc["acq_config"], doc["channel_config"], doc["status"], _rest(doc, known), doc["revision"]
    )


def _run_doc(record: Run) -> Document:
    return {
        **record.extra,
        "name": record.name,
        "detector": record.detector,
        "start_date": record.start_date,
        "stop_date": record.stop_date,
        "description": record.description,
    }


def _run(doc: Document) -> Run:
    return Run(
        doc["name"],
        doc["detector"],
        doc.get("start_date"),
        doc.get("stop_date"),
        doc.get("description", ""),
        _rest(doc, Run.KNOWN),
        doc["revision"],
    )


def _history_doc(entry: HistoryRecord) -> Document:
    return {
        "timestamp": entry.timestamp,
        "detector_name": entry.detector,
        "label": entry.label,
        "code_commit": entry.code_commit,
        "description": entry.description,
        "processing_status": entry.processing_status,
        "processing_conf": entry.processing_conf,
    }


def _history(doc: Document) -> HistoryRecord:
    return HistoryRecord(
        doc["timestamp"],
        doc["detector_name"],
        doc["label"],
        doc["code_commit"],
        doc.get("description", ""),
        doc.get("processing_status"),
        doc.get("processing_conf"),
    )


def _stream_doc(record: Stream) -> Document:
    temperature = record.temperature
    return {
        **record.extra,
        "name": record.name,
        "acq_config": record.acq_config,
        "channel_config": record.channel_config,
        "comment": record.comment,
        "status": record.status,
        "start_date": record.start_date,
        "stop_date": record.stop_date,
        "detectors": [dataclasses.asdict(entry) for entry in record.detectors],
        "history": [_history_doc(entry) for entry in record.history],
        "temperature": None if temperature is None else {"mean": temperature.mean, "std": temperature.std},
        **({} if record.summary is None else {"summary": _summary_doc(record)}),
    }


def _stream(doc: Document) -> Stream:
    temperature = doc.get("temperature")
    return Stream(
        doc["name"],
        doc["acq_config"],
        doc["channel_config"],
        doc["comment"],
        doc.get("status"),
        doc.get("start_date"),
        doc.get("stop_date"),
        [StreamDetector(**entry) for entry in doc.get("detectors", [])],
        [_history(entry) for entry in doc.get("history", [])],
        None if temperature is None else Temperature(temperature["mean"], temperature["std"]),
        _rest(doc, Stream.KNOWN | Stream.MANAGED),
        doc["revision"],
        None if doc.get("summary") is None else _summary(doc["summary"]),
    )


def _summary_doc(record: Stream) -> Document:
    from ricochetdb.adapters.summary_docs import summary_doc  # loaded only for streams that have one

    assert record.summary is not None
    return summary_doc(record.summary)


def _summary(doc: Document) -> Any:
    from ricochetdb.adapters.summary_docs import summary_from_doc

    return summary_from_doc(doc)


def _rest(doc: Document, known: set[str] | frozenset[str]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key not in known and key not in ("_id", "revision")}


@dataclass(frozen=True)
class RecordMapper(Generic[R]):
    """Converts one kind of record to its document (without revision) and back."""

    kind: str
    to_doc: Callable[[R], Document]
    from_doc: Callable[[Document], R]


DETECTORS: RecordMapper[Detector] = RecordMapper("detector", _detector_doc, _detector)
RUNS: RecordMapper[Run] = RecordMapper("run", _run_doc, _run)
STREAMS: RecordMapper[Stream] = RecordMapper("stream", _stream_doc, _stream)


def event_doc(event: DeviceEvent) -> Document:
    return {
        "device_type": event.device_type,
        "device": event.device,
        "state": event.state,
        "error": event.error,
        "timestamp": event.timestamp,
    }


def event_from_doc(doc: Document) -> DeviceEvent:
    return DeviceEvent(doc["device_type"], doc["device"], doc["state"], doc["error"], doc["timestamp"])


def processing_doc(result: ProcessingResult) -> Document:
    """A processing result as stored: the file's content, plus the name of the file it came from."""
    return {
        **result.extra,
        "stream_id": result.stream_id,
        "timestamp": result.generated,
        "records": result.records,
        "source_file": result.source,
    }


def processing_from_doc(doc: Document) -> ProcessingResult:
    known = {"_id", "stream_id", "timestamp", "records", "source_file"}
    extra = {key: value for key, value in doc.items() if key not in known}
    return ProcessingResult(doc["stream_id"], doc["timestamp"], doc["records"], extra, doc.get("source_file", ""))


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": to_micros(value)}
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$date" in obj:
        return from_micros(obj["$date"])
    return obj


def dumps(document: Any) -> str:
    """JSON where datetimes survive exactly (user keys never start with '$', so no clash)."""
    return json.dumps(document, default=_encode, ensure_ascii=False, allow_nan=True)


def loads(text: str) -> Any:
    """Inverse of :func:`dumps`."""
    return json.loads(text, object_hook=_decode)
