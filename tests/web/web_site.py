"""Helpers of the web tests: a SQLite database with known readings, runs and streams, and Chromium."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from ricochetdb.adapters.web.live import LiveState
from ricochetdb.entrypoints.api import Ricochet

CHROMIUM = "/usr/bin/chromium"
TOKEN = "tok-" + "7" * 28


def chromium_or_fail() -> str:
    """The distribution's Chromium; in CI (CI=true) its absence fails the test, elsewhere it skips it."""
    path = shutil.which("chromium") or (CHROMIUM if os.path.exists(CHROMIUM) else None)
    if path is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("headless Chromium is missing: .ci/run installs the distribution's 'chromium' package")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    return path


@dataclass
class Site:
    """A database with two devices over six hours (with a gap), a run and a stream, and a client of the app."""

    api: Ricochet
    client: TestClient
    start: datetime
    stop: datetime
    live: LiveState


def fill(api: Ricochet, start: datetime) -> None:
    """fridge: T_MC every 60 s for 6 h with a 40 min gap; gauge: P1 every 60 s."""
    documents: list[dict[str, Any]] = []
    for minute in range(360):
        when = start + timedelta(minutes=minute)
        if not 120 <= minute < 160:
            documents.append(
                {
                    "timestamp": when,
                    "device": "fridge",
                    "device_type": "MMR3",
                    "T_MC": 0.012 + 1e-5 * (minute % 17),
                    "T_4K": 3.9,
                    "units": {"T_MC": "K", "T_4K": "K"},
                }
            )
        documents.append(
            {
                "timestamp": when,
                "device": "gauge",
                "device_type": "CPX200",
                "P1": 1e-3 * (1 + minute % 5),
                "units": {"P1": "mbar"},
            }
        )
    api.readings.add_documents(documents)
    api.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
    api.runs.create({"name": "run01", "detector": ["RED15"], "description": "first cooldown"})
    api.runs.start("run01", start + timedelta(hours=1))
    api.streams.create({"name": "s001", "acq_config": {}, "channel_config": [], "comment": "calibration"})
    api.streams.start("s001", start + timedelta(hours=2))
    api.streams.stop("s001", start + timedelta(hours=4))
