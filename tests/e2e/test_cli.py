"""The ``ricochetdb`` command, end to end on a real SQLite file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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
        assert cli("detector", "create", DETECTOR.replace("RED15", "FID1"))[0] == 0
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
        assert cli("stream", "temperature", "s1", "--mean", "0.016", "--std", "0.001")[0] == 0
        changes = json.loads(cli("--json", "stream", "show", "s1", "--history")[1])
        assert [c["action"] for c in changes] == [
            "create",
            "start",
            "stop",
            "add-history",
            "add-detector",
            "temperature",
            "temperature",
        ]
        assert changes[-1]["before"] == {"temperature": {"mean": 0.015, "std": 0.001}}

    def test_corrections_of_each_kind_of_record(self, cli) -> None:  # type: ignore[no-untyped-def]
        assert cli("detector", "create", DETECTOR)[0] == 0
        assert cli("stream", "create", '{"name": "s1", "acq_config": {}, "channel_config": [], "comment": ""}')[0] == 0
        assert cli("detector", "update", "RED15", '{"status": "noisy", "channel_config": [1]}')[0] == 0
        assert cli("stream", "update", "s1", '{"comment": "bad cable", "status": "bad"}')[0] == 0
        code, _, err = cli("stream", "update", "s1", '{"start_date": "2026-11-24T03:00:00Z"}')
        assert code == 2 and "may not be changed (may change: comment, status" in err
        code, _, err = cli("detector", "update", "RED15", '{"name": "RED16"}')
        assert code == 2 and "name: may not be changed" in err
        assert json.loads(cli("--json", "detector", "show", "RED15")[1])["status"] == "noisy"
        assert cli("stream", "delete", "s1")[0] == 0
        assert [c["action"] for c in json.loads(cli("--json", "stream", "show", "s1", "--history")[1])] == [
            "create",
            "update",
            "delete",
        ]
        assert cli("stream", "show", "s1")[0] == 2

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
        code = main(["--db", "sqlite:////nonexistent-dir/sub/x.sqlite", "detector", "create", DETECTOR])
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
        assert main(["--db-file", str(secret), "detector", "create", DETECTOR]) == 0
        capsys.readouterr()
        assert main(["--db-file", str(secret), "--json", "detector", "list"]) == 0
        assert [d["name"] for d in json.loads(capsys.readouterr().out)] == ["RED15"]

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
            api.readings.add_documents(
                [
                    {"timestamp": now - timedelta(days=3), "device": "d", "device_type": "X", "old": 1.0},
                    {"timestamp": now - timedelta(minutes=5), "device": "d", "device_type": "X", "new": 2.0},
                ]
            )
        labels = {}
        for since in ("1d", "all", "10m", "1m", (now - timedelta(days=4)).isoformat(), "6 hours", "2 days", "1w"):
            assert main(["--db", db, "--json", "readings", "latest", "--since", since]) == 0
            labels[since] = sorted(row["label"] for row in json.loads(capsys.readouterr().out))
        assert list(labels.values()) == [
            ["new"],
            ["new", "old"],
            ["new"],
            [],
            ["new", "old"],
            ["new"],
            ["new"],
            ["new", "old"],
        ]
        assert main(["--db", db, "readings", "latest", "--since", "yesterday"]) == 2

    def test_a_device_is_matched_by_its_name_type_or_address(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.chdir(tmp_path)
        db = f"sqlite:///{tmp_path / 'r.sqlite'}"
        now = datetime.now(UTC)
        with connect(db) as api:
            api.reading_book("slow").add_documents(
                [
                    {"timestamp": now, "device": "still", "device_type": "MMR3", "T": 0.01},
                    {"timestamp": now, "device": "CPX200@10.0.0.2:9221", "device_type": "CPX200", "V": 1.0},
                ]
            )
        (tmp_path / "devices.toml").write_text(
            '[poll]\ncollection = "slow"\n\n[[devices]]\ntype = "MMR3"\naddress = "10.0.0.1"\nname = "still"\n\n'
            '[[devices]]\ntype = "CPX200"\naddress = "10.0.0.2:9221"\n'
        )
        for device, expected in [
            ("still", "T"),
            ("10.0.0.1", "T"),
            ("mmr3", "T"),
            ("10.0.0.2:9221", "V"),
            ("cpx200", "V"),
        ]:
            assert main(["--db", db, "--json", "readings", "latest", "--device", device]) == 0
            assert [row["label"] for row in json.loads(capsys.readouterr().out)] == [expected], device
        assert main(["--db", db, "readings", "latest", "--device", "nothing"]) == 0
        assert "no reading of device 'nothing'" in capsys.readouterr().err


def test_status_reports_runs_and_streams_left_open(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("detector", "create", DETECTOR)[0] == 0
    assert cli("run", "create", '{"name": "run01", "detector": "RED15"}')[0] == 0
    assert cli("run", "start", "run01", "--at", "2026-01-24T03:00:00Z")[0] == 0
    code, out, _ = cli("--json", "status")
    status = json.loads(out)
    assert code == 0 and status["reachable"] is True and status["running"] == []
    assert status["left_open"][0].startswith("run 'run01' started 2026-01-24T03:00:00Z (")


@pytest.mark.parametrize(
    ("command", "mandatory"),
    [
        (["detector", "create"], "mandatory fields: name, acq_config, channel_config, status"),
        (["run", "create"], "mandatory fields: name, detector"),
        (["stream", "create"], "mandatory fields: name, acq_config, channel_config, comment"),
        (["detector", "update"], "fields that may change: every field but the name"),
        (["run", "update"], "fields that may change: description, extra"),
        (["stream", "update"], "fields that may change: comment, status, acq_config, channel_config, extra"),
        (["daq", "insert"], "mandatory fields of every message: topic, timestamp"),
        (["stream", "add-detector"], "mandatory: --channel-config with det_name"),
    ],
)
def test_the_help_of_each_json_command_names_its_fields_with_an_example(
    command: list[str], mandatory: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert mandatory in help_text and ("example" in help_text or "e.g." in help_text)
