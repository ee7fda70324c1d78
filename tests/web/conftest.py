"""Fixtures of the web tests: the app on a SQLite database with known readings, runs and streams."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from web_site import TOKEN, Site, fill

from ricochetdb.adapters.web.live import LiveState
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.web.app import create_app
from ricochetdb.entrypoints.web.context import WebContext
from ricochetdb.entrypoints.web.watch import StoreWatcher


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    api = connect(f"sqlite:///{tmp_path / 'web.sqlite'}")
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)
    fill(api, start)
    live = LiveState(60.0, "readings")
    ctx = WebContext(api, live, ["readings"], token=TOKEN)
    StoreWatcher(api, live, ["readings"], 60.0, readings=True, stop=ctx.stopping).refresh()
    with TestClient(create_app(ctx)) as client:
        yield Site(api, client, start, start + timedelta(hours=6), live)
    ctx.stopping.set()
    api.close()
