"""Contract of the rollups, on every store: whatever order, repetition or lateness the writes come in,
every tier equals a recomputation from the raw values stored, and so do the latest values."""

from __future__ import annotations

import itertools
import math
import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rollup_checks import DAY, HOUR, MINUTE, T0, assert_matches, in_range

from ricochetdb.application.ports import Store
from ricochetdb.domain.polls import Poll, poll_from_values
from ricochetdb.domain.rollups import TIERS, WIDTH_US, Point, as_number
from ricochetdb.domain.validation import from_micros, to_micros

EVERYTHING = (-(2**62), 2**62)
START = datetime(2026, 1, 1, tzinfo=UTC)


def poll(device: str, when: datetime, **values: object) -> Poll:
    return poll_from_values("MMR3", device, when, values, {label: "K" for label in values})


def stored_points(store: Store, collection: str, device: str, label: str) -> list[Point]:
    readings = store.readings(collection).find(device, label)
    return [(to_micros(r.timestamp), n) for r in readings if (n := as_number(r.value)) is not None]


def check_tiers(store: Store, collection: str) -> None:
    """Every bucket of every tier is the raw recomputation of its stretch, and no stretch lacks its bucket;
    only the buckets holding a series' open minute (of its newest value) may lag by that minute."""
    rollups = store.rollups(collection)
    series = rollups.series()
    keys = [(s.device, s.label) for s in series]
    opened = {(s.device, s.label): to_micros(s.latest) - to_micros(s.latest) % MINUTE for s in series}
    for tier in TIERS:
        width = WIDTH_US[tier]
        found = rollups.buckets(tier, keys, *EVERYTHING)
        for key in keys:
            lagging = opened[key] - opened[key] % width
            points = stored_points(store, collection, *key)
            buckets = [b for b in found.get(key, []) if b.start != lagging]
            assert [b.start for b in buckets] == sorted({t - t % width for t, _ in points} - {lagging})
            for bucket in buckets:
                assert_matches(bucket, in_range(points, bucket.start, width))


@st.composite
def writes(draw: st.DrawFn) -> list[list[Poll]]:
    """Polls of two devices cut into batches, shuffled (late readings), some sent twice (replays)."""
    polls: list[Poll] = []
    for device in ("d1", "d2"):
        when = T0 + draw(st.integers(0, HOUR))
        for _ in range(draw(st.integers(1, 40))):
            when += draw(st.sampled_from([10_000_000, 10_000_000, 3_000_000, 2 * HOUR, 2 * DAY]))
            value = draw(st.one_of(st.floats(-1, 1), st.booleans(), st.just("OVERRANGE")))
            level = draw(st.sampled_from([300.0, 1e5, 0.01]))
            t = value if isinstance(value, (str, bool)) else level + 1e-3 * value
            polls.append(poll(device, from_micros(when), T=t, R=level * 2))
    cuts = sorted(draw(st.lists(st.integers(0, len(polls)), max_size=6)))
    batches = [polls[a:b] for a, b in itertools.pairwise([0, *cuts, len(polls)]) if polls[a:b]]
    batches = draw(st.permutations(batches))
    replays = draw(st.lists(st.sampled_from(batches), max_size=2))
    return [*batches, *replays]


