"""Fixtures shared by every test layer: the MongoDB-wire test server (or ``MONGO_URI``) and a database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from mongo_server import MongoTestServer
from pymongo import MongoClient

# In CI every property test draws the same examples each run (a red build is a bug, not a bad draw);
# local runs keep exploring new examples and keep the failures they find in .hypothesis/.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``MONGO_URI`` when set (a real mongod), else a SecantusDB server started for this session."""
    configured = os.environ.get("MONGO_URI")
    if configured:
        yield configured
        return
    with MongoTestServer(tmp_path_factory.mktemp("secantus")) as uri:
        yield uri


@pytest.fixture
def mongo_db_name(mongo_uri: str) -> Iterator[str]:
    """A fresh database name for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex}"
    yield name
    client: MongoClient[dict[str, object]] = MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
    try:
        client.drop_database(name)
    finally:
        client.close()
