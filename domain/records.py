"""Bookkeeping records: detectors, runs, streams and the history of their processing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ricochetdb.domain.errors import StateError, ValidationError
from ricochetdb.domain.validation import (
    as_utc,
    check_keys,
    check_mapping,
    check_name,
    check_number,
    check_order,
    optional_utc,
    require,
)

RESERVED_KEYS = frozenset({"_id", "revision"})


def _extra(data: Mapping[str, Any], known: frozenset[str], record: str) -> dict[str, Any]:
    """The user's free fields, kept as given once their keys are safe."""
    check_keys(data, record)
    for key in RESERVED_KEYS.intersection(data):
        raise ValidationError(record, key, "is managed by ricochetdb and may not be given")
    return {key: value for key, value in data.items() if key not in known}


def _record_name(data: Any, kind: str) -> str:
    """The name of a record dict, validated, for error messages and identity."""
    if not isinstance(data, Mapping):
        raise ValidationError(kind, "", f"expected a dictionary, got {type(data).__name__}")
    require(data, ("name",), kind)
    return check_name(data["name"], kind)


@dataclass
class Detector:
    """A detector known to the experiment (name, acquisition and channel setup, status)."""

    name: str
    acq_config: Any
    channel_config: Any
    status: Any
    extra: dict[str, Any] = field(default_factory=dict)
    revision: int = 0

    MANDATORY: ClassVar[tuple[str, ...]] = ("name", "acq_config", "channel_config", "status")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Detector:
        """Validate a user's dict (mandatory fields, safe keys) into a Detector."""
        name = _record_name(data, "detector")
        record = f"detector {name!r}"
        require(data, cls.MANDATORY, record)
        extra = _extra(data, frozenset(cls.MANDATORY), record)
        return cls(name, data["acq_config"], data["channel_config"], data["status"], extra)


class Dated:
    """Start/stop lifecycle shared by runs and streams: start once, stop once, after start."""

    KIND: ClassVar[str]
    name: str
    start_date: datetime | None
    stop_date: datetime | None

    @property
    def label(self) -> str:
        return f"{self.KIND} {self.name!r}"

    @property
    def running(self) -> bool:
        """Started and not yet stopped."""
        return self.start_date is not None and self.stop_date is None

    def start(self, when: datetime) -> None:
        """Set the start date; refused if already started."""
        when = as_utc(when, self.label, "start_date")
        if self.start_date is not None:
            raise StateError(self.label, "start_date", f"already started at {self.start_date.isoformat()}")
        check_order(when, self.stop_date, self.label)
        self.start_date = when

    def stop(self, when: datetime) -> None:
        """Set the stop date; refused if not started or already stopped."""
        when = as_utc(when, self.label, "stop_date")
        if self.start_date is None:
            raise StateError(self.label, "stop_date", "cannot stop: never started")
        if self.stop_date is not None:
            raise StateError(self.label, "stop_date", f"already stopped at {self.stop_date.isoformat()}")
        check_order(self.start_date, when, self.label)
        self.stop_date = when


def _dates(data: Mapping[str, Any], record: str) -> tuple[datetime | None, datetime | None]:
    start = optional_utc(data.get("start_date"), record, "start_date")
    stop = optional_utc(data.get("stop_date"), record, "stop_date")
    if stop is not None and start is None:
        raise ValidationError(record, "stop_date", "a stop date needs a start date")
    check_order(start, stop, record)
    return start, stop


@dataclass
class Run(Dated):
    """A data-taking run over a set of detectors, as ``detector: [{'name': ...}]``."""

    name: str
    detector: list[dict[str, Any]]
    start_date: datetime | None = None
    stop_date: datetime | None = None
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    revision: int = 0

    KIND: ClassVar[str] = "run"
    KNOWN: ClassVar[frozenset[str]] = frozenset({"name", "detector", "start_date", "stop_date", "description"})

    @property
    def detector_names(self) -> list[str]:
        return [entry["name"] for entry in self.detector]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Run:
        """Validate a user's dict; ``detector`` may be a name, a list of names or of dicts."""
        name = _record_name(data, "run")
        record = f"run {name!r}"
        require(data, ("name", "detector"), record)
        extra = _extra(data, cls.KNOWN, record)
        start, stop = _dates(data, record)
        description = data.get("description", "")
        if not isinstance(description, str):
            raise ValidationError(record, "description", "must be text")
        return cls(name, _run_detectors(data["detector"], record), start, stop, description, extra)


def _run_detectors(value: Any, record: str) -> list[dict[str, Any]]:
    entries = [value] if isinstance(value, (str, Mapping)) else value
    if not isinstance(entries, (list, tuple)) or not entries:
        raise ValidationError(record, "detector", "must name at least one detector")
    detectors: list[dict[str, Any]] = []
    for index, entry in enumerate(entries):
        where = f"detector[{index}]"
        item = {"name": entry} if isinstance(entry, str) else entry
        if not isinstance(item, Mapping) or "name" not in item:
            raise ValidationError(record, where, "must be a detector name or a dict with 'name'")
        check_name(item["name"], record, f"{where}.name")
        detectors.append(dict(item))
    names = [entry["name"] for entry in detectors]
    if len(set(names)) != len(names):
        raise ValidationError(record, "detector", "names a detector twice")
    return detectors


