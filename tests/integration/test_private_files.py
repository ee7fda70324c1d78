"""SQLite database and spool files, with their -wal and -shm companions, are readable by their owner only."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from mongo_server import free_port

from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask most accounts have (022), which left new files readable by everyone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(path: Path) -> dict[str, int]:
    """The permission bits of ``path`` and of its companions that exist."""
    found = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
    return {file.name: stat.S_IMODE(file.stat().st_mode) for file in found if file.exists()}


def test_a_new_sqlite_database_and_its_companions_are_mode_600(tmp_path: Path) -> None:
    path = tmp_path / "lab.sqlite"
    with connect(f"sqlite:///{path}") as api:
        api.daq.insert([{"topic": "t", "timestamp": 1.0}])
        seen = modes(path)
    assert set(seen) == {"lab.sqlite", "lab.sqlite-wal", "lab.sqlite-shm"}
    assert seen == dict.fromkeys(seen, 0o600)


def test_a_new_spool_and_its_companions_are_mode_600(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spool = tmp_path / "spool.sqlite"
    messages = tmp_path / "m.json"
    messages.write_text(json.dumps([{"topic": "t", "timestamp": 1.0}]))
    uri = f"mongodb://127.0.0.1:{free_port()}/ricochet"
    with connect(uri, timeout_ms=200, spool=str(spool)) as api:
        api.daq.insert([{"topic": "t", "timestamp": 1.0}])
        seen = modes(spool)
    assert "spool.sqlite-wal" in seen and seen == dict.fromkeys(seen, 0o600)
    assert main(["--db", uri, "--timeout-ms", "200", "--spool", str(tmp_path / "cli-spool.sqlite"), "daq", "insert",
                 str(messages)]) == 0  # fmt: skip
    assert modes(tmp_path / "cli-spool.sqlite")["cli-spool.sqlite"] == 0o600
    capsys.readouterr()


def test_an_existing_database_keeps_the_mode_its_owner_gave_it(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    with connect(f"sqlite:///{path}") as api:
        api.daq.insert([{"topic": "t", "timestamp": 1.0}])
    path.chmod(0o640)
    with connect(f"sqlite:///{path}") as api:
        assert len(api.daq.find()) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
