"""CPX200DP and MP710508 readers against their emulators on 127.0.0.1: labels, commands, faults, recovery."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ricochetdb.adapters.devices import multicomp, tti
from ricochetdb.adapters.devices.multicomp import Mp710508Reader
from ricochetdb.adapters.devices.transport import Backoff, TcpTransport, UdpTransport
from ricochetdb.adapters.devices.tti import CpxReader
from ricochetdb.adapters.emulators.base import Emulator
from ricochetdb.adapters.emulators.multicomp import Mp710508Emulator
from ricochetdb.adapters.emulators.tti import CpxEmulator
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.errors import (
    DeviceError,
    DeviceProtocolError,
    DeviceTimeout,
    DeviceUnreachable,
    ValidationError,
)
from ricochetdb.domain.readings import Measurement

TIMEOUT = 0.3
QUANTITIES = ("voltage_set", "current_set", "voltage_measured", "current_measured")
CPX_LABELS = {f"out{n}_{q}" for n in (1, 2) for q in (*QUANTITIES, "on")}
MP_LABELS = {f"ch{n}_{q}" for n in (1, 2, 3, 4) for q in (*QUANTITIES, "cv", "on")}
# A line protocol cannot tell half a line from a slow one; a UDP STATUS byte cut in half is no datagram at all.
FAULTS = {"silent": DeviceTimeout, "slow": DeviceTimeout, "garbage": DeviceProtocolError, "truncated": DeviceTimeout}


def tiny_backoff() -> Backoff:
    return Backoff(base=0.01, maximum=0.02)


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpx_reader(port: int, backoff: Backoff | None = None) -> CpxReader:
    address = f"127.0.0.1:{port}"
    transport = TcpTransport(f"CPX200 {address}", backoff or Backoff(), host="127.0.0.1", port=port, timeout=TIMEOUT)
    return CpxReader("CPX200", address, transport)


def mp_reader(
    port: int, local_port: int = 0, backoff: Backoff | None = None, host: str = "127.0.0.1"
) -> Mp710508Reader:
    address = f"{host}:{port}"
    transport = UdpTransport(
        f"MP710508 {address}", backoff or Backoff(), host, port, TIMEOUT, local_port=local_port, connected=True
    )
    return Mp710508Reader("MP710508", address, transport)


def read_eventually(reader: DeviceReader, within: float = 4.0) -> list[Measurement]:
    deadline = time.monotonic() + within
    while True:
        try:
            return reader.read().measurements
        except DeviceError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def by_label(measurements: list[Measurement]) -> dict[str, Measurement]:
    return {m.label: m for m in measurements}


@pytest.fixture(scope="module")
def cpx_emulator() -> Iterator[CpxEmulator]:
    emulator = CpxEmulator(slow_delay=1.0, noise=0.0)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture(scope="module")
def mp_emulator() -> Iterator[Mp710508Emulator]:
    emulator = Mp710508Emulator(slow_delay=1.0, noise=0.0)
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def cpx(cpx_emulator: CpxEmulator) -> Iterator[CpxReader]:
    reader = cpx_reader(cpx_emulator.port, tiny_backoff())
    yield reader
    reader.close()
    cpx_emulator.fault = "none"


@pytest.fixture
def mp(mp_emulator: Mp710508Emulator) -> Iterator[Mp710508Reader]:
    reader = mp_reader(mp_emulator.port, backoff=tiny_backoff())
    yield reader
    reader.close()
    mp_emulator.fault = "none"


class TestCpx200:
    def test_a_poll_gets_every_label_with_its_unit(self, cpx: CpxReader) -> None:
        readings = by_label(cpx.read().measurements)
        assert set(readings) == CPX_LABELS
        assert readings["out1_voltage_set"].value == 12.0 and readings["out1_voltage_set"].unit == "V"
        assert readings["out1_current_measured"].unit == "A"
        assert readings["out1_on"].value is True and readings["out2_on"].value is False
        assert readings["out2_current_measured"].value == 0.0
        assert isinstance(cpx, DeviceReader) and cpx.address == f"127.0.0.1:{cpx.transport.port}"

    def test_each_reply_of_a_group_ends_with_its_own_cr_lf_and_the_voltage_has_two_decimals(
        self, cpx_emulator: CpxEmulator
    ) -> None:
        with socket.create_connection(("127.0.0.1", cpx_emulator.port), timeout=2) as sock:
            sock.sendall(b"V1?;I1?;OP1?\n")
            reply = b""
            while reply.count(b"\r\n") < 3:
                chunk = sock.recv(4096)
                assert chunk, reply
                reply += chunk
        assert reply == b"V1 12.00\r\nI1 1.500\r\n1\r\n"  # b"V1 12.000;I1 1.500;1\r\n" before

    def test_set_commands_are_silent_and_take_effect(self, cpx: CpxReader, cpx_emulator: CpxEmulator) -> None:
        try:
            assert cpx.command("V2 3.000;I2 1.0;OP2 1") == ""
            readings = by_label(cpx.read().measurements)
            assert readings["out2_on"].value is True
            assert readings["out2_voltage_measured"].value == pytest.approx(3.0, abs=0.01)
            assert readings["out2_current_measured"].value == pytest.approx(3.0 / 4.7, abs=0.01)
        finally:
            cpx.command("OP2 0;V2 5.0;I2 0.2")

    def test_the_command_helper_answers_identity_and_groups(self, cpx_emulator: CpxEmulator) -> None:
        identity = tti.send_command("127.0.0.1", "*IDN?", cpx_emulator.port, TIMEOUT)
        assert identity.startswith("THURLBY THANDAR, CPX200DP")
        reply = tti.send_command("127.0.0.1", "V1?;OVP1?;OCP2?", cpx_emulator.port, TIMEOUT)
        assert reply == "V1 12.00;VP1 20.000;CP2 OFF"

    def test_build_polls_the_emulator_from_its_options(self, cpx_emulator: CpxEmulator) -> None:
        reader = tti.build("CPX200", "127.0.0.1", cpx_emulator.device_options())
        try:
            assert {m.label for m in reader.read().measurements} == CPX_LABELS
            assert reader.address == "127.0.0.1"  # as configured; the port is the option's
            assert reader.transport.port == cpx_emulator.port
        finally:
            reader.close()

    @pytest.mark.parametrize(("fault", "error"), FAULTS.items())
    def test_each_fault_gives_its_error_quickly_then_recovers(
        self, cpx: CpxReader, cpx_emulator: CpxEmulator, fault: str, error: type[DeviceError]
    ) -> None:
        assert_fault_then_recovery(cpx, cpx_emulator, fault, error, CPX_LABELS)

    def test_a_closed_port_is_unreachable_then_backed_off(self) -> None:
        reader = cpx_reader(free_port(socket.SOCK_STREAM), Backoff(base=60.0))
        with pytest.raises(DeviceUnreachable, match=r"CPX200 127\.0\.0\.1"):
            reader.read()
        with pytest.raises(DeviceUnreachable, match="backing off"):
            reader.read()


class TestMp710508:
    def test_a_poll_gets_every_label_and_the_status_flags(self, mp: Mp710508Reader) -> None:
        readings = by_label(mp.read().measurements)
        assert set(readings) == MP_LABELS
        assert (readings["ch1_cv"].value, readings["ch1_on"].value) == (True, True)
        assert (readings["ch2_cv"].value, readings["ch2_on"].value) == (False, True)
        assert readings["ch2_current_measured"].value == pytest.approx(0.5) and readings["ch2_current_set"].unit == "A"
        assert readings["ch3_on"].value is False and readings["ch3_voltage_set"].value == 3.3
        assert {readings[label].unit for label in readings if label.endswith(("_cv", "_on"))} == {""}

    def test_the_reader_binds_the_local_port_it_is_given(self, mp_emulator: Mp710508Emulator) -> None:
        local = free_port(socket.SOCK_DGRAM)
        reader = multicomp.build("MP710508", f"127.0.0.1:{mp_emulator.port}", {"local_port": local, "timeout": 1})
        try:
            assert {m.label for m in reader.read().measurements} == MP_LABELS
            assert reader.transport.sock is not None and reader.transport.sock.getsockname()[1] == local
        finally:
            reader.close()

    def test_a_host_name_is_resolved_so_its_replies_are_accepted(self, mp_emulator: Mp710508Emulator) -> None:
        reader = mp_reader(mp_emulator.port, host="localhost")
        try:
            assert {m.label for m in reader.read().measurements} == MP_LABELS
        finally:
            reader.close()

    def test_the_local_port_defaults_to_the_device_port(self) -> None:
        reader = multicomp.build("MP710508", "10.0.0.7", {})
        assert (reader.transport.port, reader.transport.local_port) == (18190, 18190)

    def test_two_supplies_polled_from_one_local_port_each_get_their_own_replies(self) -> None:
        # every reply went to the socket bound last before: the first supply timed out
        local = free_port(socket.SOCK_DGRAM)
        with Mp710508Emulator(noise=0.0) as first, Mp710508Emulator(noise=0.0) as second:
            assert isinstance(first, Mp710508Emulator) and isinstance(second, Mp710508Emulator)
            second.respond(b"VSET1:7.5\n")  # tell them apart
            readers = [mp_reader(first.port, local), mp_reader(second.port, local)]
            try:
                for reader in readers:
                    reader.transport._socket()  # both bound before either asks
                got = [by_label(reader.read().measurements)["ch1_voltage_set"].value for reader in readers]
            finally:
                for reader in readers:
                    reader.close()
        assert got == [5.0, 7.5]

    def test_a_status_reply_with_trailing_bytes_keeps_every_measurement(self, mp_emulator: Mp710508Emulator) -> None:
        real = mp_emulator.status
        mp_emulator.status = lambda: real() + b"\x00junk"  # type: ignore[method-assign]
        reader = mp_reader(mp_emulator.port)
        try:
            reply = reader.read()  # all 24 measurements were lost before
        finally:
            mp_emulator.status = real  # type: ignore[method-assign]
            reader.close()
        assert {m.label for m in reply.measurements} == MP_LABELS
        assert [e.field for e in reply.errors] == ["STATUS?"]

    def test_output_commands_change_the_status_byte(self, mp_emulator: Mp710508Emulator) -> None:
        before = mp_emulator.status()
        try:
            mp_emulator.respond(b"OUT34:1\n")
            assert mp_emulator.status()[0] == before[0] | 0b1100_0000
        finally:
            mp_emulator.respond(b"OUT34:0\n")

    @pytest.mark.parametrize(("fault", "error"), FAULTS.items())
    def test_each_fault_gives_its_error_quickly_then_recovers(
        self, mp: Mp710508Reader, mp_emulator: Mp710508Emulator, fault: str, error: type[DeviceError]
    ) -> None:
        assert_fault_then_recovery(mp, mp_emulator, fault, error, MP_LABELS)


class TestBuild:
    @pytest.mark.parametrize("module", [tti, multicomp])
    def test_an_unknown_option_is_refused_by_name(self, module: Any) -> None:
        with pytest.raises(ValidationError, match=r"X 127\.0\.0\.1: baud: unknown option"):
            module.build("X", "127.0.0.1", {"baud": 9600})

    @pytest.mark.parametrize(
        ("address", "options"),
        [("h:1", {"port": 2}), ("h:x", {}), (":9221", {}), ("h", {"timeout": 0}), ("h", {"port": True})],
    )
    def test_bad_addresses_and_values_are_refused(self, address: str, options: dict[str, Any]) -> None:
        with pytest.raises(ValidationError):
            tti.build("CPX200", address, options)

    def test_the_port_comes_from_the_address_or_the_option_and_the_address_stays_as_configured(self) -> None:
        default = tti.build("CPX200", "h", {})
        assert (default.address, default.transport.port) == ("h", 9221)  # the address was "h:9221" before
        explicit = tti.build("CPX200", "h:9300", {"port": 9300})
        assert (explicit.address, explicit.transport.port) == ("h:9300", 9300)
        option = multicomp.build("MP710508", "h", {"port": "20001"})
        assert (option.address, option.transport.port, option.transport.local_port) == ("h", 20001, 20001)


def assert_fault_then_recovery(
    reader: DeviceReader, emulator: Emulator, fault: str, error: type[DeviceError], labels: set[str]
) -> None:
    emulator.fault = fault
    started = time.monotonic()
    with pytest.raises(error):
        reader.read()
    assert time.monotonic() - started < 2 * TIMEOUT + 0.2
    emulator.fault = "none"
    assert {m.label for m in read_eventually(reader)} == labels
