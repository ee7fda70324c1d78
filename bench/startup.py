"""Start-up of the command line: ``ricochetdb --help`` and ``ricochetdb run list`` on SQLite, as ratios to
``python -c pass`` measured in the same run (targets: --help under 5x, run list under 8x).

Each command runs ROUNDS times, interleaved with the floor, and the best time of each is kept (the
least disturbed by the other processes of a shared machine). Usage: python bench/startup.py [ROUNDS]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"--help": 5.0, "run list": 8.0}


def best_of(command: list[str], rounds: int, cwd: str) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        best = min(best, time.perf_counter() - started)
    return best


def main(rounds: int) -> None:
    script = shutil.which("ricochetdb", path=str(Path(sys.executable).parent)) or "ricochetdb"
    with tempfile.TemporaryDirectory() as folder:
        db = f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        detector = '{"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"}'
        subprocess.run([script, "--db", db, "detector", "create", detector], stdout=subprocess.DEVNULL, check=True)
        for i in range(20):
            run = f'{{"name": "run{i:02}", "detector": "RED15"}}'
            subprocess.run([script, "--db", db, "run", "create", run], stdout=subprocess.DEVNULL, check=True)
        commands = {"--help": [script, "--help"], "run list": [script, "--db", db, "run", "list"]}
        floor = float("inf")
        times = dict.fromkeys(commands, float("inf"))
        for _ in range(rounds):
            floor = min(floor, best_of([sys.executable, "-c", "pass"], 1, folder))
            for name, command in commands.items():
                times[name] = min(times[name], best_of(command, 1, folder))
    print(f"python -c pass: {floor * 1000:.1f} ms (best of {rounds})")
    for name, seconds in times.items():
        ratio = seconds / floor
        verdict = "within" if ratio < TARGETS[name] else "over"
        target = f"({verdict} the {TARGETS[name]:.0f}x target)"
        print(f"ricochetdb {name:<9} {seconds * 1000:7.1f} ms  {ratio:5.1f}x the floor {target}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
