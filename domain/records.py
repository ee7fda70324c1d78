"""Bookkeeping records: detectors, runs, streams and the history of their processing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from ricochetdb.domain.errors import StateError, ValidationError
from ricochetdb.domain.stream_entries import HistoryRecord as HistoryRecord
from ricochetdb.domain.stream_entries import StreamDetector as StreamDetector
from ricochetdb.domain.stream_entries import Temperature as Temperature
from ricochetdb.domain.validation import (
    as_utc,
    check_keys,
    check_mapping,
    check_name,
    check_order,
    optional_utc,
    require,
)

if TYPE_CHECKING:
    from ricochetdb.domain.stream_summary import StreamSummary

RESERVED_KEYS = frozenset({"_id", "revision"})
EXTRA = "extra"
"""The one key of a run or stream under which every field it does not know is kept."""
CLOCK_TOLERANCE = timedelta(minutes=5)
"""How far ahead of the database clock a start or stop date may be without ``allow_future``."""


def _extra(data: Mapping[str, Any], known: frozenset[str], record: str) -> dict[str, Any]:
    """The user's free fields, kept as given once their keys are safe."""
    check_keys(data, record)
    for key in RESERVED_KEYS.intersection(data):
        raise ValidationError(record, key, "is managed by ricochetdb and may not be given")
    return {key: value for key, value in data.items() if key not in known}


def _kept_under_extra(data: Mapping[str, Any], known: frozenset[str], record: str) -> dict[str, Any]:
    """A run's or stream's unknown top-level fields, gathered under ``extra`` (a typo never becomes a field)."""
    free = _extra(data, known, record)
    given = free.pop(EXTRA, {})
    if not isinstance(given, Mapping):
        raise ValidationError(record, EXTRA, f"must be a dictionary, not {type(given).__name__}")
    for key in set(free).intersection(given):
        raise ValidationError(record, key, f"is given both at the top level and under {EXTRA!r}")
    merged = {**given, **free}
    return {EXTRA: merged} if merged else {}


def unknown_fields(data: Mapping[str, Any], kind: str) -> list[str]:
    """The top-level fields of a run or stream dict that will be kept under ``extra``."""
    known = Run.KNOWN if kind == "run" else Stream.KNOWN | Stream.MANAGED
    return [key for key in data if key not in known and key != EXTRA and key not in RESERVED_KEYS]


def check_not_future(when: datetime, now: datetime, record: str, field_name: str) -> None:
    """Refuse a date beyond the database clock plus a small tolerance (a typo in the year, say)."""
    if when > now + CLOCK_TOLERANCE:
        raise ValidationError(
            record,
            field_name,
            f"{when.isoformat()} is in the future (database time {now.isoformat(timespec='seconds')});"
            " use --allow-future (allow_future=True) if that is meant",
        )


def _check_changes(changes: Any, record: str, allowed: Iterable[str] | None) -> Mapping[str, Any]:
    """A non-empty dict of fields to change, each one that may change after creation."""
    if not isinstance(changes, Mapping) or not changes:
        raise ValidationError(record, "", "give a non-empty dictionary of fields to change")
    check_keys(changes, record)
    allowed = None if allowed is None else tuple(allowed)
    for key in changes:
        if key == "name" or key in RESERVED_KEYS or (allowed is not None and key not in allowed):
            what = "every field but the name" if allowed is None else ", ".join(allowed)
            raise ValidationError(record, key, f"may not be changed (may change: {what})")
    return changes


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

    def update(self, changes: Mapping[str, Any]) -> None:
        """Change any field but the name (configurations, status, free fields)."""
        for key, value in _check_changes(changes, f"detector {self.name!r}", None).items():
            if key in self.MANDATORY:
                setattr(self, key, value)
            else:
                self.extra[key] = value


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
        extra = _kept_under_extra(data, cls.KNOWN, record)
        start, stop = _dates(data, record)
        description = data.get("description", "")
        if not isinstance(description, str):
            raise ValidationError(record, "description", "must be text")
        return cls(name, _run_detectors(data["detector"], record), start, stop, description, extra)

    UPDATABLE: ClassVar[tuple[str, ...]] = ("description", EXTRA)

    def update(self, changes: Mapping[str, Any]) -> None:
        """Change the description or the free fields kept under ``extra``."""
        changes = _check_changes(changes, self.label, self.UPDATABLE)
        if "description" in changes:
            if not isinstance(changes["description"], str):
                raise ValidationError(self.label, "description", "must be text")
            self.description = changes["description"]
        if EXTRA in changes:
            self.extra = _kept_under_extra({EXTRA: changes[EXTRA]}, frozenset(), self.label)


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


