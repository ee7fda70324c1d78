"""The MongoDB server a bench writes to: ``MONGO_URI`` when set, else a SecantusDB test server of its own."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

SERVER_HELPER = Path(__file__).resolve().parents[1] / "tests" / "mongo_server.py"


@contextlib.contextmanager
def mongo_uri() -> Iterator[str]:
    """``MONGO_URI`` when set, else a SecantusDB test server started (and stopped) for the bench."""
    if os.environ.get("MONGO_URI"):
        yield os.environ["MONGO_URI"]
        return
    spec = importlib.util.spec_from_file_location("mongo_server", SERVER_HELPER)
    assert spec is not None and spec.loader is not None
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)
    with tempfile.TemporaryDirectory() as storage, helper.MongoTestServer(Path(storage)) as uri:
        yield uri
