"""Fault injection on a real MongoDB-wire server: SIGKILL it mid-polling and mid-DAQ, restart it,
then count: every reading and message stored exactly once."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from mongo_server import MongoTestServer
from pymongo import MongoClient

from ricochetdb.adapters.emulators.cryostat import start_emulator, stop_all
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig

pytestmark = pytest.mark.slow


def count_docs_labels(uri: str, db: str, collection: str) -> tuple[int, int]:
    """(documents, labels) of a readings collection; labels = every non-internal field."""
    internal = {"_id", "timestamp", "device", "device_type", "clock", "units", "source_time", "_micros"}
    client: MongoClient[dict[str, object]] = MongoClient(uri)
    try:
        docs = list(client[db][collection].find())
    finally:
        client.close()
    return len(docs), sum(len(set(doc) - internal) for doc in docs)


def test_polling_and_daq_survive_a_server_crash_exactly_once(tmp_path: Path) -> None:
    server = MongoTestServer(tmp_path / "data")
    uri = server.start()
    devices = [start_emulator(kind) for kind in ("CPX200", "JSON-SCALE", "MP710508")]
    api = connect(uri + "faults", spool=str(tmp_path / "spool.sqlite"), timeout_ms=400, retry_after=0.2)
    entries = [DeviceEntry(d.device_type, d.address, "slow", {**d.options, "timeout": 1.0}) for d in devices]
    loop = api.poll_loop(PollConfig(0.05, "slow", entries))
    expected_readings = 0
    sent_messages = 0
    stop_daq = threading.Event()

    def daq_writer() -> None:
        nonlocal sent_messages
        batch_no = 0
        while not stop_daq.is_set():
            batch = [{"topic": "daq", "timestamp": float(batch_no), "i": i, "batch": batch_no} for i in range(50)]
            api.daq.insert(batch)
            sent_messages += len(batch)
            batch_no += 1
            time.sleep(0.01)

    writer = threading.Thread(target=daq_writer)
    writer.start()
    local_stamps = 0
    try:
        for cycle in range(40):
            if cycle == 10:
                server.kill()
            if cycle == 25:
                server.start()
            report = loop.cycle()
            assert report.failures == [] and report.backlog == 0
            expected_readings += report.read
            local_stamps += sum(len(poll.values) for poll in report.polls if poll.clock == "local")
            time.sleep(0.05)
    finally:
        stop_daq.set()
        writer.join()
        loop.poller.close()
        stop_all(devices)
    deadline = time.monotonic() + 30
    while api.spool_pending() and time.monotonic() < deadline:
        api.replay_spool()
        time.sleep(0.3)
    assert api.spool_pending() == {}
    assert local_stamps > 0, "the crash window should have been stamped with the local clock"
    _docs, labels = count_docs_labels(uri, "faults", "slow")
    assert labels == expected_readings
    client: MongoClient[dict[str, object]] = MongoClient(uri)
    messages = list(client["faults"]["daq_messages"].find({}, {"batch": 1, "i": 1}))
    client.close()
    assert len(messages) == sent_messages
    assert len({(m["batch"], m["i"]) for m in messages}) == sent_messages
    api.close()
    server.stop()
