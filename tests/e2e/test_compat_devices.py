"""The facade's devices, fetcher and UDP helpers against the shipped emulators, on real 127.0.0.x sockets."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ricochetdb.adapters.emulators.cryostat import free_udp_port, start_emulator
from ricochetdb.compat import (
    CMCPADevice,
    CPX200Device,
    CryoConceptDevice,
    Database,
    DataFetcher,
    DummyImacrtServer,
    JSONCMCPADevice,
    JSONScaleDevice,
    MGC3Device,
    MMR3Device,
    MP710508Device,
    UdpImacrtCollector,
    is_date,
    is_float,
    is_int,
    query_imacrt_udp,
    send_udp_message,
    to_local,
)

CASES = [
    (MMR3Device, "MMR3-HTTP", "http", "imacrt"),
    (CMCPADevice, "CMCPA", "modbus", "compressor"),
    (JSONCMCPADevice, "JSON-CMCPA", "http", "compressor"),
    (CryoConceptDevice, "CRYO", "http", "cryostat"),
    (CPX200Device, "CPX200", "tcp", "power"),
    (MP710508Device, "MP710508", "udp", "power"),
    (JSONScaleDevice, "JSON-SCALE", "http", "scale"),
]


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database.get_database()
    database.set_address(f"sqlite:///{tmp_path / 'compat.sqlite'}")
    yield database
    database.close()
    Database.handler = None


@pytest.mark.parametrize(("cls", "emulator", "prot", "cat"), CASES, ids=[case[1] for case in CASES])
def test_get_data_appends_one_flat_dict_per_read(cls: type, emulator: str, prot: str, cat: str) -> None:
    # the MP710508 answers to its own port number: the reader binds it, so the emulator gets its own address
    device = start_emulator(emulator, **({"host": "127.0.0.6"} if emulator == "MP710508" else {}))
    try:
        results: list[dict[str, object]] = [{"already": "there"}]
        cls(device.address, prot, cat).get_data(results)
    finally:
        device.emulator.stop()
    (data,) = results[1:]
    assert data["device"] == f"{device.device_type}@{device.address}" and data["device_type"] == device.device_type
    assert isinstance(data["timestamp"], dt.datetime) and data["timestamp"].tzinfo is None
    assert data["clock"] == "local"  # no database configured: the local UTC clock, flagged
    assert len(data) > 6


def test_get_data_stamps_with_the_configured_database_and_fails_loudly(sqlite_database: Database) -> None:
    device = start_emulator("JSON-SCALE")
    results: list[dict[str, object]] = []
    JSONScaleDevice(device.address, "HTTP", "scale").get_data(results)
    device.emulator.stop()
    assert abs(results[0]["timestamp"] - sqlite_database.get_db_timestamp()) < dt.timedelta(seconds=5)  # type: ignore[operator]
    with pytest.raises(RuntimeError, match="JSON-SCALE"):
        JSONScaleDevice(device.address, "http", "scale").get_data(results)


def test_a_protocol_the_device_does_not_speak_is_refused() -> None:
    with pytest.raises(RuntimeError, match="prot"):
        CryoConceptDevice("127.0.0.1", "udp", "cryostat")


def test_mmr3_over_udp_through_a_collector_and_the_dummy_server() -> None:
    buffer: list[object] = []
    collector = UdpImacrtCollector(buffer, "127.0.0.1", free_udp_port())
    server = DummyImacrtServer("MMR3", "127.0.0.4", free_udp_port("127.0.0.4"))
    collector.start()
    server.start()
    try:
        assert collector.ready.wait(2) and server.ready.wait(2)
        results: list[dict[str, object]] = []
        MMR3Device(f"127.0.0.4:{server.emulator.port}", "udp", "imacrt").get_data(results, buffer)
        assert 0.0 < results[0]["ch3_temperature"] < 0.1  # type: ignore[operator]
        assert len(buffer) == 15 and buffer[0][0] == "127.0.0.4"  # type: ignore[index]
        collector.stop_after_next_message()
        MGC3Device(f"127.0.0.4:{server.emulator.port}", "udp", "imacrt")  # built, not read: an MMR3 answers here
        send_udp_message("127.0.0.4", server.emulator.port, "MMR3GET 5")  # the reply goes to the sender's port
        collector.join(timeout=0.5)
    finally:
        collector.stop()
        server.stop()
        server.join(timeout=2)


def test_query_imacrt_udp_uses_the_real_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    server = DummyImacrtServer("MGC3", "127.0.0.5", 12005)
    try:
        server.start()
        assert server.ready.wait(2)
        assert float(query_imacrt_udp("127.0.0.5", "MGC3GET 2")) == pytest.approx(0.012, rel=0.1)
    except RuntimeError as error:
        if "Address already in use" in str(error) or not server.ready.is_set():
            pytest.skip(f"UDP port 12000 or 12005 is taken on this machine: {error}")
        raise
    finally:
        server.stop()


def test_send_udp_message_sends_one_datagram() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.settimeout(2)
        send_udp_message("127.0.0.1", listener.getsockname()[1], "MGC3SET 2 0.1")
        assert listener.recvfrom(64)[0] == b"MGC3SET 2 0.1\n"


def test_cmcpa_query_and_breakdown_over_a_raw_socket() -> None:
    device = start_emulator("CMCPA")
    try:
        with socket.create_connection((device.emulator.host, device.emulator.port), timeout=2) as sock:
            sock.sendall(CMCPADevice.buildRegistersQuery())
            reply = b""
            while len(reply) < 9 + 2 * 53:
                reply += sock.recv(4096)
    finally:
        device.emulator.stop()
    data = CMCPADevice(device.address, "tcp", "compressor").breakdownReplyData(reply, {})
    assert data["operating_state_name"] and data["model"].startswith("CPA")
    with pytest.raises(RuntimeError, match="frame"):
        CMCPADevice(device.address, "tcp", "compressor").breakdownReplyData(reply[:5], {})


def test_cpx200_command_is_awaitable() -> None:
    device = start_emulator("CPX200")
    try:
        reply = asyncio.run(CPX200Device.cpx200dp_cmd(device.emulator.host, device.emulator.port, "*IDN?"))
    finally:
        device.emulator.stop()
    assert "CPX200" in reply


def test_data_fetcher_fetches_by_category_uploads_and_keeps_files(sqlite_database: Database, tmp_path: Path) -> None:
    devices = {kind: start_emulator(kind) for kind in ("CPX200", "JSON-SCALE", "CRYO", "MMR3-HTTP")}
    fetcher = DataFetcher(str(tmp_path / "no-such-mapping.json"))
    try:
        fetcher.add_datasource("CPX200", devices["CPX200"].address)
        fetcher.add_datasource("JSON-SCALE", devices["JSON-SCALE"].address)
        fetcher.add_datasource("CRYO", devices["CRYO"].address)
        fetcher.add_datasource("MMR3", devices["MMR3-HTTP"].address)
        with pytest.raises(RuntimeError, match="file_location"):
            fetcher.add_datasource("CPX200", devices["CPX200"].address, "/index.html")
        assert fetcher.fetch("power") == 10
        fetcher.move_to_file(str(tmp_path / "kept.json"))
        assert fetcher.fetch("cryostat") > 0 and fetcher.fetch() > 0 and fetcher.fetch("scale") > 0  # default: imacrt
        fetcher.append_from_file(str(tmp_path / "kept.json"))
        stored = fetcher.upload("slow-2026")
    finally:
        fetcher.close()
        for device in devices.values():
            device.emulator.stop()
    found = list(sqlite_database.get_collection("slow-2026").find())
    assert stored == sum(len(doc["units"]) for doc in found)
    assert {doc["device_type"] for doc in found} == {"CPX200", "JSON-SCALE", "CRYO", "MMR3"}
    assert any("T_4K" in doc for doc in found)  # the shipped mapping renamed the CRYO fields
    assert len(list(sqlite_database.get_collection("slow-2026").find({"device_type": "CPX200"}))) == 1


def test_helpers() -> None:
    assert is_float("1e-3") and not is_float("abc") and is_int("42") and not is_int("4.2")
    assert is_date("2022-05-11T14:35:30.412") and not is_date("not a date") and not is_date(3)
    local = to_local(dt.datetime(2022, 5, 11, 12, 0))
    assert local.tzinfo is not None and local == dt.datetime(2022, 5, 11, 12, 0, tzinfo=dt.UTC)
