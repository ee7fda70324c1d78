"""The ``ricochetdb`` command, end to end on a real SQLite file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ricochetdb.domain.readings import Reading
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

DETECTOR = '{"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"}'


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    uri = f"sqlite:///{tmp_path / 'cli.sqlite'}"

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", uri, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


class TestBookkeeping:
    def test_a_run_lifecycle_from_the_shell(self, cli) -> None:  # type: ignore[no-untyped-def]
        assert cli("detector", "create", DETECTOR)[0] == 0
        assert cli("run", "create", '{"name": "run01", "detector": [{"name": "RED15"}]}')[0] == 0
        assert cli("run", "start", "run01", "--at", "2026-11-24T03:00:00Z")[0] == 0
        assert cli("run", "stop", "run01", "--at", "2026-11-24T04:00:00+01:00")[0] == 0
        code, out, _ = cli("--json", "run", "show", "run01")
        shown = json.loads(out)
        assert code == 0 and shown["stop_date"] == "2026-11-24T03:00:00+00:00"
        code, out, _ = cli("run", "list")
        assert "run01" in out and "RED15" in out.splitlines()[1]

    def test_a_stream_gets_history_detector_and_temperature_once_stopped(self, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        spec = tmp_path / "stream.json"
        spec.write_text(json.dumps({"name": "s1", "acq_config": {}, "channel_config": [], "comment": ""}))
        assert cli("stream", "create", str(spec))[0] == 0
        assert cli("stream", "start", "s1")[0] == 0
        code, _, err = cli("stream", "history", "add", "s1", "--detector", "FID1", "--label", "p", "--commit", "abc")
        assert code == 2 and "still running" in err
        assert cli("stream", "stop", "s1")[0] == 0
        assert cli("stream", "history", "add", "s1", "--detector", "FID1", "--label", "p", "--commit", "abc")[0] == 0
        assert cli("stream", "add-detector", "s1", "--channel-config", '{"det_name": "FID1"}')[0] == 0
        assert cli("stream", "temperature", "s1", "--mean", "0.015", "--std", "0.001")[0] == 0
        shown = json.loads(cli("--json", "stream", "show", "s1")[1])
        assert shown["history"][0]["code_commit"] == "abc"
        assert shown["temperature"] == {"mean": 0.015, "std": 0.001}

    def test_daq_messages_from_a_file_all_or_nothing(self, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        messages = tmp_path / "m.json"
        messages.write_text(json.dumps([{"topic": "a", "timestamp": 1.0}, {"topic": "b"}]))
        code, _, err = cli("daq", "insert", str(messages))
        assert code == 2 and "DAQ message #1: timestamp: mandatory field is missing" in err
        messages.write_text(json.dumps([{"topic": "a", "timestamp": 1.0}, {"topic": "b", "timestamp": 2.0}]))
        assert cli("daq", "insert", str(messages))[0] == 0
        assert len(json.loads(cli("--json", "daq", "list")[1])) == 2


class TestBadInput:
    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (("detector", "create", "{not json"), "not valid JSON"),
            (("detector", "create", "/no/such/file.json"), "cannot be read"),
            (("detector", "show", "ghost"), "does not exist"),
            (("run", "start", "ghost", "--at", "2026-01-01T00:00:00"), "no timezone"),
            (("detector", "create", DETECTOR.replace("{}", '{"$where": 1}')), "field names"),
        ],
    )
    def test_bad_input_gives_exit_code_2_and_one_line(self, cli, args: tuple[str, ...], message: str) -> None:  # type: ignore[no-untyped-def]
        code, out, err = cli(*args)
        assert code == 2 and out == ""
        assert message in err and err.count("\n") == 1

    def test_an_unreachable_database_gives_exit_code_3_without_the_password(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["--db", "sqlite:////nonexistent-dir/sub/x.sqlite", "detector", "list"])
        assert code == 3 and "database unavailable" in capsys.readouterr().err
        code = main(["--db", "postgres://user:s3cret@host/db", "detector", "list"])
        err = capsys.readouterr().err
        assert code == 3 and "s3cret" not in err and "***" in err and "configuration refused" in err


def test_the_console_script_is_installed() -> None:
    script = shutil.which("ricochetdb", path=str(Path(sys.executable).parent))
    assert script is not None
    done = subprocess.run([script, "--db", "memory://", "--json", "detector", "list"], capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout) == []


class TestUriFile:
    def test_the_uri_is_read_from_a_private_file(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        secret = tmp_path / "db.uri"
        secret.write_text(f"sqlite:///{tmp_path / 'x.sqlite'}\n")
        secret.chmod(0o600)
        assert main(["--db-file", str(secret), "--json", "detector", "list"]) == 0
        assert json.loads(capsys.readouterr().out) == []

    def test_a_file_readable_by_others_is_refused(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        secret = tmp_path / "db.uri"
        secret.write_text("mongodb://u:hunter2@host/db")
        secret.chmod(0o644)
        assert main(["--db-file", str(secret), "detector", "list"]) == 2
        err = capsys.readouterr().err
        assert "chmod 600" in err and "hunter2" not in err


class TestReadingsLatest:
    def test_since_bounds_the_search(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        db = f"sqlite:///{tmp_path / 'r.sqlite'}"
        now = datetime.now(UTC)
        with connect(db) as api:
            api.readings.add(
                [
                    Reading("X", "d", "old", 1.0, "", now - timedelta(days=3)),
                    Reading("X", "d", "new", 2.0, "", now - timedelta(minutes=5)),
                ]
            )
        labels = {}
        for since in ("1d", "all", "10m", "1m", (now - timedelta(days=4)).isoformat()):
            assert main(["--db", db, "--json", "readings", "latest", "--since", since]) == 0
            labels[since] = sorted(row["label"] for row in json.loads(capsys.readouterr().out))
        assert list(labels.values()) == [["new"], ["new", "old"], ["new"], [], ["new", "old"]]
        assert main(["--db", db, "readings", "latest", "--since", "yesterday"]) == 2


def test_status_reports_runs_and_streams_left_open(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("detector", "create", DETECTOR)[0] == 0
    assert cli("run", "create", '{"name": "run01", "detector": "RED15"}')[0] == 0
    assert cli("run", "start", "run01", "--at", "2026-11-24T03:00:00Z")[0] == 0
    code, out, _ = cli("--json", "status")
    status = json.loads(out)
    assert code == 0 and status["reachable"] is True
    assert status["left_open"] == ["run 'run01' running since 2026-11-24T03:00:00+00:00"]
