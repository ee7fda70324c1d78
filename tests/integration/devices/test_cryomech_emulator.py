"""CMCPA and JSON-CMCPA readers against their emulators on 127.0.0.1: every label, every fault, recovery."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from ricochetdb.adapters.devices import cryomech, cryomech_json
from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices import cryomech_frames as frames
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.transport import Backoff, TcpTransport
from ricochetdb.adapters.emulators.cryomech import CryomechEmulator
from ricochetdb.adapters.emulators.cryomech_json import CryomechJsonEmulator
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.errors import DeviceError, DeviceProtocolError, DeviceTimeout, DeviceUnreachable, ValidationError
from ricochetdb.domain.readings import Measurement

TIMEOUT = 0.3
LABELS = set(cryomech_json.LABELS)


def quick_backoff() -> Backoff:
    return Backoff(base=0.01, maximum=0.02)


def by_label(measurements: list[Measurement]) -> dict[str, Measurement]:
    return {m.label: m for m in measurements}


def number(found: dict[str, Measurement], label: str) -> float:
    value = found[label].value
    assert isinstance(value, float), (label, value)
    return value


def read_after_backoff(reader: DeviceReader) -> list[Measurement]:
    time.sleep(0.03)
    return reader.read().measurements


def expect(error: type[DeviceError], reader: DeviceReader) -> DeviceError:
    started = time.monotonic()
    with pytest.raises(DeviceError) as caught:
        reader.read()
    assert type(caught.value) is error, caught.value
    assert time.monotonic() - started < TIMEOUT + 0.5
    return caught.value


@pytest.fixture(scope="module")
def modbus() -> Iterator[CryomechEmulator]:
    with CryomechEmulator(slow_delay=1.0) as emulator:
        assert isinstance(emulator, CryomechEmulator)
        yield emulator


@pytest.fixture
def panel(modbus: CryomechEmulator) -> Iterator[CryomechEmulator]:
    modbus.fault = "none"
    modbus.compressor.set_running(True)
    yield modbus
    modbus.fault = "none"


def modbus_reader(emulator: CryomechEmulator, registers: int = frames.CPA2_COUNT) -> cryomech.CryomechReader:
    transport = TcpTransport(f"CMCPA {emulator.address}", quick_backoff(), port=emulator.port, timeout=TIMEOUT)
    return cryomech.CryomechReader("CMCPA", emulator.address, transport, registers=registers)


class TestModbus:
    def test_the_built_reader_gets_every_label_of_a_running_compressor(self, panel: CryomechEmulator) -> None:
        reader = cryomech.build("CMCPA", "127.0.0.1", {**panel.device_options(), "timeout": TIMEOUT})
        assert isinstance(reader, DeviceReader)
        found = by_label(reader.read().measurements)
        reader.close()
        assert set(found) == LABELS
        assert found["compressor_running"].value is True
        assert found["operating_state_name"].value == "running"
        assert found["model"].value == "CPA1114"
        assert found["warnings"].value == 0 and found["warning_flags"].value == ""
        assert found["low_pressure"].unit == "psi" and 70 < number(found, "low_pressure") < 90
        assert 280 < number(found, "high_pressure_average") < 300
        assert found["helium_temperature"].unit == "F" and 100 < number(found, "helium_temperature") < 120
        assert found["software_revision"].value == "3.1"

    def test_a_55_register_read_adds_the_cpa3_block(self, panel: CryomechEmulator) -> None:
        reader = modbus_reader(panel, codec.CPA3_COUNT)
        reply = reader.read()
        reader.close()
        found = by_label(reply.measurements)
        assert set(found) == LABELS
        assert found["software_revision"].value == "3.1.4"
        assert reply.errors == []  # the emulated CPA3 panel's two blocks agree

    def test_a_stop_write_is_echoed_and_the_pressures_equalise(self, panel: CryomechEmulator) -> None:
        transport = TcpTransport("CMCPA", port=panel.port, timeout=TIMEOUT)
        request = frames.write_request(0x0999, frames.STOP)
        assert transport.exchange(request, frames.reply_complete) == request
        transport.close()
        reader = modbus_reader(panel)
        found = by_label(reader.read().measurements)
        reader.close()
        assert found["compressor_running"].value is False
        assert found["operating_state"].value == 0
        assert 215 < number(found, "low_pressure") < 223 and 215 < number(found, "high_pressure") < 223
        assert 60 < number(found, "coolant_in_temperature") < 70

    def test_reads_outside_the_map_get_modbus_exceptions(self, panel: CryomechEmulator) -> None:
        transport = TcpTransport("CMCPA", port=panel.port, timeout=TIMEOUT)
        count_zero = bytes.fromhex("00 05 00 00 00 06 01 04 00 01 00 00")  # pymodbus refuses to build it
        for request, name in (
            (frames.read_request(5, 1, 1, 56), "illegal data address"),
            (frames.read_request(5, 1, 0, 53), "illegal data address"),
            (count_zero, "illegal data value"),
            (frames.write_request(5, 1, address=2), "illegal data address"),
        ):
            frame = transport.exchange(request, frames.reply_complete)
            with pytest.raises(DeviceProtocolError, match=name):
                codec.decode_reply(frame, 5)
        transport.close()

    def test_any_unit_id_is_answered_with_the_same_transaction_id(self, panel: CryomechEmulator) -> None:
        transport = TcpTransport("CMCPA", port=panel.port, timeout=TIMEOUT)
        frame = transport.exchange(frames.read_request(0xBEEF, unit_id=16), frames.reply_complete)
        transport.close()
        assert frame[:2] == b"\xbe\xef" and frame[6] == 16
        assert codec.decode_reply(frame, 0xBEEF).compressor_running

    @pytest.mark.parametrize(
        ("fault", "error"),
        [
            ("silent", DeviceTimeout),
            ("slow", DeviceTimeout),
            ("garbage", DeviceProtocolError),
            ("truncated", DeviceTimeout),
        ],  # half a frame and then nothing: the reader waits for the rest
    )
    def test_a_fault_gives_its_error_quickly_and_the_reader_recovers(
        self, panel: CryomechEmulator, fault: str, error: type[DeviceError]
    ) -> None:
        reader = modbus_reader(panel)
        assert set(by_label(reader.read().measurements)) == LABELS
        panel.fault = fault
        caught = expect(error, reader)
        assert caught.record == f"CMCPA {panel.address}"
        panel.fault = "none"
        assert set(by_label(read_after_backoff(reader))) == LABELS
        reader.close()

    def test_a_closed_port_is_unreachable(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        reader = cryomech.build("CMCPA", f"127.0.0.1:{port}", {"timeout": TIMEOUT})
        expect(DeviceUnreachable, reader)
        expect(DeviceUnreachable, reader)  # backing off: refused at once, without a connection attempt

    def test_build_checks_its_options(self) -> None:
        reader = cryomech.build("CMCPA", "10.0.0.7", {"unit_id": 16})
        assert (reader.transport.host, reader.transport.port, reader.unit_id) == ("10.0.0.7", 502, 16)
        for options, field in (
            ({"path": "/"}, "path"),
            ({"unit_id": 300}, "unit_id"),
            ({"port": "x"}, "port"),
            ({"registers": 54}, "registers"),
        ):
            with pytest.raises(ValidationError) as caught:
                cryomech.build("CMCPA", "10.0.0.7", options)
            assert (caught.value.record, caught.value.field) == ("CMCPA 10.0.0.7", field)
        with pytest.raises(ValidationError):
            cryomech.build("CMCPA", "10.0.0.7:http", {})


@pytest.fixture(scope="module")
def web() -> Iterator[CryomechJsonEmulator]:
    with CryomechJsonEmulator(slow_delay=1.0) as emulator:
        assert isinstance(emulator, CryomechJsonEmulator)
        yield emulator


@pytest.fixture
def page(web: CryomechJsonEmulator) -> Iterator[CryomechJsonEmulator]:
    web.fault = "none"
    yield web
    web.fault = "none"


def json_reader(emulator: CryomechJsonEmulator, path: str = "/") -> cryomech_json.CryomechJsonReader:
    transport = HttpTransport(
        f"JSON-CMCPA {emulator.address}", quick_backoff(), base_url=f"http://127.0.0.1:{emulator.port}", timeout=TIMEOUT
    )
    return cryomech_json.CryomechJsonReader("JSON-CMCPA", emulator.address, transport, path)


class TestJson:
    def test_the_built_reader_gets_every_label(self, page: CryomechJsonEmulator) -> None:
        reader = cryomech_json.build("JSON-CMCPA", "127.0.0.1", {**page.device_options(), "timeout": TIMEOUT})
        assert isinstance(reader, DeviceReader)
        reply = reader.read()
        reader.close()
        found = by_label(reply.measurements)
        assert set(found) == LABELS
        assert found["low_pressure"].unit == "psi" and found["oil_temperature"].unit == "F"
        assert found["model"].value == "CPA1114" and found["software_revision"].value == "3.1.4"
        assert reply.source_time is not None and reply.errors == []

    def test_an_unknown_path_is_refused(self, page: CryomechJsonEmulator) -> None:
        reader = json_reader(page, "/nowhere")
        expect(DeviceUnreachable, reader)
        reader.close()

    @pytest.mark.parametrize(
        ("fault", "error"),
        [
            ("silent", DeviceTimeout),
            ("slow", DeviceTimeout),
            ("garbage", DeviceProtocolError),
            ("truncated", DeviceProtocolError),
        ],
    )
    def test_a_fault_gives_its_error_quickly_and_the_reader_recovers(
        self, page: CryomechJsonEmulator, fault: str, error: type[DeviceError]
    ) -> None:
        reader = json_reader(page)
        assert set(by_label(reader.read().measurements)) == LABELS
        page.fault = fault
        expect(error, reader)
        page.fault = "none"
        assert set(by_label(read_after_backoff(reader))) == LABELS
        reader.close()
