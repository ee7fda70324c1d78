"""JSON scale reader against its emulator on 127.0.0.1: kg in every unit, source time, faults, recovery."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ricochetdb.adapters.devices import scale
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.scale import ScaleReader
from ricochetdb.adapters.devices.transport import Backoff
from ricochetdb.adapters.emulators.scale import ScaleEmulator
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.errors import (
    DeviceError,
    DeviceProtocolError,
    DeviceTimeout,
    DeviceUnreachable,
    ValidationError,
)
from ricochetdb.domain.polls import DeviceReply

TIMEOUT = 0.3
# HTTP frames the body, so half a document is refused as such instead of timing out.
FAULTS = {
    "silent": DeviceTimeout,
    "slow": DeviceTimeout,
    "garbage": DeviceProtocolError,
    "truncated": DeviceProtocolError,
}
T0 = 1_789_999_980.0  # the start of a minute; the emulator's dewar is leaned on in its first 5 s


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def http(port: int, backoff: Backoff | None = None) -> HttpTransport:
    return HttpTransport(f"JSON-SCALE 127.0.0.1:{port}", backoff or Backoff(), f"http://127.0.0.1:{port}", TIMEOUT)


def reader_for(emulator: ScaleEmulator, path: str = "/") -> ScaleReader:
    address = f"127.0.0.1:{emulator.port}"
    return ScaleReader("JSON-SCALE", address, http(emulator.port, Backoff(base=0.01, maximum=0.02)), path)


def read_eventually(reader: DeviceReader, within: float = 4.0) -> DeviceReply:
    deadline = time.monotonic() + within
    while True:
        try:
            return reader.read()
        except DeviceError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@pytest.fixture(scope="module")
def emulator() -> Iterator[ScaleEmulator]:
    dewar = ScaleEmulator(slow_delay=1.0, clock=FakeClock(T0 + 30), unit="g", loss_kg_per_hour=0.36)
    dewar.start()
    yield dewar
    dewar.stop()


@pytest.fixture
def reader(emulator: ScaleEmulator) -> Iterator[ScaleReader]:
    built = reader_for(emulator)
    yield built
    built.close()
    emulator.fault = "none"


class TestPolling:
    def test_a_poll_gets_the_weight_in_kg_the_flag_and_the_scale_time(self, reader: ScaleReader) -> None:
        reply = reader.read()
        weight, stable = reply.measurements
        assert (weight.label, weight.unit, stable.label, stable.unit) == ("weight", "kg", "stable", "")
        assert weight.value == pytest.approx(48.0 + 12.5, abs=0.02)
        assert stable.value is True
        assert reply.source_time == datetime.fromtimestamp(T0 + 30, UTC)
        assert isinstance(reader, DeviceReader) and reader.address.startswith("127.0.0.1:")

    def test_the_dewar_loses_weight_as_time_passes(self, reader: ScaleReader, emulator: ScaleEmulator) -> None:
        clock = emulator.clock
        assert isinstance(clock, FakeClock)
        before = reader.read().measurements[0].value
        clock.now += 3600 * 10 + 60
        try:
            assert isinstance(before, float)
            assert reader.read().measurements[0].value == pytest.approx(before - 3.6, abs=0.02)
        finally:
            clock.now -= 3600 * 10 + 60

    def test_someone_leaning_on_the_dewar_makes_it_unstable(self, reader: ScaleReader, emulator: ScaleEmulator) -> None:
        clock = emulator.clock
        assert isinstance(clock, FakeClock)
        clock.now -= 28
        try:
            assert reader.read().measurements[1].value is False
        finally:
            clock.now += 28

    @pytest.mark.parametrize("unit", ["g", "kg", "lb"])
    def test_every_unit_reads_the_same_kilograms(self, unit: str) -> None:
        dewar = ScaleEmulator(clock=FakeClock(T0 + 30), unit=unit)
        dewar.start()
        try:
            reply = reader_for(dewar, "/weight").read()
            assert reply.measurements[0].value == pytest.approx(60.5, abs=0.01)
            assert reply.source_time is not None
            assert abs(reply.source_time - datetime.fromtimestamp(T0 + 30, UTC)) < timedelta(milliseconds=1)
        finally:
            dewar.stop()

    def test_build_polls_the_emulator_from_its_options(self, emulator: ScaleEmulator) -> None:
        built = scale.build("JSON-SCALE", "127.0.0.1", emulator.device_options())
        try:
            assert [m.label for m in built.read().measurements] == ["weight", "stable"]
        finally:
            built.close()


class TestFaults:
    @pytest.mark.parametrize(("fault", "error"), FAULTS.items())
    def test_each_fault_gives_its_error_quickly_then_recovers(
        self, reader: ScaleReader, emulator: ScaleEmulator, fault: str, error: type[DeviceError]
    ) -> None:
        emulator.fault = fault
        started = time.monotonic()
        with pytest.raises(error, match=r"JSON-SCALE 127\.0\.0\.1"):
            reader.read()
        assert time.monotonic() - started < 2 * TIMEOUT + 0.2
        emulator.fault = "none"
        assert [m.label for m in read_eventually(reader).measurements] == ["weight", "stable"]

    def test_a_wrong_path_is_reported_as_an_http_error(self, emulator: ScaleEmulator) -> None:
        with pytest.raises(DeviceUnreachable, match="HTTP 404"):
            reader_for(emulator, "/tare").read()

    def test_a_closed_port_is_unreachable(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        with pytest.raises(DeviceUnreachable):
            ScaleReader("JSON-SCALE", f"127.0.0.1:{port}", http(port)).read()


class TestBuild:
    def test_defaults_are_port_80_and_the_root_path(self) -> None:
        built = scale.build("JSON-SCALE", "scale.lab", {})
        assert (built.address, built.path, built.transport.base_url) == ("scale.lab", "/", "http://scale.lab:80")

    @pytest.mark.parametrize(
        ("options", "field"),
        [({"local_port": 1}, "local_port"), ({"path": "weight"}, "path"), ({"timeout": "1"}, "timeout")],
    )
    def test_unknown_options_and_bad_values_are_refused(self, options: dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationError, match=f"JSON-SCALE h: {field}"):
            scale.build("JSON-SCALE", "h", options)
