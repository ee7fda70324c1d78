"""Ingest on a real folder: files that cannot be parsed or stored go to rejected/, files being written wait."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ricochetdb.adapters.processing_files import FolderProcessingFiles
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.ingest import ProcessingLoader
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

HEADER = {"stream_id": "s1", "timestamp": "2026-11-24T03:00:00Z"}


def result(stream: str, **extra: object) -> str:
    return json.dumps({**HEADER, "stream_id": stream, "records": [{"det": "FID1"}], **extra})


@pytest.fixture(params=["sqlite", "mongo"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'p.sqlite'}"
    mongo_uri: str = request.getfixturevalue("mongo_uri")
    return f"{mongo_uri.rstrip('/')}/{request.getfixturevalue('mongo_db_name')}"


def test_files_that_cannot_be_parsed_or_stored_go_to_rejected_and_the_folder_goes_on(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the deep file ended the run in a RecursionError and the others blocked the folder on MongoDB."""
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (drop / "bigint.json").write_text(result("s2", records=[{"counts": 2**64}]))
    (drop / "huge.json").write_text(result("s3", waveform="x" * (16 * 1024 * 1024 + 10)))
    (drop / "good.json").write_text(result("s4"))
    with connect(database, spool="") as api:
        for stream in ("s1", "s2", "s3", "s4"):
            api.streams.create({"name": stream, "acq_config": {}, "channel_config": [], "comment": ""})
    command = ["--db", database, "--spool", "", "--json", "ingest", str(drop)]
    assert main(command) == 4  # done in part: three files rejected
    outcome = {Path(row["file"]).name: (row["outcome"], row["reason"]) for row in json.loads(capsys.readouterr().out)}
    assert {name: kind for name, (kind, _) in outcome.items()} == {
        "deep.json": "rejected",
        "bigint.json": "rejected",
        "huge.json": "rejected",
        "good.json": "loaded",
    }
    assert "nested too deeply" in (drop / "rejected" / "deep.json.reason.txt").read_text()
    assert "records[0].counts: cannot be stored" in (drop / "rejected" / "bigint.json.reason.txt").read_text()
    assert "bytes once encoded" in (drop / "rejected" / "huge.json.reason.txt").read_text()
    assert all(len(reason) < 2000 for _, reason in outcome.values())
    assert sorted(p.name for p in drop.iterdir()) == ["rejected"]
    assert main(command) == 0 and json.loads(capsys.readouterr().out) == []
    with connect(database, spool="") as api:
        assert api.store.processing("processing_results").get("s4") is not None


def test_a_file_still_being_written_is_left_in_place_then_loaded_on_the_next_run(tmp_path: Path) -> None:
    """Before: the half-written file was moved to rejected/ (and the writer finished it there)."""
    drop = tmp_path / "drop"
    drop.mkdir()
    text = result("s1")
    growing = drop / "a1.json"
    growing.write_text(text[:20])
    (drop / "b1.json").write_text(result("s2"))

    def writer_goes_on(_seconds: float) -> None:
        with growing.open("a") as file:
            file.write(text[20:])

    store = SqliteStore(str(tmp_path / "p.sqlite"))
    try:
        first = ProcessingLoader(store.processing("results"), FolderProcessingFiles(wait=writer_goes_on))
        report = first.parse_folder(str(drop), r".*\.json")
        assert report.loaded == [str(drop / "b1.json")] and report.rejected == []
        assert report.skipped[0][0] == str(growing) and "still being written" in report.skipped[0][1]
        assert growing.exists() and not (drop / "rejected").exists()
        second = ProcessingLoader(store.processing("results"), FolderProcessingFiles(wait=lambda _seconds: None))
        assert second.parse_folder(str(drop), r".*\.json").loaded == [str(growing)]
    finally:
        store.close()
