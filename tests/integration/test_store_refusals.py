"""A refused login is not an outage: wrong password, unknown user, no right, bad URI, TLS refused.

Each is a configuration error: exit 3 with one line naming it, nothing spooled. Only an unreachable
server is an outage (spooled). The servers are real: SecantusDB with ``--auth`` (users created
first without it), and SecantusDB with a self-signed TLS certificate made by ``openssl``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mongo_server import MongoTestServer, free_port
from pymongo import MongoClient

from ricochetdb.adapters.emulators.cryostat import start_emulator
from ricochetdb.adapters.sqlite.archive import SqliteArchive
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.replay import pending
from ricochetdb.entrypoints.cli import main
from ricochetdb.entrypoints.devices_config import DeviceEntry, PollConfig, dump_config

PASSWORD = "c0rrect-h0rse"
WRONG = "wr0ng-Battery"
DATABASE = "ricochet"


@pytest.fixture(scope="module")
def auth_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:port`` of a server requiring a login: alice may write ``ricochet``, bob may only read ``other``."""
    storage = tmp_path_factory.mktemp("secantus-auth")
    with MongoTestServer(storage) as uri:
        client: MongoClient[dict[str, object]] = MongoClient(uri)
        try:
            client.admin.command("createUser", "alice", pwd=PASSWORD, roles=[{"role": "readWrite", "db": DATABASE}])
            client.admin.command("createUser", "bob", pwd=PASSWORD, roles=[{"role": "read", "db": "other"}])
        finally:
            client.close()
    server = MongoTestServer(storage, options=["--auth"])
    with server:
        yield f"127.0.0.1:{server.port}"


@pytest.fixture(scope="module")
def tls_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``127.0.0.1:port`` of a TLS-only server and its self-signed certificate (trusted by nobody by default)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    options = ["--tls-cert-file", str(cert), "--tls-key-file", str(key)]
    server = MongoTestServer(folder / "data", options=options, ping_options="?tls=true&tlsInsecure=true")
    with server:
        yield f"127.0.0.1:{server.port}", cert


def run(uri: str, spool: Path, *command: str, timeout_ms: int = 2000) -> int:
    return main(["--db", uri, "--timeout-ms", str(timeout_ms), "--spool", str(spool), *command])


def spooled(spool: Path) -> dict[str, int]:
    if not spool.exists():
        return {}
    store = SqliteStore(str(spool))
    try:
        return pending(SqliteArchive(store))
    finally:
        store.close()


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and err.startswith("ricochetdb: "), err
    return err


@pytest.fixture
def messages(tmp_path: Path) -> str:
    path = tmp_path / "messages.json"
    path.write_text(json.dumps([{"topic": "cooldown", "timestamp": 1.0, "note": "night shift"}]))
    return str(path)


