"""Every code example of the original API document runs with only its import changed, on SQLite and MongoDB.

The examples are copied from the document with their line breaks restored, the import changed to
``ricochetdb.compat`` and the placeholder addresses replaced by the test database. Two decisions:

- the query example prints ``i`` where ``r`` is meant (a NameError in the original too): we print ``r``;
- ``dt.utcnow()`` is naive: at this edge a naive datetime is UTC, as the original documented, so the
  history record's timestamp is stored as that UTC time. ``dt.utcnow().timestamp()`` in the DAQ
  example is a float computed by Python (as local time, the document's own bug): stored as given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ricochetdb.compat import Database, DetectorManager

CONFIGURE = """
from ricochetdb.compat import Database
db = Database.get_database()
db.set_address(ADDRESS)
db.set_db_name(DB_NAME)
"""

QUERY = """
myquery = { "timestamp": { "$gt": dt.datetime(2020,4,14) } }
for r in Database.get_database().get_collection("mmr3-2020").find(myquery).limit(5):
    print(r)
"""

DAQ = """
from datetime import datetime as dt
import datetime
from ricochetdb.compat import DaqLogger
logger = DaqLogger()
messages = []
messages.append({'topic':'topic1','timestamp':dt.utcnow().timestamp(),'val1':5,'myfield_2':'text_value1'})
messages.append({'topic':'topic4','timestamp':dt.utcnow().timestamp(),'val1':6,'myfield_8':'text_value2'})
logger.insert(messages)
"""

RUN_CREATE = """
from datetime import datetime as dt
import datetime
from dateutil import parser
from ricochetdb.compat import RunManager
sr = RunManager("lio_run_info", "lio_detector_info")
try:
    start = parser.parse("2022-05-11T14:35:30.412") # Must be in UTC!
    stop = parser.parse("2022-05-11T14:43:48.586")
    sr.create({'name': 'testRun01', 'detector': [{'name':'RED15'}, {'name':'RED234'}], 'start_date':start,
               'stop_date':stop, 'description': ''})
except RuntimeError as e:
    print(e)
"""

RUN_STOP = """
from datetime import datetime as dt
import datetime
from dateutil import parser
from ricochetdb.compat import RunManager
sr = RunManager("lio_run_info", "lio_detector_info")
try:
    stop = parser.parse("2022-05-11T14:43:48.586")
    sr.stop('testRun01', stop)
    #sr.stop('testRun01') #also possible : will use the current UTC date
except RuntimeError as e:
    print(e)
"""

STREAM_CREATE = """
from datetime import datetime as dt
import datetime
from dateutil import parser
from ricochetdb.compat import StreamManager
sm = StreamManager("lio_stream_info", "lio_detector_info")
try:
    start = parser.parse("2022-05-11T14:35:30.412")
    stop = parser.parse("2022-05-11T14:43:48.586")
    sm.create({'name': 'testStream001', 'acq_config': {'modulation': True, 'd2': 250, 'd3': 400, 'Rt': 1,
               'maintenance': False}, 'channel_config': [{'det_name': 'FID1', 'chan_name': 'ChalA',
               'amplitude': 0.11, 'compensation': 0.771, 'correction': 38, 'gain': 1}, {'det_name': 'FID1',
               'chan_name': 'ChalB', 'amplitude': 0.11, 'compensation': 0.624, 'correction': 35, 'gain': 1}],
               'start_date':start, 'stop_date':stop, 'comment': '', 'status': 'good'})
except RuntimeError as e:
    print(e)
"""

HISTORY = """
ts = dt.utcnow()
sm.add_history_record(ts,'testStream001','FID1','processed','87B5E5A','New processing with corrected code')
"""

CLOSE = """
Database.get_database().close()
"""


@pytest.fixture(params=["sqlite", "mongo"])
def address(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """The namespace an example runs in: the test database's address and name, and ``dt`` for the query."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RICOCHETDB_SPOOL", "")
    if request.param == "sqlite":
        namespace = {"ADDRESS": f"sqlite:///{tmp_path / 'compat.sqlite'}", "DB_NAME": "ignored-by-sqlite"}
    else:
        namespace = {
            "ADDRESS": request.getfixturevalue("mongo_uri"),
            "DB_NAME": request.getfixturevalue("mongo_db_name"),
        }
    yield {**namespace, "dt": dt}
    Database.get_database().close()
    Database.handler = None


def run(example: str, namespace: dict[str, Any]) -> dict[str, Any]:
    exec(compile(example, "<example>", "exec"), namespace)
    return namespace


