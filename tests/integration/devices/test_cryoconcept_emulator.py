"""CRYO and JSON-CRYO readers against their emulators over real loopback HTTP: values, units, faults, recovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fault_cycle import HTTP_FAULTS, fail_fast_then_recover

from ricochetdb.adapters.devices import cryoconcept, cryoconcept_json
from ricochetdb.adapters.devices.cryoconcept import CryoConceptReader
from ricochetdb.adapters.devices.cryoconcept_json import CryoConceptJsonReader
from ricochetdb.adapters.devices.transport import Backoff
from ricochetdb.adapters.emulators.cryoconcept import CryoConceptEmulator
from ricochetdb.adapters.emulators.cryoconcept_json import CryoConceptJsonEmulator
from ricochetdb.domain.errors import DeviceUnreachable
from ricochetdb.domain.polls import stamp_reply

TIMEOUT = 0.3
NOW = 1_738_324_800.0  # 2025-01-31T12:00:00Z
CRYO_UNITS = {
    "full_range": "K",
    "still": "K",
    "platine_4k": "K",
    **{label: "mbar" for label in ("p1", "p2", "p3")},
    **{label: "" for label in ("k3", "k4", "k5", "k6", "k8")},  # no public source gives them a unit
    "pumping_turbo_speed": "%",
    **{f"r_mmr1_{n}": "Ohm" for n in (1, 2, 3)},
    "p_t": "%",
    "turbo_aux": "",
    "pt": "",
    **{f"ve{n}": "" for n in range(1, 9)},
}
JSON_UNITS = {
    "t_mc": "K",
    "t_still": "K",
    "t_4k": "K",
    "p1": "mbar",
    "p2": "mbar",
    "p3": "mbar",
    "turbo_speed_pct": "%",
    "pt": "",
    "turbo_aux": "",
    "ve1": "",
    "ve2": "",
}


@pytest.fixture(scope="module")
def cryo() -> Iterator[CryoConceptEmulator]:
    emulator = CryoConceptEmulator(slow_delay=1.0, clock=lambda: NOW)
    with emulator:
        yield emulator


@pytest.fixture(scope="module")
def json_cryo() -> Iterator[CryoConceptJsonEmulator]:
    emulator = CryoConceptJsonEmulator(slow_delay=1.0, clock=lambda: NOW, path="/cryo.json")
    with emulator:
        yield emulator


def build(emulator: CryoConceptEmulator | CryoConceptJsonEmulator) -> CryoConceptReader | CryoConceptJsonReader:
    options = emulator.device_options() | {"timeout": TIMEOUT}
    reader: CryoConceptReader | CryoConceptJsonReader
    if isinstance(emulator, CryoConceptEmulator):
        reader = cryoconcept.build("CRYO", emulator.host, options)
    else:
        reader = cryoconcept_json.build("JSON-CRYO", emulator.host, options)
    reader.transport.backoff = Backoff(base=0.05, maximum=0.05)
    return reader


class TestCryoPage:
    def test_every_row_is_read_with_its_unit(self, cryo: CryoConceptEmulator) -> None:
        reply = build(cryo).read()
        measurements = reply.measurements
        assert {m.label: m.unit for m in measurements} == CRYO_UNITS
        assert reply.errors == []  # "Alarme | aucune" is a note, not a bad cell
        read = {m.label: m.value for m in measurements}
        assert 0.01 < read["full_range"] < 0.014  # type: ignore[operator]  # written with a decimal comma
        assert 3.5 < read["platine_4k"] < 4.5  # type: ignore[operator]
        assert read["pt"] == 1 and read["pumping_turbo_speed"] == 100

    def test_the_readings_are_storable(self, cryo: CryoConceptEmulator) -> None:
        poll = stamp_reply("CRYO", cryo.host, build(cryo).read(), datetime.now(UTC))
        assert poll.errors == () and len(poll) == len(CRYO_UNITS)


class TestJsonDocument:
    def test_keys_units_and_the_device_time(self, json_cryo: CryoConceptJsonEmulator) -> None:
        reader = cryoconcept_json.build("JSON-CRYO", json_cryo.host, json_cryo.device_options())
        reply = reader.read()
        measurements = reply.measurements
        assert {m.label: m.unit for m in measurements} == JSON_UNITS  # null and NaN keys are skipped
        assert reply.source_time == datetime.fromtimestamp(NOW, UTC)
        assert isinstance({m.label: m.value for m in measurements}["p3"], float)  # sent as a string
        assert reply.errors == []

    def test_the_readings_are_storable(self, json_cryo: CryoConceptJsonEmulator) -> None:
        poll = stamp_reply("JSON-CRYO", json_cryo.host, build(json_cryo).read(), datetime.now(UTC))
        assert poll.errors == () and len(poll) == len(JSON_UNITS)

    def test_a_wrong_path_is_not_found(self, json_cryo: CryoConceptJsonEmulator) -> None:
        reader = cryoconcept_json.build("JSON-CRYO", f"{json_cryo.host}:{json_cryo.port}", {"timeout": TIMEOUT})
        with pytest.raises(DeviceUnreachable, match="404"):
            reader.read()


class TestFaults:
    @pytest.mark.parametrize("which", ["cryo", "json_cryo"])
    def test_faults_fail_fast_and_the_reader_recovers(self, which: str, request: pytest.FixtureRequest) -> None:
        emulator: CryoConceptEmulator | CryoConceptJsonEmulator = request.getfixturevalue(which)
        fail_fast_then_recover(emulator, build(emulator), HTTP_FAULTS, lambda measurements: len(measurements) > 10)