class TestIncremental:
    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(writes())
    def test_any_order_repetition_or_lateness_leaves_every_tier_exact(
        self, store: Store, batches: list[list[Poll]]
    ) -> None:
        collection = f"r{uuid.uuid4().hex[:8]}"
        for batch in batches:
            store.readings(collection).add(batch, bulk_size=7)
        check_tiers(store, collection)
        newest = {(r.device, r.label): r for r in store.readings(collection).find()}
        assert {(r.device, r.label): r for r in store.rollups(collection).latest()} == newest

    def test_a_second_apply_of_the_same_polls_changes_nothing(self, store: Store) -> None:
        polls = [poll("d", START + timedelta(seconds=10 * i), T=4.0 + i) for i in range(30)]
        store.readings("r").add(polls)
        rollups = store.rollups("r")
        before = {tier: rollups.buckets(tier, [("d", "T")], *EVERYTHING) for tier in TIERS}
        rollups.apply(polls)
        store.readings("r").add(polls)
        assert {tier: rollups.buckets(tier, [("d", "T")], *EVERYTHING) for tier in TIERS} == before

    def test_a_conflicting_value_is_not_rolled_up(self, store: Store) -> None:
        store.readings("r").add([poll("d", START, T=4.0)])
        report = store.readings("r").add([poll("d", START, T=5.0)])
        assert report.conflicts
        assert [r.value for r in store.rollups("r").latest()] == [4.0]
        store.rollups("r").settle()
        (minute,) = store.rollups("r").buckets("1m", [("d", "T")], *EVERYTHING)[("d", "T")]
        assert (minute.n, minute.mean) == (1, 4.0)

    def test_a_late_reading_does_not_replace_a_newer_latest_value(self, store: Store) -> None:
        store.readings("r").add([poll("d", START + timedelta(hours=1), T=2.0)])
        store.readings("r").add([poll("d", START, T=1.0)])
        assert [(r.value, r.timestamp) for r in store.rollups("r").latest()] == [(2.0, START + timedelta(hours=1))]

    def test_texts_have_latest_values_but_no_buckets(self, store: Store) -> None:
        store.readings("r").add([poll("d", START, S="CPA1114", T=True)])
        rollups = store.rollups("r")
        assert [(r.label, r.value) for r in rollups.latest()] == [("S", "CPA1114"), ("T", True)]
        rollups.settle()
        assert set(rollups.buckets("1m", [("d", "S"), ("d", "T")], *EVERYTHING)) == {("d", "T")}
        assert [s.unit for s in rollups.series()] == ["K", "K"]
        assert store.reading_collections() == ["r"]


class TestRebuild:
    def test_a_rebuild_gives_what_the_writes_gave(self, store: Store) -> None:
        polls = [
            poll(d, START + timedelta(seconds=37 * i), T=300 + 1e-3 * math.sin(i), P=i % 3 == 0)
            for i in range(400)
            for d in ("a", "b")
        ]
        store.readings("r").add(polls)
        rollups = store.rollups("r")
        rollups.settle()
        keys = [(s.device, s.label) for s in rollups.series()]
        before = {tier: rollups.buckets(tier, keys, *EVERYTHING) for tier in TIERS}
        latest = rollups.latest()
        assert rollups.rebuild() == 4
        after = {tier: rollups.buckets(tier, keys, *EVERYTHING) for tier in TIERS}
        for tier in TIERS:
            for key in keys:
                assert [b.start for b in after[tier][key]] == [b.start for b in before[tier][key]]
                for a, b in zip(after[tier][key], before[tier][key], strict=True):
                    assert a.n == b.n and math.isclose(a.mean, b.mean, rel_tol=1e-12) and a.t_gap == b.t_gap
        assert rollups.latest() == latest
        check_tiers(store, "r")

    def test_a_rebuild_cut_short_and_run_again_gives_the_same_buckets(self, store: Store) -> None:
        polls = [poll(d, START + timedelta(seconds=61 * i), T=1.0 * i) for i in range(300) for d in ("a", "b", "c")]
        store.readings("r").add(polls)
        rollups = store.rollups("r")
        rollups.rebuild()
        keys = [(s.device, s.label) for s in rollups.series()]
        reference = {tier: rollups.buckets(tier, keys, *EVERYTHING) for tier in TIERS}
        for tier in TIERS:
            rollups.retention({tier: to_micros(datetime(9000, 1, 1, tzinfo=UTC))}, delete=True)  # all gone

        def killed(_message: str) -> None:
            raise KeyboardInterrupt  # stands for a kill after the first series was rolled up

        try:
            rollups.rebuild(killed)
        except KeyboardInterrupt:
            pass
        rollups.rebuild()
        assert {tier: rollups.buckets(tier, keys, *EVERYTHING) for tier in TIERS} == reference
