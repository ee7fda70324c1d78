"""The installed ``ricochetdb`` command at 3 a.m.: honest exit codes, one-line refusals, corrections with history.

Each test runs the console script in a subprocess, as few times as its point needs (the machine is
slow); the records it needs beforehand are made in-process through the API.
"""

from __future__ import annotations

import getpass
import json
import socket
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_console import SCRIPT, Console

from ricochetdb.domain.events import DeviceEvent
from ricochetdb.entrypoints.api import connect

DETECTOR = '{"name": "%s", "acq_config": {}, "channel_config": [], "status": "ok"}'


@pytest.fixture
def console(tmp_path: Path) -> Console:
    return Console(tmp_path)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A local TCP port nobody listens on: a connection there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        yield probe.getsockname()[1]


def create_database(console: Console) -> None:
    with connect(console.db) as api:
        api.store.describe()  # the file is made when the store is first used


def setup_books(console: Console) -> None:
    """RED15 and FID1; run r1 started two days ago; stream s1 on FID1, finished."""
    with connect(console.db) as api:
        for name in ("RED15", "FID1"):
            api.detectors.create(json.loads(DETECTOR % name))
        api.runs.create({"name": "r1", "detector": "RED15"})
        api.runs.start("r1", datetime.now(UTC) - timedelta(days=2))
        api.streams.create({"name": "s1", "acq_config": {}, "channel_config": [{"det_name": "FID1"}], "comment": ""})
        api.streams.start("s1")
        api.streams.stop("s1")


