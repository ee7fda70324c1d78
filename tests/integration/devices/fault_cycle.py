"""One shared check for device tests: each fault fails fast with its error, then the reader recovers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import pytest

from ricochetdb.adapters.emulators.base import Emulator
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.errors import DeviceError, DeviceProtocolError, DeviceTimeout
from ricochetdb.domain.readings import Measurement

HTTP_FAULTS: list[tuple[str, type[DeviceError]]] = [
    ("silent", DeviceTimeout),
    ("slow", DeviceTimeout),
    ("garbage", DeviceProtocolError),
    ("truncated", DeviceProtocolError),
]


def fail_fast_then_recover(
    emulator: Emulator,
    reader: DeviceReader,
    faults: Sequence[tuple[str, type[DeviceError]]],
    recovered: Callable[[list[Measurement]], bool],
    settle: Callable[[str], float] = lambda _fault: 0.1,
) -> None:
    """For each fault: the read raises ``error`` within 1 s; with the fault off (after ``settle(fault)``
    seconds), ``recovered(reader.read().measurements)`` holds. Closes the reader and clears the fault at the end."""
    try:
        for fault, error in faults:
            emulator.fault = fault
            started = time.monotonic()
            with pytest.raises(error):
                reader.read()
            assert time.monotonic() - started < 1.0, fault
            emulator.fault = "none"
            time.sleep(settle(fault))
            assert recovered(reader.read().measurements), fault
    finally:
        emulator.fault = "none"
        reader.close()
