"""The DAQ all-or-nothing promise on a live MongoDB: a batch the store cannot hold whole is refused whole.

Before, the driver split a big batch into server-sized pieces and wrote the first ones before it met
the bad message; now every message is checked against what MongoDB can hold before the first write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pymongo import MongoClient

from ricochetdb.adapters.mongo.store import MongoStore
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.daq import DaqLogger
from ricochetdb.application.replay import pending
from ricochetdb.domain.errors import REASON_LIMIT, ValidationError
from ricochetdb.domain.messages import DaqMessage
from ricochetdb.entrypoints.cli import main

SIXTEEN_MIB = 16 * 1024 * 1024


def stored_count(mongo_uri: str, database: str, collection: str = "daq_messages") -> int:
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri)
    try:
        return client[database][collection].count_documents({})
    finally:
        client.close()


def test_100001_messages_with_a_bad_last_one_are_refused_whole(mongo_uri: str, mongo_db_name: str) -> None:
    """Before: the first 100,000 (one server batch) were stored, then the last one was refused."""
    batch: list[dict[str, object]] = [{"topic": "t", "timestamp": float(i), "n": i} for i in range(100_000)]
    batch.append({"topic": "t", "timestamp": 1e5, "n": 2**64})
    store = MongoStore(mongo_uri, db_name=mongo_db_name)
    try:
        with pytest.raises(ValidationError, match=r"DAQ message #100000: n: cannot be stored"):
            DaqLogger(store, "daq_messages").insert(batch)
    finally:
        store.close()
    assert stored_count(mongo_uri, mongo_db_name) == 0


def test_a_batch_with_one_message_over_16_mb_is_refused_before_anything_is_written(
    mongo_uri: str, mongo_db_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: 3 of 4 were stored, then the CLI said "inserted 4" and spooled the batch."""
    messages = [{"topic": "t", "timestamp": float(i), "note": "ok"} for i in range(4)]
    messages[2]["blob"] = "x" * (SIXTEEN_MIB + 1)
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(messages))
    spool = tmp_path / "spool.sqlite"
    uri = f"{mongo_uri.rstrip('/')}/{mongo_db_name}"
    assert main(["--db", uri, "--spool", str(spool), "daq", "insert", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("ricochetdb: DAQ message #2: cannot be stored") and captured.err.count("\n") == 1
    assert stored_count(mongo_uri, mongo_db_name) == 0
    local = SqliteStore(str(spool))
    try:
        assert pending(SqliteArchive(local)) == {}
    finally:
        local.close()


def test_a_document_the_driver_cannot_encode_gives_a_short_error(mongo_uri: str, mongo_db_name: str) -> None:
    """A message that bypassed validation: the driver's message quotes the whole document, the error does not."""
    body: dict[str, object] = {"topic": "t", "timestamp": 1.0, "samples": {float(i) for i in range(200_000)}}
    store = MongoStore(mongo_uri, db_name=mongo_db_name)
    try:
        with pytest.raises(ValidationError) as caught:
            store.daq("daq_messages").add([DaqMessage("0" * 32, "t", 1.0, body)])
    finally:
        store.close()
    assert len(str(caught.value)) < 2 * REASON_LIMIT and "more characters cut" in str(caught.value)
    assert stored_count(mongo_uri, mongo_db_name) == 0