class TestRefusedLogins:
    def test_a_wrong_password_is_exit_3_naming_it_and_nothing_is_spooled(
        self, auth_host: str, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        spool = tmp_path / "spool.sqlite"
        uri = f"mongodb://alice:{WRONG}@{auth_host}/{DATABASE}?authSource=admin"
        assert run(uri, spool, "daq", "insert", messages) == 3
        err = one_line(capsys.readouterr().err)
        assert "login refused" in err and "alice:***@" in err and WRONG not in err
        assert spooled(spool) == {}

    def test_a_wrong_password_stops_poll_with_exit_3_instead_of_spooling_every_reading(
        self, auth_host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        device = start_emulator("JSON-CRYO")
        try:
            config = tmp_path / "devices.toml"
            entry = DeviceEntry(device.device_type, device.address, "readings", device.options)
            config.write_text(dump_config(PollConfig(0.05, "readings", [entry])))
            spool = tmp_path / "spool.sqlite"
            uri = f"mongodb://alice:{WRONG}@{auth_host}/{DATABASE}?authSource=admin"
            assert run(uri, spool, "poll", "--config", str(config), "--cycles", "2") == 3
        finally:
            device.emulator.stop()
        captured = capsys.readouterr()
        assert "login refused" in one_line(captured.err.splitlines(keepends=True)[-1])
        assert "stored" not in captured.out and spooled(spool) == {}

    def test_no_right_to_write_stops_poll_with_exit_3(
        self, auth_host: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        device = start_emulator("JSON-CRYO")
        try:
            config = tmp_path / "devices.toml"
            entry = DeviceEntry(device.device_type, device.address, "readings", device.options)
            config.write_text(dump_config(PollConfig(0.05, "readings", [entry])))
            uri = f"mongodb://bob:{PASSWORD}@{auth_host}/{DATABASE}?authSource=admin"
            assert run(uri, tmp_path / "spool.sqlite", "poll", "--config", str(config), "--cycles", "2") == 3
        finally:
            device.emulator.stop()
        assert "no right" in capsys.readouterr().err and spooled(tmp_path / "spool.sqlite") == {}

    def test_an_unknown_user_is_exit_3(
        self, auth_host: str, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        uri = f"mongodb://nobody:{PASSWORD}@{auth_host}/{DATABASE}?authSource=admin"
        assert run(uri, tmp_path / "spool.sqlite", "daq", "insert", messages) == 3
        assert "database configuration refused" in one_line(capsys.readouterr().err)
        assert spooled(tmp_path / "spool.sqlite") == {}

    def test_no_right_on_the_database_is_exit_3_for_writes_and_reads(
        self, auth_host: str, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        uri = f"mongodb://bob:{PASSWORD}@{auth_host}/{DATABASE}?authSource=admin"
        assert run(uri, tmp_path / "spool.sqlite", "daq", "insert", messages) == 3
        assert "no right" in one_line(capsys.readouterr().err)
        assert run(uri, tmp_path / "spool.sqlite", "run", "list") == 3
        assert "no right" in one_line(capsys.readouterr().err)
        assert spooled(tmp_path / "spool.sqlite") == {}

    def test_the_right_password_stores(
        self, auth_host: str, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        uri = f"mongodb://alice:{PASSWORD}@{auth_host}/{DATABASE}?authSource=admin"
        assert run(uri, tmp_path / "spool.sqlite", "--json", "daq", "list") == 0
        assert run(uri, tmp_path / "spool.sqlite", "daq", "insert", messages) == 0
        assert "inserted" in capsys.readouterr().out


class TestOtherConfigurationErrors:
    def test_a_uri_the_driver_refuses_is_exit_3(
        self, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        uri = f"mongodb://alice:{PASSWORD}@127.0.0.1:notaport/{DATABASE}"
        assert run(uri, tmp_path / "spool.sqlite", "daq", "insert", messages) == 3
        err = one_line(capsys.readouterr().err)
        assert "refused by the driver" in err and PASSWORD not in err

    def test_a_tls_ca_file_that_cannot_be_read_is_exit_3_not_a_traceback(
        self, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        uri = f"mongodb://127.0.0.1:{free_port()}/{DATABASE}?tls=true&tlsCAFile={tmp_path / 'missing.pem'}"
        assert run(uri, tmp_path / "spool.sqlite", "daq", "insert", messages) == 3
        assert "not readable" in one_line(capsys.readouterr().err)

    def test_a_server_certificate_nobody_trusts_is_exit_3_and_nothing_is_spooled(
        self, tls_host: tuple[str, Path], tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        host, cert = tls_host
        spool = tmp_path / "spool.sqlite"
        assert run(f"mongodb://{host}/{DATABASE}?tls=true", spool, "daq", "insert", messages) == 3
        assert "TLS handshake is refused" in one_line(capsys.readouterr().err)
        assert spooled(spool) == {}
        assert run(f"mongodb://{host}/{DATABASE}?tls=true&tlsCAFile={cert}", spool, "daq", "insert", messages) == 0

    def test_only_an_unreachable_server_is_an_outage_that_spools(
        self, tmp_path: Path, messages: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        spool = tmp_path / "spool.sqlite"
        uri = f"mongodb://alice:{PASSWORD}@127.0.0.1:{free_port()}/{DATABASE}"
        assert run(uri, spool, "daq", "insert", messages, timeout_ms=200) == 0
        assert spooled(spool) == {"daq:daq_messages": 1}
        capsys.readouterr()
