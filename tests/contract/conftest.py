"""Every store adapter is bound to the same contract suite through the ``store`` fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ricochetdb.adapters.memory import InMemoryStore
from ricochetdb.adapters.mongo.store import MongoStore
from ricochetdb.adapters.sqlite.store import SqliteStore
from ricochetdb.application.ports import Store


def _memory(_tmp: Path, _request: pytest.FixtureRequest) -> Store:
    return InMemoryStore()


def _sqlite(tmp: Path, _request: pytest.FixtureRequest) -> Store:
    return SqliteStore(str(tmp / "contract.sqlite"))


def _mongo(_tmp: Path, request: pytest.FixtureRequest) -> Store:
    return MongoStore(request.getfixturevalue("mongo_uri"), db_name=request.getfixturevalue("mongo_db_name"))


STORES: dict[str, Callable[[Path, pytest.FixtureRequest], Store]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "mongo": _mongo,
}


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    built = STORES[request.param](tmp_path, request)
    yield built
    built.close()