@dataclass(frozen=True)
class HistoryRecord:
    """One processing step of one detector in a stream (label, git commit, status)."""

    timestamp: datetime
    detector: str
    label: str
    code_commit: str
    description: str = ""
    processing_status: float | None = None
    processing_conf: dict[str, Any] | None = None

    @classmethod
    def create(
        cls,
        stream: str,
        timestamp: Any,
        detector: Any,
        label: Any,
        code_commit: Any,
        description: Any = "",
        processing_status: Any = None,
        processing_conf: Any = None,
    ) -> HistoryRecord:
        """Validate every field; processing_status is a fraction in [0, 1]."""
        record = f"stream {stream!r} history"
        when = as_utc(timestamp, record, "timestamp")
        check_name(detector, record, "detector_name")
        check_name(label, record, "label")
        check_name(code_commit, record, "code_commit")
        if not isinstance(description, str):
            raise ValidationError(record, "description", "must be text")
        status = None
        if processing_status is not None:
            status = check_number(processing_status, record, "processing_status")
            if not 0.0 <= status <= 1.0:
                raise ValidationError(record, "processing_status", f"must be within [0, 1], got {status}")
        conf = None if processing_conf is None else check_mapping(processing_conf, record, "processing_conf")
        return cls(when, detector, label, code_commit, description, status, conf)


@dataclass(frozen=True)
class StreamDetector:
    """A detector added to a finished stream, with its configuration at the time."""

    name: str
    channel_config: dict[str, Any]
    acq_config: dict[str, Any]
    bbox_status: dict[str, Any]

    @classmethod
    def create(cls, stream: str, channel_config: Any, acq_config: Any, bbox_status: Any) -> StreamDetector:
        """The detector's name is ``channel_config['det_name']`` (or ``['name']``)."""
        record = f"stream {stream!r} detector"
        channel = check_mapping(channel_config, record, "channel_config")
        acq = check_mapping(acq_config, record, "acq_config")
        bbox = check_mapping(bbox_status, record, "bbox_status")
        name = channel.get("det_name", channel.get("name"))
        if name is None:
            raise ValidationError(record, "channel_config.det_name", "names no detector ('det_name' or 'name')")
        return cls(check_name(name, record, "channel_config.det_name"), channel, acq, bbox)


@dataclass(frozen=True)
class Temperature:
    """Mean and standard deviation of the 4 K temperature during a stream."""

    mean: float
    std: float

    @classmethod
    def create(cls, stream: str, mean: Any, std: Any) -> Temperature:
        record = f"stream {stream!r} temperature"
        value = check_number(mean, record, "mean_temp")
        spread = check_number(std, record, "std_temp")
        if spread < 0:
            raise ValidationError(record, "std_temp", f"must not be negative, got {spread}")
        return cls(value, spread)


@dataclass
class Stream(Dated):
    """A stream of data: configuration, then detectors, history and temperature once finished."""

    name: str
    acq_config: dict[str, Any]
    channel_config: list[Any]
    comment: str
    status: Any = None
    start_date: datetime | None = None
    stop_date: datetime | None = None
    detectors: list[StreamDetector] = field(default_factory=list)
    history: list[HistoryRecord] = field(default_factory=list)
    temperature: Temperature | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    revision: int = 0

    KIND: ClassVar[str] = "stream"
    MANDATORY: ClassVar[tuple[str, ...]] = ("name", "acq_config", "channel_config", "comment")
    MANAGED: ClassVar[frozenset[str]] = frozenset({"detectors", "history", "temperature"})
    KNOWN: ClassVar[frozenset[str]] = frozenset(
        {"name", "acq_config", "channel_config", "comment", "status", "start_date", "stop_date"}
    )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stream:
        """Validate a user's dict: mandatory fields, channel_config a list, safe keys."""
        name = _record_name(data, "stream")
        record = f"stream {name!r}"
        require(data, cls.MANDATORY, record)
        for key in cls.MANAGED.intersection(data):
            raise ValidationError(record, key, "is filled by add_detector/add_history_record/add_temperature")
        extra = _extra(data, cls.KNOWN, record)
        acq = check_mapping(data["acq_config"], record, "acq_config")
        channels = data["channel_config"]
        if not isinstance(channels, (list, tuple)):
            raise ValidationError(record, "channel_config", "must be a list")
        if not isinstance(data["comment"], str):
            raise ValidationError(record, "comment", "must be text")
        start, stop = _dates(data, record)
        return cls(name, acq, list(channels), data["comment"], data.get("status"), start, stop, extra=extra)

    def _refuse_while_running(self, field_name: str) -> None:
        if self.running:
            raise StateError(self.label, field_name, "refused while the stream is still running (not stopped)")

    def add_detector(self, detector: StreamDetector) -> None:
        """Add a detector once the stream has finished; each detector only once."""
        self._refuse_while_running("detectors")
        if any(known.name == detector.name for known in self.detectors):
            raise StateError(self.label, "detectors", f"detector {detector.name!r} is already in the stream")
        self.detectors.append(detector)

    def add_history(self, entry: HistoryRecord) -> None:
        """Append a processing history record once the stream has finished."""
        self._refuse_while_running("history")
        self.history.append(entry)

    def set_temperature(self, temperature: Temperature) -> None:
        """Record the stream's temperature once it has finished."""
        self._refuse_while_running("temperature")
        self.temperature = temperature
