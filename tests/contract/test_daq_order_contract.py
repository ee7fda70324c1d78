"""Contract of DaqMessageLog across batches: insertion order holds from one batch to the next."""

from __future__ import annotations

from ricochetdb.application.ports import Store
from ricochetdb.domain.messages import validate_batch


class TestOrderAcrossBatches:
    def test_later_batches_come_after_earlier_ones_even_with_a_replay_between(self, store: Store) -> None:
        log = store.daq("daq")
        first = validate_batch([{"topic": "t", "timestamp": float(i), "n": i} for i in range(3)])
        second = validate_batch([{"topic": "t", "timestamp": float(i), "n": i} for i in range(3, 5)])
        log.add(first)
        log.add(first)
        log.add(second)
        assert [m["n"] for m in log.find()] == [0, 1, 2, 3, 4]
        assert [m["n"] for m in log.find("t", limit=4)] == [0, 1, 2, 3]
