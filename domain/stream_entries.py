"""What a finished stream gathers: processing history records, added detectors, its temperature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import as_utc, check_mapping, check_name, check_number


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
        if value <= 0:
            raise ValidationError(record, "mean_temp", f"must be a positive temperature in kelvin, got {value}")
        if spread < 0:
            raise ValidationError(record, "std_temp", f"must not be negative, got {spread}")
        return cls(value, spread)
