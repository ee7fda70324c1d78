"""Password hiding in linear time: time ``redact`` on hostile texts of 1 MB and 16 MB; print the ratio (about 16)."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from ricochetdb.adapters.mongo.collections import Guard
from ricochetdb.adapters.uris import redact

SHAPES: dict[str, Callable[[int], str]] = {
    "letters": lambda n: "a" * n,
    "schemes": lambda n: "a://" * (n // 4),
    "open credentials": lambda n: "x://u:" + "p" * n,
    "colons": lambda n: ("mongodb://u" + ":" * 10) * (n // 21),
    "at signs": lambda n: "@" * n,
    "options": lambda n: "pwd=" * (n // 4),
}


def seconds(function: Callable[[str], str], text: str, repeat: int) -> float:
    """The best of ``repeat`` timings of ``function(text)``."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    small, large = 2**20, 2**24
    scrub = Guard("mongodb://h/db", {"s3cret"}).scrub
    print(f"{'input':<18} {'function':<8} {'1 MB (s)':>9} {'16 MB (s)':>10} {'ratio':>6}")
    for name, make in SHAPES.items():
        for label, function in (("redact", redact), ("scrub", scrub)):
            short = seconds(function, make(small), args.repeat)
            long = seconds(function, make(large), args.repeat)
            print(f"{name:<18} {label:<8} {short:>9.4f} {long:>10.4f} {long / short:>6.1f}")


if __name__ == "__main__":
    main()