class TestHonestExitCodes:
    def test_poll_status_and_spool_replay_say_when_nothing_was_done(self, console: Console, closed_port: int) -> None:
        (console.folder / "devices.toml").write_text(
            f'[[devices]]\ntype = "CPX200"\naddress = "127.0.0.1:{closed_port}"\noptions = {{ timeout = 0.5 }}\n'
        )
        polled = console("poll", "--cycles", "1")
        assert polled.code == 4 and "every device failed in 1 of 1 cycles" in polled.err
        assert "Traceback" not in polled.err

        away = ["--db", f"mongodb://127.0.0.1:{closed_port}/lab", "--timeout-ms", "200"]
        status = console(*away, "status")
        assert status.code == 3 and status.err.splitlines()[-1].startswith("ricochetdb: database unavailable")
        with connect(away[1], timeout_ms=200, spool=str(console.folder / "spool.sqlite")) as api:
            api.daq.insert([{"topic": "t", "timestamp": 1.0}])  # the server is away: spooled
        replay = console(*away, "spool", "replay")
        assert replay.code == 3 and "1 items still spooled" in replay.err

    def test_piping_into_head_ends_quietly(self, console: Console) -> None:
        with connect(console.db) as api:
            api.daq.insert([{"topic": "t", "timestamp": float(i), "padding": "x" * 100} for i in range(3000)])
        process = subprocess.Popen(
            [SCRIPT, "daq", "list", "--limit", "3000"],
            cwd=console.folder,
            env=console.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().startswith(b"TIMESTAMP")
        process.stdout.close()  # what `| head -1` does
        err = process.stderr.read()
        assert process.wait(timeout=60) in (0, 141) and err == b""

    def test_emulate_refuses_bad_arguments_before_starting_anything(self, console: Console) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = str(taken.getsockname()[1])
            refusals = {
                "type": console("emulate", "TOASTER", "--seconds", "0.1"),
                "range": console("emulate", "CPX200", "--port", "70000", "--seconds", "0.1"),
                "in use": console("emulate", "CPX200", "--port", port, "--seconds", "0.1"),
                "config": console("emulate", "all", "--config-out", "no/such/folder/devices.toml", "--seconds", "0.1"),
            }
        for why, done in refusals.items():
            assert done.one_line_refusal, (why, done)
        assert "TOASTER" in refusals["type"].err and "70000" in refusals["range"].err
        assert f"{port} cannot be used" in refusals["in use"].err and "--config-out" in refusals["config"].err

    def test_ingest_says_how_many_files_were_rejected_and_which_were_already_stored(self, console: Console) -> None:
        drop = console.folder / "drop"
        drop.mkdir()
        result = {"stream_id": "s1", "timestamp": "2026-11-24T03:00:00Z", "records": [{"detector": "FID1"}]}
        with connect(console.db) as api:
            api.streams.create({"name": "s1", "acq_config": {}, "channel_config": [], "comment": ""})
            (drop / "first.json").write_text(json.dumps(result))
            api.processing.parse_folder(str(drop), r".*\.json")
        (drop / "again.json").write_text(json.dumps(result))
        (drop / "ghost.json").write_text(json.dumps({**result, "stream_id": "s9"}))
        (drop / "broken.json").write_text("{")
        done = console("--json", "ingest", str(drop))
        assert done.code == 4 and "ricochetdb: ingest: 2 files rejected" in done.err.splitlines()[-1]
        rows = {Path(row["file"]).name: row for row in json.loads(done.out)}
        assert rows["again.json"]["outcome"] == "already stored, deleted"
        assert rows["ghost.json"]["outcome"] == "rejected" and "'s9'" in rows["ghost.json"]["reason"]
        assert "does not exist in 'lio_stream_info'" in (drop / "rejected" / "ghost.json.reason.txt").read_text()

    def test_global_options_may_follow_the_command(self, console: Console, tmp_path: Path) -> None:
        elsewhere = f"sqlite:///{tmp_path / 'other.sqlite'}"
        with connect(elsewhere) as api:
            api.detectors.create(json.loads(DETECTOR % "ONLY-THERE"))
        done = console("detector", "list", "--json", "--db", elsewhere)
        assert done.code == 0 and [d["name"] for d in json.loads(done.out)] == ["ONLY-THERE"]


class TestCorrectionsWithHistory:
    def test_update_delete_and_the_history_of_every_change(self, console: Console) -> None:
        setup_books(console)
        assert console("run", "update", "r1", '{"description": "warm-up aborted"}').code == 0
        refused = console("detector", "delete", "RED15")
        assert refused.one_line_refusal and "named by run 'r1'" in refused.err
        next_year = (datetime.now(UTC) + timedelta(days=365)).isoformat()
        future = console("run", "stop", "r1", "--at", next_year)
        assert future.one_line_refusal and "in the future" in future.err and "--allow-future" in future.err
        assert console("run", "stop", "r1", "--at", next_year, "--allow-future").code == 0
        done = console("--json", "run", "show", "r1", "--history")
        history = json.loads(done.out)
        assert [change["action"] for change in history] == ["create", "start", "update", "stop"]
        assert {change["user"] for change in history} == {getpass.getuser()}
        assert history[2]["before"] == {"description": ""} and history[2]["after"] == {"description": "warm-up aborted"}
        assert history[3]["after"]["stop_date"].startswith(next_year[:10])


class TestOneSetOfRules:
    def test_streams_detectors_temperatures_device_files_and_the_demo(self, console: Console) -> None:
        setup_books(console)
        ghost = console(
            "stream",
            "create",
            '{"name": "s2", "acq_config": {}, "channel_config": [{"det_name": "GHOST"}], "comment": ""}',
        )
        assert ghost.one_line_refusal and "unknown in 'lio_detector_info': GHOST" in ghost.err
        cold = console("stream", "temperature", "s1", "--mean", "-0.01", "--std", "0")
        assert cold.one_line_refusal and "positive temperature in kelvin" in cold.err
        (console.folder / "twice.toml").write_text(
            '[[devices]]\ntype = "MMR3"\naddress = "10.0.0.1"\n\n[[devices]]\ntype = "MMR3"\naddress = "10.0.0.1"\n'
        )
        twice = console("poll", "--config", "twice.toml", "--cycles", "1")
        assert twice.one_line_refusal and "device configuration twice.toml devices[1]: address" in twice.err
        demo = console("--db", "memory://", "demo")
        assert demo.one_line_refusal and "not a local SQLite file" in demo.err and "--force" in demo.err

    def test_status_tells_running_from_left_open_and_lists_unconfigured_devices_apart(self, console: Console) -> None:
        setup_books(console)
        now = datetime.now(UTC)
        with connect(console.db) as api:
            api.runs.create({"name": "r2", "detector": "RED15"})
            api.runs.start("r2")
            events = api.store.events(api.collections["events"])
            events.add(DeviceEvent("MMR3", "MMR3@10.0.0.1", "degraded", "timed out", now - timedelta(hours=1)))
            events.add(DeviceEvent("CPX200", "CPX200@10.0.0.9", "degraded", "refused", now - timedelta(hours=2)))
            events.add(DeviceEvent("CRYO", "CRYO@10.0.0.8", "degraded", "refused", now - timedelta(days=30)))
        (console.folder / "devices.toml").write_text('[[devices]]\ntype = "MMR3"\naddress = "10.0.0.1"\n')
        done = console("status", "--json")
        status = json.loads(done.out)
        assert done.code == 0 and status["reachable"] is True
        assert [line.split(" started")[0] for line in status["running"]] == ["run 'r2'"]
        assert [line.split(" started")[0] for line in status["left_open"]] == ["run 'r1'"]
        assert [line.split(" since")[0] for line in status["degraded_devices"]] == ["MMR3 MMR3@10.0.0.1"]
        assert [line.split(" since")[0] for line in status["unconfigured_devices"]] == ["CPX200 CPX200@10.0.0.9"]

    def test_readings_latest_searches_the_configured_collections_and_matches_a_device_address(
        self, console: Console
    ) -> None:
        now = datetime.now(UTC)
        with connect(console.db) as api:
            api.reading_book("mmr3-2026").add_documents(
                [{"timestamp": now, "device": "fridge-a", "device_type": "MMR3", "T_4K": 4.01}]
            )
            api.reading_book("cpa-2026").add_documents(
                [{"timestamp": now, "device": "CMCPA@10.0.0.5", "device_type": "CMCPA", "oil_temp": 40.5}]
            )
        (console.folder / "devices.toml").write_text(
            '[poll]\ncollection = "mmr3-2026"\n\n'
            '[[devices]]\ntype = "MMR3"\naddress = "10.0.0.1"\nname = "fridge-a"\n\n'
            '[[devices]]\ntype = "CMCPA"\naddress = "10.0.0.5"\ncollection = "cpa-2026"\n'
        )
        every = console("--json", "readings", "latest")
        assert {(r["collection"], r["label"]) for r in json.loads(every.out)} == {
            ("mmr3-2026", "T_4K"),
            ("cpa-2026", "oil_temp"),
        }
        one = console("--json", "readings", "latest", "--device", "10.0.0.5")
        assert [(r["collection"], r["device"]) for r in json.loads(one.out)] == [("cpa-2026", "CMCPA@10.0.0.5")]


class TestReadableOutput:
    def test_dates_print_one_way_in_tables_and_whole_in_json(self, console: Console) -> None:
        with connect(console.db) as api:
            api.detectors.create({**json.loads(DETECTOR % "WIDE"), "channel_config": [{"chan": i} for i in range(50)]})
            api.runs.create(
                {"name": "r1", "detector": "WIDE", "start_date": datetime(2025, 1, 10, 8, 0, 0, 123456, tzinfo=UTC)}
            )
        table = console("run", "list")
        assert "2025-01-10T08:00:00Z" in table.out and "+00:00" not in table.out
        assert json.loads(console("run", "list", "--json").out)[0]["start_date"] == "2025-01-10T08:00:00.123456+00:00"
        wide = console("detector", "list")
        assert "…" in wide.out and "--json prints every field whole" in wide.out
        assert max(len(line) for line in wide.out.splitlines()) < 200

    def test_daq_list_shows_the_newest_first_since_a_duration_with_epoch_times_as_dates(self, console: Console) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        with connect(console.db) as api:
            api.daq.insert(
                [
                    {"topic": "t", "timestamp": (now - timedelta(minutes=m)).timestamp(), "m": m}
                    for m in (180, 60, 10, 5)
                ]
            )
        done = console("daq", "list", "--since", "90 minutes", "--limit", "2")
        lines = done.out.splitlines()
        assert done.code == 0 and len(lines) == 3
        assert lines[1].startswith((now - timedelta(minutes=5)).isoformat().replace("+00:00", "Z"))
        assert lines[2].startswith((now - timedelta(minutes=10)).isoformat().replace("+00:00", "Z"))

    def test_help_names_the_mandatory_fields_and_since_refusals_show_the_accepted_forms(self, console: Console) -> None:
        helped = console("stream", "create", "--help")
        assert "mandatory fields: name, acq_config, channel_config, comment" in helped.out and "example:" in helped.out
        create_database(console)
        since = console("readings", "latest", "--since", "yesterday")
        assert since.one_line_refusal and "90m, 6h, 2d" in since.err and "'6 hours'" in since.err


class TestStartUp:
    @pytest.mark.parametrize("command", [["--help"], ["run", "list"]])
    def test_a_quick_command_imports_no_driver_nor_device_module(self, console: Console, command: list[str]) -> None:
        create_database(console)
        heavy = ("sqlalchemy", "pymongo", "dependency_injector", "requests", "pymodbus", "ricochetdb.adapters.devices")
        probe = (
            "import sys\n"
            "from ricochetdb.entrypoints.cli import main\n"
            f"main({command!r})\n"
            f"print(sorted(name for name in sys.modules if name.startswith({heavy!r})))\n"
        )
        python = Path(SCRIPT).parent / "python"
        done = subprocess.run(
            [python, "-c", probe], cwd=console.folder, env=console.env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines()[-1] == "[]"
