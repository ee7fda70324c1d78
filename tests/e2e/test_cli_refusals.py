"""Refusals of the installed ``ricochetdb`` command: one clear line and exit 2, never a traceback.

sync's refusals, ``--bulk-size 0``, read-only commands on a SQLite file that does not exist, and
hostile input (text that is not UTF-8, lone surrogates, JSON nested 100,000 deep, durations and
dates beyond the calendar) at every entry point: a few through the console script, all of them
in-process where a run costs milliseconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_console import Console

from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

DEEP = "[" * 100_000 + "]" * 100_000
SURROGATE = '[{"topic": "t", "timestamp": 1.0, "note": "\\ud800"}]'


@pytest.fixture
def console(tmp_path: Path) -> Console:
    return Console(tmp_path)


class TestSync:
    def test_sync_refuses_an_empty_target_the_source_itself_and_a_missing_source(self, console: Console) -> None:
        with connect(console.db) as api:
            api.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
        empty = console("sync", "--to", "")
        assert empty.one_line_refusal and "--to: is empty" in empty.err
        itself = console("sync", "--to", f"sqlite:///{console.folder}/./lab.sqlite")
        assert itself.one_line_refusal and "the source file itself" in itself.err
        missing = console("--db", "sqlite:///gone.sqlite", "sync", "--to", "sqlite:///target.sqlite")
        assert missing.one_line_refusal and "does not exist" in missing.err
        assert not (console.folder / "gone.sqlite").exists() and not (console.folder / "target.sqlite").exists()

    def test_sync_reports_what_was_new_and_exits_4_on_a_conflict(self, console: Console) -> None:
        target = f"sqlite:///{console.folder / 'server.sqlite'}"
        with connect(console.db) as laptop, connect(target) as server:
            for api, status in ((laptop, "ok"), (server, "broken")):
                api.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": status})
            laptop.daq.insert([{"topic": "t", "timestamp": float(i)} for i in range(3)])
        done = console("--json", "sync", "--to", target)
        report = json.loads(done.out)
        assert done.code == 4 and "1 conflicts, nothing overwritten" in done.err
        assert report["new"] == {"daq:daq_messages": 3} and len(report["conflicts"]) == 1

    def test_a_bulk_size_of_zero_is_refused(self, console: Console) -> None:
        with connect(console.db):
            pass
        for command in (["sync", "--to", "sqlite:///t.sqlite"], ["spool", "replay"]):
            done = console(*command, "--bulk-size", "0")
            assert done.one_line_refusal and "--bulk-size" in done.err, command


def test_a_read_only_command_refuses_a_sqlite_file_that_does_not_exist(console: Console) -> None:
    done = console("--db", "sqlite:///typo.sqlite", "run", "list")
    assert done.one_line_refusal and "does not exist" in done.err
    assert not (console.folder / "typo.sqlite").exists()


def test_hostile_input_through_the_console_script_is_one_line_and_exit_2(console: Console) -> None:
    (console.folder / "latin1.json").write_bytes(b'{"name": "caf\xe9", "acq_config": {}}')
    refusals = {
        "not UTF-8": console("detector", "create", "latin1.json"),
        "surrogate": console("daq", "insert", SURROGATE),
        "deep stdin": console("daq", "insert", "-", stdin=DEEP.encode()),
        "deep argument": console("daq", "insert", "[" * 65_000 + "]" * 65_000),
        "since": console("readings", "latest", "--since", "99999999999d"),
        "year 1": console("run", "start", "r1", "--at", "0001-01-01T00:30:00+01:00"),
        "year 9999": console("run", "stop", "r1", "--at", "9999-12-31T23:30:00-01:00"),
    }
    for shape, done in refusals.items():
        assert done.one_line_refusal, (shape, done)
    assert "latin1.json: is not UTF-8 text" in refusals["not UTF-8"].err
    assert "lone surrogate" in refusals["surrogate"].err
    assert "stdin: is nested too deeply" in refusals["deep stdin"].err
    assert "outside the years 1..9999" in refusals["year 9999"].err


READ_COMMANDS = [
    ["detector", "list"],
    ["run", "show", "r1"],
    ["stream", "show", "s1", "--history"],
    ["daq", "list"],
    ["readings", "latest"],
    ["status"],
    ["spool", "status"],
    ["sync", "--to", "sqlite:///elsewhere.sqlite"],
]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_every_read_only_command_refuses_a_missing_sqlite_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(["--db", f"sqlite:///{tmp_path / 'typo.sqlite'}", *command]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


SHAPES = {
    "deep": DEEP,
    "surrogate key": '{"\\udc80": 1}',
    "surrogate value": '{"name": "\\ud83d"}',
    "lone surrogate in argv": "{\udcff}",
}
JSON_ENTRIES = [
    ["detector", "create"],
    ["detector", "update", "RED15"],
    ["run", "create"],
    ["run", "update", "r1"],
    ["stream", "create"],
    ["stream", "update", "s1"],
    ["daq", "insert"],
    ["stream", "add-detector", "s1", "--channel-config"],
    ["stream", "history", "add", "s1", "--detector", "FID1", "--label", "p", "--commit", "c", "--conf"],
]
DATES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00", "2026-13-01T00:00:00Z", "tomorrow"]
DATE_ENTRIES = [
    ["run", "start", "r1", "--at"],
    ["run", "stop", "r1", "--at"],
    ["stream", "start", "s1", "--at"],
    ["stream", "history", "add", "s1", "--detector", "FID1", "--label", "p", "--commit", "c", "--at"],
    ["daq", "list", "--since"],
    ["readings", "latest", "--since"],
]
SINCE = ["99999999999d", "99999999999 weeks", "1e400h", "-1d", "6 lightyears", ""]


@pytest.fixture
def lab(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'fuzz.sqlite'}"
    with connect(db) as api:
        api.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
        api.detectors.create({"name": "FID1", "acq_config": {}, "channel_config": [], "status": "ok"})
        api.runs.create({"name": "r1", "detector": "RED15"})
        api.streams.create({"name": "s1", "acq_config": {}, "channel_config": [], "comment": ""})
    return db


def refused_in_one_line(capsys: pytest.CaptureFixture[str], code: int) -> bool:
    captured = capsys.readouterr()
    return code == 2 and captured.err.startswith("ricochetdb: ") and captured.err.count("\n") == 1


@pytest.mark.parametrize("entry", JSON_ENTRIES, ids=lambda e: " ".join(e[:2]))
def test_every_json_entry_point_refuses_each_hostile_shape_in_one_line(
    lab: str, capsys: pytest.CaptureFixture[str], entry: list[str]
) -> None:
    for shape, text in SHAPES.items():
        assert refused_in_one_line(capsys, main(["--db", lab, *entry, text])), shape


@pytest.mark.parametrize("entry", DATE_ENTRIES, ids=lambda e: " ".join(e[:2] + e[-1:]))
def test_every_date_entry_point_refuses_dates_beyond_the_calendar_in_one_line(
    lab: str, capsys: pytest.CaptureFixture[str], entry: list[str]
) -> None:
    for text in DATES + (SINCE if entry[-1] == "--since" else []):
        assert refused_in_one_line(capsys, main(["--db", lab, *entry, text])), text
