"""A stream's slow-control summary as the stream document keeps it, and back (same shape on every store)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ricochetdb.domain.stream_summary import ChannelSummary, StreamSummary


def summary_doc(summary: StreamSummary) -> dict[str, Any]:
    """``{"start", "stop", "interval_s", "channels": [one dict per channel]}``."""
    return {
        "start": summary.start,
        "stop": summary.stop,
        "interval_s": summary.interval_s,
        "channels": [dataclasses.asdict(channel) for channel in summary.channels],
    }


def summary_from_doc(doc: dict[str, Any]) -> StreamSummary:
    known = {field.name for field in dataclasses.fields(ChannelSummary)}
    channels = tuple(ChannelSummary(**{k: v for k, v in entry.items() if k in known}) for entry in doc["channels"])
    return StreamSummary(doc["start"], doc["stop"], channels, doc.get("interval_s"))
