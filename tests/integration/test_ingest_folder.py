"""The processing loader on a real folder and a real SQLite file, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main


def write(folder: Path, name: str, stream: str, when: str, value: int = 1) -> Path:
    path = folder / name
    path.write_text(json.dumps({"stream_id": stream, "timestamp": when, "records": [{"det": "FID1", "v": value}]}))
    return path


def test_a_folder_is_loaded_newer_first_and_bad_files_are_moved_aside(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    write(drop, "aaaaaaa1.json", "s1", "2026-11-24T03:00:00Z", 1)
    write(drop, "aaaaaaa2.json", "s1", "2026-11-24T04:00:00+00:00", 2)
    write(drop, "bbbbbbb1.json", "s2", "2026-11-24T03:00:00Z")
    (drop / "ccccccc1.json").write_text("{truncated")
    (drop / "README.txt").write_text("not a result")
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    with connect(db) as api:
        for stream in ("s1", "s2"):
            api.streams.create({"name": stream, "acq_config": {}, "channel_config": [], "comment": ""})
    assert main(["--db", db, "--json", "ingest", str(drop), "--regexp", r"[0-9a-z]{8}\.json"]) == 4  # one rejected
    outcome = {Path(row["file"]).name: row["outcome"] for row in json.loads(capsys.readouterr().out)}
    assert outcome == {
        "aaaaaaa1.json": "loaded",
        "aaaaaaa2.json": "loaded",
        "bbbbbbb1.json": "loaded",
        "ccccccc1.json": "rejected",
    }
    assert sorted(p.name for p in drop.iterdir()) == ["README.txt", "rejected"]
    assert "not valid JSON" in (drop / "rejected" / "ccccccc1.json.reason.txt").read_text()
    store = SqliteStore(str(tmp_path / "p.sqlite"))
    result = store.processing("processing_results").get("s1")
    assert result is not None and result.records[0]["v"] == 2
    store.close()

    write(drop, "aaaaaaa0.json", "s1", "2026-11-24T02:00:00Z")
    assert main(["--db", db, "--json", "ingest", str(drop), "--regexp", r"[0-9a-z]{8}\.json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["outcome"] == "skipped"
    assert (drop / "aaaaaaa0.json").exists()


def test_a_missing_folder_is_exit_code_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", f"sqlite:///{tmp_path / 'p.sqlite'}", "ingest", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err
