"""The one composition root: configuration in, stores and use-cases out (dependency-injector)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dependency_injector import containers, providers

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.uris import parse_store_uri
from ricochetdb.application.bookkeeping import DetectorBook, RunBook, StreamBook
from ricochetdb.application.daq import DaqLogger
from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import Store
from ricochetdb.application.readings import ReadingBook
from ricochetdb.entrypoints.defaults import DEFAULT_COLLECTIONS, DEFAULT_SPOOL, DEFAULT_URI
from ricochetdb.entrypoints.devices_config import PollConfig

# Drivers and device modules are imported by the provider that needs them, so a command pays only for its own.


def _sqlite(path: str) -> Iterator[Store]:
    from ricochetdb.adapters.sqlite.store import SqliteStore

    store = SqliteStore(path)
    yield store
    store.close()


def _mongo(
    uri: str, db_name: str | None, timeout_ms: int, timeseries: bool, spool: str, retry_after: float
) -> Iterator[Store]:
    """MongoDB, behind a local SQLite spool unless ``spool`` is empty."""
    from ricochetdb.adapters.mongo.store import MongoStore
    from ricochetdb.adapters.sqlite.archive import SqliteArchive
    from ricochetdb.adapters.sqlite.store import SqliteStore
    from ricochetdb.application.spooling import SpoolingStore

    primary = MongoStore(uri, db_name=db_name, server_selection_timeout_ms=timeout_ms, timeseries=timeseries)
    if not spool:
        yield primary
        primary.close()
        return
    local = SqliteStore(spool)
    store = SpoolingStore(primary, local, SqliteArchive(local), retry_after)
    yield store
    store.close()


def _memory() -> Iterator[Store]:
    from ricochetdb.adapters.memory import InMemoryStore

    store = InMemoryStore()
    yield store
    store.close()


def build_poller(store: Store, config: PollConfig, events_collection: str) -> Poller:
    """A poller over every configured device; a bad device option is refused before anything runs."""
    from ricochetdb.adapters.devices.registry import build_reader
    from ricochetdb.adapters.mapping_file import load_mapping

    poller = Poller(store.clock, LocalClock(), load_mapping(config.mapping), store.events(events_collection))
    try:
        for device in config.devices:
            poller.add(build_reader(device.type, device.address, device.options), device.collection)
    except BaseException:
        poller.close()
        raise
    return poller


class Container(containers.DeclarativeContainer):
    """Selects the store from the URI scheme and builds the use-cases on it."""

    config = providers.Configuration()

    store = providers.Selector(
        config.store.kind,
        sqlite=providers.Resource(_sqlite, path=config.store.path),
        mongo=providers.Resource(
            _mongo,
            uri=config.store.uri,
            db_name=config.store.db_name,
            timeout_ms=config.store.timeout_ms,
            timeseries=config.store.timeseries,
            spool=config.store.spool,
            retry_after=config.store.retry_after,
        ),
        memory=providers.Resource(_memory),
    )

    detectors = providers.Factory(DetectorBook, store=store, collection=config.collections.detectors)
    runs = providers.Factory(
        RunBook, store=store, collection=config.collections.runs, detector_collection=config.collections.detectors
    )
    streams = providers.Factory(StreamBook, store=store, collection=config.collections.streams)
    daq = providers.Factory(DaqLogger, store=store, collection=config.collections.daq)
    readings = providers.Factory(ReadingBook, store=store, collection=config.collections.readings)
    poller = providers.Factory(build_poller, store=store, events_collection=config.collections.events)


def build_container(
    uri: str | None = None,
    db_name: str | None = None,
    collections: dict[str, str] | None = None,
    timeout_ms: int = 3000,
    timeseries: bool = False,
    spool: str | None = None,
    retry_after: float = 10.0,
) -> Container:
    """A container for ``uri`` (else env ``RICOCHETDB_URI``, else the local SQLite file).

    ``spool`` is the local file MongoDB writes fall back to (else env ``RICOCHETDB_SPOOL``, else
    ``./ricochetdb-spool.sqlite``; an empty string disables it).
    """
    container = Container()
    container.config.store.uri.from_env("RICOCHETDB_URI", default=DEFAULT_URI)
    container.config.store.spool.from_env("RICOCHETDB_SPOOL", default=DEFAULT_SPOOL)
    chosen = uri or container.config.store.uri()
    spool_path = container.config.store.spool() if spool is None else spool
    parsed = parse_store_uri(chosen)
    settings: dict[str, Any] = {
        "store": {
            "uri": chosen,
            "kind": parsed.kind,
            "path": parsed.path,
            "db_name": db_name,
            "timeout_ms": timeout_ms,
            "timeseries": timeseries,
            "spool": spool_path,
            "retry_after": retry_after,
        },
        "collections": {**DEFAULT_COLLECTIONS, **(collections or {})},
    }
    container.config.from_dict(settings)
    return container
