"""History, export, rollup, retention and stream summary from the shell, on a real SQLite file."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ricochetdb.domain.polls import poll_from_values
from ricochetdb.entrypoints import cli_history
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

T0 = datetime(2026, 1, 1, tzinfo=UTC)
Cli = Callable[..., tuple[int, str, str]]
TABLES = ("rollup_1m", "rollup_1h", "rollup_1d", "readings_latest")


@pytest.fixture
def uri(tmp_path: Path) -> str:
    """Three days of T_MC every 10 s (a 50 min outage) and 10 other labels, into a SQLite file."""
    address = f"sqlite:///{tmp_path / 'history.sqlite'}"
    with connect(address) as db:
        polls = [
            poll_from_values(
                "MMR3",
                "fridge",
                T0 + timedelta(seconds=10 * i),
                {"T_MC": 0.012 + 1e-6 * (i % 13), **{f"R{k}": float(i % (k + 2)) for k in range(10)}},
                {"T_MC": "K"},
            )
            for i in range(3 * 8640)
            if not 2000 <= i < 2300
        ]
        db.readings.add(polls)
    return address


@pytest.fixture
def cli(uri: str, capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", uri, *args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def dump(uri: str) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(uri.removeprefix("sqlite:///")) as connection:
        return {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4").fetchall() for table in TABLES}


class TestHistory:
    def test_json_csv_and_table_give_the_same_bins_and_the_tier(self, cli: Cli) -> None:
        window = ("--start", "2026-01-01T00:00:00Z", "--stop", "2026-01-03T00:00:00Z", "--points", "20")
        code, out, _ = cli("readings", "history", "T_MC", *window, "--format", "json")
        answer = json.loads(out)
        assert code == 0 and answer["tier"] == "1h" and answer["device"] == "fridge" and len(answer["bins"]) <= 20
        assert set(answer["bins"][0]) == {"t", "n", "mean", "min", "max", "first", "last"}
        assert [(g["start"], g["stop"]) for g in answer["gaps"]] == [
            ("2026-01-01T05:33:10+00:00", "2026-01-01T06:23:20+00:00")
        ]
        rows = list(csv.DictReader(io.StringIO(cli("readings", "history", "T_MC", *window, "--format", "csv")[1])))
        assert [int(r["n"]) for r in rows] == [b["n"] for b in answer["bins"]]
        assert [float(r["mean"]) for r in rows] == [b["mean"] for b in answer["bins"]]
        code, out, err = cli("readings", "history", "T_MC", *window)
        assert code == 0 and out.splitlines()[0].split() == ["T", "N", "MEAN", "MIN", "MAX", "FIRST", "LAST"]
        assert "tier 1h" in err and "1 gap(s)" in err

    def test_an_ambiguous_or_bad_request_is_refused_naming_the_field(self, cli: Cli) -> None:
        assert cli("readings", "history", "T_4K")[0] == 2
        code, _, err = cli("readings", "history", "T_MC", "--stop", "2026-01-02T00:00:00Z")
        assert code == 2 and "--stop" in err

    def test_export_streams_every_raw_value_page_by_page(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(cli_history, "PAGE", 7)
        window = ("--start", "2026-01-01T05:30:00Z", "--stop", "2026-01-01T06:30:00Z")
        rows = list(csv.DictReader(io.StringIO(cli("readings", "export", "T_MC", *window)[1])))
        assert len(rows) == 20 + 41 and rows[0]["timestamp"] == "2026-01-01T05:30:00+00:00"
        assert len({r["timestamp"] for r in rows}) == len(rows)
        listed = json.loads(cli("readings", "export", "T_MC", *window, "--format", "json")[1])
        assert [r["value"] for r in listed] == [float(r["value"]) for r in rows]


class TestRollup:
    def test_a_damaged_tier_is_found_and_rebuilt_identically(self, cli: Cli, uri: str) -> None:
        assert cli("rollup")[0] == 0
        reference = dump(uri)
        with sqlite3.connect(uri.removeprefix("sqlite:///")) as connection:
            connection.execute("DELETE FROM rollup_1m WHERE label = 'R3' AND start < 1767250000000000")
            connection.execute("UPDATE rollup_1h SET mean = 0 WHERE label = 'T_MC'")
        code, out, err = cli("rollup")
        assert code == 4 and "fridge R3" in out and "--rebuild" in err
        assert cli("rollup", "--rebuild")[0] == 0
        assert dump(uri) == reference

    def test_a_killed_rebuild_run_again_gives_identical_buckets(self, cli: Cli, uri: str) -> None:
        assert cli("rollup")[0] == 0  # the check rolls up every series' open minute, as a rebuild does
        reference = dump(uri)
        with sqlite3.connect(uri.removeprefix("sqlite:///")) as connection:
            for table in TABLES:
                connection.execute(f"DELETE FROM {table}")
        command = [sys.executable, "-m", "ricochetdb.entrypoints.cli", "--db", uri, "-v", "rollup", "--rebuild"]
        process = subprocess.Popen(
            command, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        assert process.stderr is not None
        for line in process.stderr:  # killed once the first series is in, mid-way through the others
            if "rolled up" in line:
                process.send_signal(signal.SIGKILL)
                break
        process.wait(timeout=120)
        partial = dump(uri)
        assert cli("rollup", "--rebuild")[0] == 0
        assert dump(uri) == reference
        if process.returncode == -signal.SIGKILL:
            assert partial != reference  # the kill left work undone, and the rerun did it


class TestRetention:
    def test_a_dry_run_says_what_would_go_then_it_goes_and_history_still_answers(
        self, cli: Cli, tmp_path: Path
    ) -> None:
        config = tmp_path / "devices.toml"
        config.write_text('[retention]\nraw = "1d"\n')
        before = json.loads(
            cli("readings", "history", "T_MC", "--since", "all", "--format", "json", "--points", "3")[1]
        )
        code, out, err = cli("--json", "retention", "--dry-run", "--config", str(config))
        (item,) = json.loads(out)
        assert code == 0 and item["tier"] == "raw" and item["rows"] == 11 * (3 * 8640 - 300) and item["bytes"] > 0
        assert "dry run" in err
        code, _, err = cli("retention", "--config", str(config))
        assert code == 0 and "VACUUM" in err
        assert cli("readings", "export", "T_MC")[1].count("\n") == 1  # only the header is left
        after = json.loads(cli("readings", "history", "T_MC", "--since", "all", "--format", "json", "--points", "3")[1])
        assert after["bins"] == before["bins"]

    def test_a_bad_retention_table_is_refused_naming_the_key(self, cli: Cli, tmp_path: Path) -> None:
        config = tmp_path / "devices.toml"
        config.write_text('[retention]\nraw = "forever"\n')
        code, _, err = cli("retention", "--dry-run", "--config", str(config))
        assert code == 2 and "raw" in err


class TestStreamSummary:
    def test_stop_keeps_the_summary_and_show_and_summary_print_it(self, cli: Cli, tmp_path: Path) -> None:
        stream = '{"name": "s1", "acq_config": {}, "channel_config": [], "comment": ""}'
        assert cli("stream", "create", stream)[0] == 0
        assert cli("stream", "start", "s1", "--at", "2026-01-01T01:00:00Z")[0] == 0
        assert cli("stream", "stop", "s1", "--at", "2026-01-02T01:00:00Z")[0] == 0
        shown = json.loads(cli("--json", "stream", "show", "s1")[1])
        channels = {c["label"]: c for c in shown["summary"]["channels"]}
        assert len(channels) == 11 and channels["T_MC"]["longest_gap_s"] == 3010.0
        code, out, _ = cli("stream", "summary", "s1")
        assert code == 0 and out.splitlines()[0].split()[:4] == ["COLLECTION", "DEVICE", "LABEL", "N"]
        config = tmp_path / "devices.toml"
        config.write_text(
            '[poll]\ninterval = 60.0\ncollection = "readings"\n\n'
            '[[devices]]\ntype = "MMR3"\naddress = "127.0.0.1"\nname = "fridge"\n'
        )
        wider = json.loads(cli("--json", "stream", "summary", "s1", "--config", str(config))[1])
        assert wider["interval_s"] == 60.0
        assert {c["label"]: c["coverage"] for c in wider["channels"]}["T_MC"] > channels["T_MC"]["coverage"]
