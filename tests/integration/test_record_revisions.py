"""delete and revisions of RecordRepository, the same on every store (memory, SQLite file, MongoDB-wire server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.adapters.mongo.store import MongoStore
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.ports import Store
from ricochetdb.domain.errors import ConcurrentUpdate, RecordNotFound
from ricochetdb.domain.records import Detector, Run, Stream
from ricochetdb.domain.revisions import revision

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite", "mongo"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        built: Store = InMemoryStore()
    elif request.param == "sqlite":
        built = SqliteStore(str(tmp_path / "revisions.sqlite"))
    else:
        built = MongoStore(request.getfixturevalue("mongo_uri"), db_name=request.getfixturevalue("mongo_db_name"))
    yield built
    built.close()


def test_revisions_are_kept_with_each_change_and_outlive_a_delete(store: Store) -> None:
    runs = store.runs("lio_run_info")
    run = Run.from_dict({"name": "r1", "detector": "RED15", "description": "first"})
    runs.add(run, revision("run", "lio_run_info", "create", "alice", T0, None, run, 1))
    before = runs.get("r1")
    assert before is not None
    run.update({"description": "second"})
    runs.save(run, revision("run", "lio_run_info", "update", "bob", T0 + timedelta(hours=1), before, run, 2))
    runs.delete(run, revision("run", "lio_run_info", "delete", "bob", T0 + timedelta(hours=2), run, None, 2))
    assert runs.get("r1") is None
    kept = runs.revisions("r1")
    assert [(r.action, r.user, r.revision) for r in kept] == [
        ("create", "alice", 1),
        ("update", "bob", 2),
        ("delete", "bob", 2),
    ]
    assert kept[0].timestamp == T0 and kept[0].after["description"] == "first"
    assert kept[1].before == {"description": "first"} and kept[1].after == {"description": "second"}
    assert kept[2].before["name"] == "r1" and kept[2].after == {}


def test_revisions_of_one_collection_and_kind_only(store: Store) -> None:
    detector = Detector.from_dict({"name": "X", "acq_config": {}, "channel_config": [], "status": "ok"})
    store.detectors("a").add(detector, revision("detector", "a", "create", "u", T0, None, detector, 1))
    stream = Stream.from_dict({"name": "X", "acq_config": {}, "channel_config": [], "comment": ""})
    store.streams("b").add(stream, revision("stream", "b", "create", "u", T0, None, stream, 1))
    assert [r.kind for r in store.detectors("a").revisions("X")] == ["detector"]
    assert [r.kind for r in store.streams("b").revisions("X")] == ["stream"]
    assert store.detectors("b").revisions("X") == []


def test_a_delete_is_a_compare_and_set(store: Store) -> None:
    detectors = store.detectors("det")
    detector = Detector.from_dict({"name": "X", "acq_config": {}, "channel_config": [], "status": "ok"})
    detectors.add(detector)
    stale = detectors.get("X")
    assert stale is not None
    detector.update({"status": "broken"})
    detectors.save(detector)
    with pytest.raises(ConcurrentUpdate):
        detectors.delete(stale)
    detectors.delete(detector)
    with pytest.raises(RecordNotFound):
        detectors.delete(detector)
    assert detectors.revisions("X") == []