def collection(name: str, query: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return list(Database.get_database().get_collection(name).find(query))


def test_configure_then_query_five_records_after_a_date(
    address: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run(CONFIGURE, address)
    assert Database.get_database().is_configured()
    day = dt.datetime(2020, 4, 13)
    data = [{"timestamp": day + dt.timedelta(hours=6 * i), "device": "mmr3", "T_4K": 4.0 + i} for i in range(12)]
    assert Database.get_database().upload(data, "mmr3-2020", bulk_size=5) == 12
    run(QUERY, address)
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 5 and all("'device': 'mmr3'" in line for line in printed)
    later = collection("mmr3-2020", {"timestamp": {"$gt": dt.datetime(2020, 4, 14)}})
    assert len(later) == 7 and all(doc["timestamp"] > dt.datetime(2020, 4, 14) for doc in later)


def test_upload_takes_dicts_without_device_as_the_original_did(address: dict[str, Any]) -> None:
    """Before: ``device`` was mandatory and this upload raised."""
    run(CONFIGURE, address)
    assert Database.get_database().upload([{"timestamp": dt.datetime(2020, 4, 15), "T_4K": 4.01}], "mmr3-2020") == 1
    (stored,) = collection("mmr3-2020")
    assert (stored["device"], stored["device_type"], stored["T_4K"]) == ("external", "external", 4.01)


def test_daq_logger_example_inserts_both_messages(address: dict[str, Any]) -> None:
    run(CONFIGURE + DAQ, address)
    stored = collection("daq_messages")
    assert [m["topic"] for m in stored] == ["topic1", "topic4"] and stored[1]["myfield_8"] == "text_value2"
    with pytest.raises(RuntimeError, match="timestamp"):
        address["logger"].insert([{"topic": "t", "timestamp": 1.0}, {"topic": "no timestamp"}])
    assert len(collection("daq_messages")) == 2
    run(CLOSE, address)


def test_run_examples_create_then_stop(address: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    run(CONFIGURE, address)
    for name in ("RED15", "RED234"):
        DetectorManager("lio_detector_info").create(
            {"name": name, "acq_config": {}, "channel_config": [], "status": "ok"}
        )
    run(RUN_CREATE, address)
    assert capsys.readouterr().out == ""
    (stored,) = collection("lio_run_info", {"name": "testRun01"})
    assert stored["start_date"] == dt.datetime(2022, 5, 11, 14, 35, 30, 412000)  # naive in, UTC, naive out
    assert stored["stop_date"] == dt.datetime(2022, 5, 11, 14, 43, 48, 586000)
    run(RUN_STOP, address)  # the run was created stopped: the documented RuntimeError is printed
    assert "already stopped" in capsys.readouterr().out
    run(CLOSE, address)


def test_run_stop_example_stops_a_run_created_without_stop_date(
    address: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run(CONFIGURE, address)
    DetectorManager("lio_detector_info").create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": ""})
    run(RUN_CREATE.replace("'stop_date':stop, ", "").replace(", {'name':'RED234'}", ""), address)
    run(RUN_STOP, address)
    assert capsys.readouterr().out == ""
    (stored,) = collection("lio_run_info")
    assert stored["stop_date"] == dt.datetime(2022, 5, 11, 14, 43, 48, 586000)


def test_run_example_without_its_detectors_prints_the_refusal(
    address: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    run(CONFIGURE + RUN_CREATE, address)
    assert "unknown in 'lio_detector_info': RED15, RED234" in capsys.readouterr().out
    assert collection("lio_run_info") == []


def test_stream_examples_create_then_add_a_history_record(
    address: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    run(CONFIGURE + STREAM_CREATE + HISTORY + CLOSE, address)
    assert capsys.readouterr().out == ""
    (stream,) = collection("lio_stream_info")
    (entry,) = stream["history"]
    assert entry["label"] == "processed" and entry["code_commit"] == "87B5E5A"
    assert before <= entry["timestamp"] <= dt.datetime.now(dt.UTC).replace(tzinfo=None)  # utcnow() kept as UTC
    assert stream["channel_config"][1]["compensation"] == 0.624 and stream["status"] == "good"


def test_database_time_and_unconfigured_use(address: dict[str, Any]) -> None:
    with pytest.raises(RuntimeError, match="not configured"):
        Database.get_database().get_db_timestamp()
    run(CONFIGURE, address)
    moment = Database.get_database().get_db_timestamp()
    assert moment.tzinfo is None and abs(moment - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(
        minutes=1
    )
    assert Database.get_database() is Database.handler


def test_queries_work_through_the_default_mongodb_spool(
    mongo_uri: str, mongo_db_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RICOCHETDB_SPOOL", str(tmp_path / "spool.sqlite"))
    database = Database.get_database()
    try:
        database.set_address(mongo_uri)
        database.set_db_name(mongo_db_name)
        database.upload([{"timestamp": dt.datetime(2020, 4, 15), "device": "mmr3", "T": 1.0}], "mmr3-2020")
        assert len(collection("mmr3-2020")) == 1
    finally:
        database.close()
        Database.handler = None
