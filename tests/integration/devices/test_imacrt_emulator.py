"""iMACRT readers against the emulators on real loopback sockets: direct UDP, the reply collector, the web page."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterable, Iterator

import pytest
from fault_cycle import HTTP_FAULTS, fail_fast_then_recover

from ricochetdb.adapters.devices import imacrt
from ricochetdb.adapters.devices.imacrt_codec import get_command, mmr3_index, poll_parameters, set_command
from ricochetdb.adapters.devices.imacrt_collector import ImacrtCollector
from ricochetdb.adapters.devices.transport import Backoff, UdpTransport
from ricochetdb.adapters.emulators.base import Emulator
from ricochetdb.adapters.emulators.imacrt import ImacrtEmulator, ImacrtHttpEmulator
from ricochetdb.domain.errors import DeviceProtocolError, DeviceTimeout, DeviceUnreachable
from ricochetdb.domain.readings import Measurement

TIMEOUT = 0.3
MMR3_LABELS = {p.label for p in poll_parameters("MMR3")}
MGC3_LABELS = {p.label for p in poll_parameters("MGC3")}


def values(measurements: list[Measurement]) -> dict[str, object]:
    return {m.label: m.value for m in measurements}


def fast_backoff(reader: imacrt.ImacrtUdpReader | imacrt.ImacrtHttpReader) -> None:
    reader.transport.backoff = Backoff(base=0.05, maximum=0.05)  # type: ignore[union-attr]


@pytest.fixture
def subnet() -> str:
    """A random 127.x.y.0/24 so parallel runs never share an address (the port rule fixes the port)."""
    return f"127.{random.randint(1, 254)}.{random.randint(1, 254)}"


@pytest.fixture(scope="module")
def udp() -> Iterator[dict[str, ImacrtEmulator]]:
    """One MMR3 and one MGC3 answering to the source port, shared by the tests (each resets its fault)."""
    emulators = {m: ImacrtEmulator(m, port=0, reply_port="source", slow_delay=1.0).start() for m in ("MMR3", "MGC3")}
    yield emulators  # type: ignore[misc]
    stop_all(emulators.values())


@pytest.fixture(scope="module")
def web() -> Iterator[dict[str, ImacrtHttpEmulator]]:
    """One MMR3 and one MGC3 web page, shared by the tests (each resets its fault)."""
    emulators = {m: ImacrtHttpEmulator(m, slow_delay=1.0).start() for m in ("MMR3", "MGC3")}
    yield emulators  # type: ignore[misc]
    stop_all(emulators.values())


def stop_all(emulators: Iterable[Emulator]) -> None:
    threads = [threading.Thread(target=emulator.stop) for emulator in emulators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@pytest.fixture
def collector() -> Iterator[ImacrtCollector]:
    started = ImacrtCollector("127.0.0.1", 0, tick=0.05).start()
    yield started
    started.stop()


class TestDirectMode:
    @pytest.mark.parametrize(("model", "labels"), [("MMR3", MMR3_LABELS), ("MGC3", MGC3_LABELS)])
    def test_a_poll_reads_every_channel(self, udp: dict[str, ImacrtEmulator], model: str, labels: set[str]) -> None:
        emulator = udp[model]
        reader = imacrt.build(model, emulator.host, emulator.device_options() | {"timeout": TIMEOUT})
        read = values(reader.read().measurements)
        reader.close()
        assert set(read) == labels
        if model == "MMR3":
            assert 3.5 < read["ch1_temperature"] < 4.5  # type: ignore[operator]
            assert 1e3 < read["ch1_resistance"] < 1e4  # type: ignore[operator]
        else:
            assert read["pid0_on"] == 1 and read["pid0_setpoint"] == 0.012

    def test_the_module_listens_on_12000_plus_its_last_octet(self, subnet: str) -> None:
        with ImacrtEmulator("MMR3", host=f"{subnet}.7", reply_port="source") as emulator:
            assert emulator.port == 12007
            reader = imacrt.build("MMR3", f"{subnet}.7", {"mode": "direct", "timeout": TIMEOUT})
            assert set(values(reader.read().measurements)) == MMR3_LABELS
            reader.close()

    def test_sets_are_applied_without_reply_and_idn_answers(self, udp: dict[str, ImacrtEmulator]) -> None:
        emulator = udp["MGC3"]
        transport = UdpTransport("MGC3 test", host=emulator.host, port=emulator.port, timeout=TIMEOUT)
        assert transport.exchange(set_command("MGC3", 26, 3.5), reply=False) == b""
        assert transport.exchange(get_command("MGC3", 26)).strip() == b"3.500000E+00"
        assert transport.exchange(b"*IDN?\n").startswith(b"MGC3")
        transport.exchange(set_command("MGC3", 26, 4.0), reply=False)
        transport.close()


class TestCollectorMode:
    def test_replies_of_three_modules_are_routed_by_source_address(
        self, subnet: str, collector: ImacrtCollector
    ) -> None:
        hosts = [f"{subnet}.{octet}" for octet in (2, 3, 4)]
        emulators = [ImacrtEmulator("MMR3", host=h, reply_port=collector.port).start() for h in hosts]
        try:
            for n, host in enumerate(hosts, start=1):  # tag each module: its ch1 current is n nA
                collector.exchange(
                    "test", host, 12000 + n + 1, set_command("MMR3", mmr3_index(1, 9), n * 1e-9), 1, False
                )
            readers = [imacrt.collector_reader("MMR3", h, collector, timeout=TIMEOUT) for h in hosts]
            results: dict[str, dict[str, object]] = {}

            def poll(reader: imacrt.ImacrtUdpReader) -> None:
                results[reader.address] = values(reader.read().measurements)

            threads = [threading.Thread(target=poll, args=(r,)) for r in readers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=5)
        finally:
            stop_all(emulators)
        assert [results[h]["ch1_current"] for h in hosts] == pytest.approx([1e-9, 2e-9, 3e-9])
        assert all(set(results[h]) == MMR3_LABELS for h in hosts)

    def test_a_module_answering_to_the_source_port_works_too(
        self, udp: dict[str, ImacrtEmulator], collector: ImacrtCollector
    ) -> None:
        reader = imacrt.collector_reader("MMR3", udp["MMR3"].host, collector, udp["MMR3"].port, TIMEOUT)
        assert set(values(reader.read().measurements)) == MMR3_LABELS

    def test_a_module_answering_elsewhere_times_out(self, collector: ImacrtCollector) -> None:
        with ImacrtEmulator("MMR3", port=0, reply_port=collector.port + 1 if collector.port < 65535 else 1) as emulator:
            reader = imacrt.collector_reader("MMR3", emulator.host, collector, emulator.port, TIMEOUT)
            started = time.monotonic()
            with pytest.raises(DeviceTimeout):
                reader.read()
        assert time.monotonic() - started < 1.0

    def test_build_shares_one_collector_and_the_last_reader_stops_it(self) -> None:
        emulator = ImacrtEmulator("MGC3", port=0, reply_port=0)
        with emulator:
            probe = ImacrtCollector("127.0.0.1", 0).start()  # find a free reply port
            reply_port = probe.port
            probe.stop()
            emulator.reply_port = reply_port
            options = emulator.device_options() | {"timeout": TIMEOUT}
            first = imacrt.build("MGC3", emulator.host, options)
            second = imacrt.build("MGC3", emulator.host, options)
            shared = first.transport.collector  # type: ignore[union-attr]
            assert shared is second.transport.collector  # type: ignore[union-attr]
            assert set(values(first.read().measurements)) == MGC3_LABELS
            first.close()
            assert shared.running
            second.close()
            assert not shared.running

    def test_a_stopped_collector_is_unreachable(self) -> None:
        stopped = ImacrtCollector("127.0.0.1", 0, tick=0.05).start()
        stopped.stop()
        with pytest.raises(DeviceUnreachable, match="not running"):
            imacrt.collector_reader("MMR3", "127.0.0.2", stopped, 12002, TIMEOUT).read()

    def test_a_listener_sees_every_datagram_and_may_stop_the_collector(self) -> None:
        seen: list[tuple[str, bytes]] = []
        one_shot = ImacrtCollector("127.0.0.1", 0, tick=0.05).start()

        def listen(sender: str, data: bytes) -> None:
            seen.append((sender, data))
            one_shot.stop()  # from the receive thread: must not deadlock

        one_shot.add_listener(listen)
        emulator = ImacrtEmulator("MMR3", port=0, reply_port=one_shot.port)
        with emulator:
            probe = UdpTransport("probe", host=emulator.host, port=emulator.port)
            probe.exchange(b"MMR3GET 5\n", reply=False)
            probe.close()
            deadline = time.monotonic() + 2
            while one_shot.running and time.monotonic() < deadline:
                time.sleep(0.01)
        assert not one_shot.running
        assert len(seen) == 1 and seen[0][0] == "127.0.0.1" and seen[0][1].endswith(b"\r\n")


class TestHttpPage:
    @pytest.mark.parametrize(("model", "labels"), [("MMR3", MMR3_LABELS), ("MGC3", MGC3_LABELS)])
    def test_the_page_gives_the_same_labels_as_udp(
        self, web: dict[str, ImacrtHttpEmulator], model: str, labels: set[str]
    ) -> None:
        emulator = web[model]
        reader = imacrt.build(model, emulator.host, emulator.device_options() | {"timeout": TIMEOUT})
        measurements = reader.read().measurements
        reader.close()
        assert {m.label for m in measurements} == labels
        units = {m.label: m.unit for m in measurements}
        if model == "MMR3":
            assert (units["ch1_resistance"], units["ch3_temperature"], units["ch2_current"]) == ("Ohm", "K", "A")

    def test_another_path_is_not_found(self, web: dict[str, ImacrtHttpEmulator]) -> None:
        reader = imacrt.build("MMR3", web["MMR3"].host, {"port": web["MMR3"].port, "path": "/index.htm"})
        with pytest.raises(DeviceUnreachable, match="404"):
            reader.read()


class TestFaults:
    def test_udp_faults_fail_fast_and_the_reader_recovers(self, udp: dict[str, ImacrtEmulator]) -> None:
        emulator = udp["MMR3"]
        reader = imacrt.build("MMR3", emulator.host, emulator.device_options() | {"timeout": TIMEOUT})
        fast_backoff(reader)
        fail_fast_then_recover(
            emulator,
            reader,
            [("silent", DeviceTimeout), ("garbage", DeviceProtocolError), ("slow", DeviceTimeout)],
            lambda measurements: set(values(measurements)) == MMR3_LABELS,
            settle=lambda fault: 1.1 if fault == "slow" else 0.1,  # the slow reply must land (and be drained) first
        )

    def test_a_truncated_udp_reply_is_lost_so_nothing_untrustworthy_is_stored(
        self, udp: dict[str, ImacrtEmulator]
    ) -> None:
        # A datagram arrives whole or not at all, so the emulator's "truncated" drops it: the read times out.
        # Before, half of 2.072150E+03 arrived as "2.07215" and was returned as a good value.
        emulator = udp["MMR3"]
        reader = imacrt.build("MMR3", emulator.host, emulator.device_options() | {"timeout": TIMEOUT})
        emulator.fault = "truncated"
        try:
            with pytest.raises(DeviceTimeout):
                reader.read()
        finally:
            emulator.fault = "none"
            reader.close()

    def test_collector_faults_fail_fast(self, collector: ImacrtCollector) -> None:
        with ImacrtEmulator("MGC3", port=0, reply_port=collector.port, fault="silent") as emulator:
            reader = imacrt.collector_reader("MGC3", emulator.host, collector, emulator.port, TIMEOUT)
            fast_backoff(reader)
            with pytest.raises(DeviceTimeout):
                reader.read()
            emulator.fault = "garbage"
            time.sleep(0.1)
            with pytest.raises(DeviceProtocolError, match="all 18 fields failed"):
                reader.read()
            emulator.fault = "none"
            time.sleep(0.1)
            assert set(values(reader.read().measurements)) == MGC3_LABELS

    def test_http_faults_fail_fast_and_the_reader_recovers(self, web: dict[str, ImacrtHttpEmulator]) -> None:
        emulator = web["MGC3"]
        reader = imacrt.build("MGC3", emulator.host, emulator.device_options() | {"timeout": TIMEOUT})
        fast_backoff(reader)
        fail_fast_then_recover(
            emulator, reader, HTTP_FAULTS, lambda measurements: {m.label for m in measurements} == MGC3_LABELS
        )
