"""A long run of bench/soak.py, in its own process: 2,500 cycles through every fault phase, nothing lost.

The 10,000-cycle run is the bench's (python bench/soak.py 10000), measured for the closing notes.

Memory and file descriptors are printed by the bench, not asserted: process-wide counts on a
shared machine are not a test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


@pytest.mark.timeout(900)
def test_thousands_of_cycles_with_faults_store_every_reading() -> None:
    done = subprocess.run([sys.executable, str(SOAK), "2500"], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr
    print(done.stdout)
    figures = {key: value for key, value in (line.split() for line in done.stdout.splitlines())}
    assert int(figures["readings_stored"]) == int(figures["readings_expected"]) > 0
    assert int(figures["device_failures"]) > 0, "the fault modes should have been exercised"
