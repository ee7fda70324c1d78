"""Offline laptop to MongoDB: ``ricochetdb sync`` pushes everything once and never overwrites."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ricochetdb.domain.polls import Poll
from ricochetdb.domain.processing import ProcessingResult
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def fill_laptop(uri: str) -> None:
    with connect(uri) as laptop:
        laptop.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
        laptop.runs.create({"name": "run01", "detector": "RED15", "start_date": T0})
        laptop.streams.create({"name": "s1", "acq_config": {}, "channel_config": [], "comment": "offline"})
        laptop.readings.add(
            [Poll("m", "MMR3", T0 + timedelta(seconds=i), {"T_4K": 4.0 + i / 1000}, {"T_4K": "K"}) for i in range(2500)]
        )
        laptop.daq.insert([{"topic": "daq", "timestamp": float(i), "i": i} for i in range(30)])
        results = laptop.store.processing("processing_results")
        for stream in ("s1", "s2"):
            results.store_if_newer(ProcessingResult(stream, T0, [{"detector": "FID1", "v": 1}], {}, f"{stream}.json"))


def test_sync_pushes_everything_exactly_once_and_reports_conflicts(
    tmp_path: Path, mongo_uri: str, mongo_db_name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    local = f"sqlite:///{tmp_path / 'laptop.sqlite'}"
    fill_laptop(local)
    remote = f"{mongo_uri.rstrip('/')}/{mongo_db_name}"
    with connect(remote, spool="") as server:
        server.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
        server.runs.create({"name": "run01", "detector": "RED15", "description": "made on the server"})
        newer = ProcessingResult("s2", T0 + timedelta(hours=1), [{"detector": "FID1", "v": 2}], {}, "s2-late.json")
        server.store.processing("processing_results").store_if_newer(newer)
    for attempt in range(2):
        assert main(["--db", local, "--json", "sync", "--to", remote]) == 4  # done, but with conflicts
        report = json.loads(capsys.readouterr().out)
        assert report["conflicts"] == [
            "runs 'run01' in 'lio_run_info': differs remotely, not overwritten",
            "processing result of stream 's2' in 'processing_results': the remote one is not older",
        ]
        assert report["new"].get("readings:readings", 0) == (2500 if attempt == 0 else 0)
        assert report["new"].get("processing:processing_results", 0) == (1 if attempt == 0 else 0)
        assert report["already_there"] >= (1 if attempt == 0 else 2530)
    with connect(remote, spool="") as server:
        assert len(server.readings.find()) == 2500
        assert len(server.daq.find()) == 30
        assert server.runs.get("run01").description == "made on the server"
        assert server.streams.get("s1").comment == "offline"
        remote_results = server.store.processing("processing_results")
        assert remote_results.get("s1").records == [{"detector": "FID1", "v": 1}]  # type: ignore[union-attr]
        assert remote_results.get("s2").records == [{"detector": "FID1", "v": 2}]  # type: ignore[union-attr]


def test_sync_refuses_a_source_that_is_not_a_sqlite_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", "memory://", "sync", "--to", "mongodb://127.0.0.1:1/x"]) == 2
    assert "must be a SQLite file" in capsys.readouterr().err