def _channels(value: Any, record: str) -> list[Any]:
    """``channel_config``: a list whose ``det_name`` entries are detector names."""
    if not isinstance(value, (list, tuple)):
        raise ValidationError(record, "channel_config", "must be a list")
    for index, entry in enumerate(value):
        if isinstance(entry, Mapping) and "det_name" in entry:
            check_name(entry["det_name"], record, f"channel_config[{index}].det_name")
    return list(value)


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
    summary: StreamSummary | None = None
    """What the slow control did during the stream (``domain.stream_summary``), kept once it stopped."""

    KIND: ClassVar[str] = "stream"
    MANDATORY: ClassVar[tuple[str, ...]] = ("name", "acq_config", "channel_config", "comment")
    MANAGED: ClassVar[frozenset[str]] = frozenset({"detectors", "history", "temperature", "summary"})
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
        extra = _kept_under_extra(data, cls.KNOWN, record)
        acq = check_mapping(data["acq_config"], record, "acq_config")
        channels = _channels(data["channel_config"], record)
        if not isinstance(data["comment"], str):
            raise ValidationError(record, "comment", "must be text")
        start, stop = _dates(data, record)
        return cls(name, acq, channels, data["comment"], data.get("status"), start, stop, extra=extra)

    UPDATABLE: ClassVar[tuple[str, ...]] = ("comment", "status", "acq_config", "channel_config", EXTRA)

    def update(self, changes: Mapping[str, Any]) -> None:
        """Change the comment, status, configurations or the free fields kept under ``extra``."""
        changes = _check_changes(changes, self.label, self.UPDATABLE)
        if "comment" in changes and not isinstance(changes["comment"], str):
            raise ValidationError(self.label, "comment", "must be text")
        acq = check_mapping(changes.get("acq_config", self.acq_config), self.label, "acq_config")
        channels = _channels(changes.get("channel_config", self.channel_config), self.label)
        extra = _kept_under_extra({EXTRA: changes[EXTRA]}, frozenset(), self.label) if EXTRA in changes else self.extra
        self.comment = changes.get("comment", self.comment)
        self.status = changes.get("status", self.status)
        self.acq_config, self.channel_config, self.extra = acq, channels, extra

    @property
    def detector_names(self) -> list[str]:
        """Every detector the stream names: ``channel_config[].det_name``, added detectors, history."""
        channels = [entry for entry in self.channel_config if isinstance(entry, Mapping) and "det_name" in entry]
        named = [entry["det_name"] for entry in channels]
        named += [entry.name for entry in self.detectors] + [entry.detector for entry in self.history]
        return list(dict.fromkeys(named))

    def _refuse_while_running(self, field_name: str) -> None:
        if self.running:
            raise StateError(self.label, field_name, "refused while the stream is still running (not stopped)")

    def add_detector(self, detector: StreamDetector) -> None:
        """Add a detector once the stream has finished; each detector only once."""
        self._refuse_while_running("detectors")
        if any(known.name == detector.name for known in self.detectors):
            raise StateError(self.label, "detectors", f"detector {detector.name!r} is already in the stream")
        self.detectors.append(detector)

    def set_summary(self, summary: StreamSummary) -> None:
        """Keep the slow-control summary of the stream once it has finished."""
        self._refuse_while_running("summary")
        self.summary = summary

    def add_history(self, entry: HistoryRecord) -> None:
        """Append a processing history record once the stream has finished."""
        self._refuse_while_running("history")
        self.history.append(entry)

    def set_temperature(self, temperature: Temperature) -> None:
        """Record the stream's temperature once it has finished."""
        self._refuse_while_running("temperature")
        self.temperature = temperature
