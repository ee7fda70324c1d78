"""The one composition root: configuration in, stores, books, poller, poll loop and facade pieces out."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from dependency_injector import containers, providers

from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.uris import parse_store_uri
from ricochetdb.application.bookkeeping import DetectorBook, RunBook, StreamBook
from ricochetdb.application.daq import DaqLogger
from ricochetdb.application.ingest import ProcessingLoader
from ricochetdb.application.poll_loop import Observer, PollLoop
from ricochetdb.application.polling import Poller
from ricochetdb.application.ports import Clock, DeviceEventLog, Shelf, Spool, Store
from ricochetdb.application.readings import ReadingBook
from ricochetdb.domain.devices import LabelMapping
from ricochetdb.entrypoints.defaults import DEFAULT_COLLECTIONS, DEFAULT_SPOOL, DEFAULT_URI
from ricochetdb.entrypoints.devices_config import PollConfig

# Drivers, SQLAlchemy and device modules are imported by the provider that needs them: a command pays
# only for its own.


def _sqlite(path: str) -> Iterator[Store]:
    from ricochetdb.adapters.sqlite.store import SqliteStore

    store = SqliteStore(path)
    yield store
    store.close()


def _mongo(uri: str, db_name: str | None, timeout_ms: int, timeseries: bool) -> Iterator[Store]:
    from ricochetdb.adapters.mongo.store import MongoStore

    store = MongoStore(uri, db_name=db_name, server_selection_timeout_ms=timeout_ms, timeseries=timeseries)
    yield store
    store.close()


def _memory() -> Iterator[Store]:
    from ricochetdb.adapters.memory import InMemoryStore

    store = InMemoryStore()
    yield store
    store.close()


def _spooling(primary: Store, path: str, retry_after: float) -> Iterator[Store]:
    """The primary behind a local SQLite spool: readings, DAQ messages and events wait there while it is away."""
    from ricochetdb.adapters.sqlite.archive import SqliteArchive
    from ricochetdb.adapters.sqlite.shelf import SqliteShelf
    from ricochetdb.adapters.sqlite.spool_file import open_spool
    from ricochetdb.application.spooling import SpoolingStore

    local = open_spool(path)
    try:
        shelf = SqliteShelf(local.engine, f"spool {path}")
        store = SpoolingStore(primary, local, SqliteArchive(local), retry_after, shelf=shelf)
    except BaseException:
        local.close()
        raise
    yield store
    local.close()


def _spool_shelf(spooling: Any) -> Shelf | None:
    shelf: Shelf | None = spooling.shelf
    return shelf


def _sqlite_shelf(sqlite: Any) -> Shelf:
    """A SQLite database keeps what it refused in its own file."""
    from ricochetdb.adapters.sqlite.shelf import SqliteShelf

    return SqliteShelf(sqlite.engine, f"sqlite database {sqlite.path}")


def build_poller(
    clock: Clock, mapping: LabelMapping, devices: Sequence[Any] = (), events: DeviceEventLog | None = None
) -> Poller:
    """A poller over configured devices (``DeviceEntry``s); a bad device option is refused before anything runs."""
    from ricochetdb.adapters.devices.registry import build_reader

    poller = Poller(clock, LocalClock(), mapping, events)
    try:
        for device in devices:
            poller.add(build_reader(device.type, device.address, device.options), device.collection, device.identity)
    except BaseException:
        poller.close()
        raise
    return poller


def _config_poller(store: Store, config: PollConfig, events_collection: str) -> Poller:
    from ricochetdb.adapters.mapping_file import load_mapping

    return build_poller(store.clock, load_mapping(config.mapping), config.devices, store.events(events_collection))


def _poll_loop(
    store: Store,
    spool: Spool | None,
    shelf: Shelf | None,
    config: PollConfig,
    events_collection: str,
    observers: Sequence[Observer] = (),
) -> PollLoop:
    poller = _config_poller(store, config, events_collection)
    return PollLoop(poller, store, config.interval, spool, observers, shelf=shelf)


def _processing(store: Store, collection: str, streams: StreamBook | None = None) -> ProcessingLoader:
    """Results of ``collection``; with ``streams``, a result for a stream missing there is rejected."""
    from ricochetdb.adapters.processing_files import FolderProcessingFiles

    return ProcessingLoader(store.processing(collection), FolderProcessingFiles(), streams)


class Container(containers.DeclarativeContainer):
    """Selects the store from the URI scheme (MongoDB behind its spool when one is set) and builds on it."""

    config = providers.Configuration()

    primary = providers.Selector(
        config.store.kind,
        sqlite=providers.Resource(_sqlite, path=config.store.path),
        mongo=providers.Resource(
            _mongo,
            uri=config.store.uri,
            db_name=config.store.db_name,
            timeout_ms=config.store.timeout_ms,
            timeseries=config.store.timeseries,
        ),
        memory=providers.Resource(_memory),
    )
    spooling = providers.Resource(
        _spooling, primary=primary, path=config.store.spool, retry_after=config.store.retry_after
    )
    store = providers.Selector(config.store.spooled, yes=spooling, no=primary)
    spool = providers.Selector(config.store.spooled, yes=spooling, no=providers.Object(None))
    shelf = providers.Selector(
        config.store.shelf,
        spool=providers.Singleton(_spool_shelf, spooling),
        sqlite=providers.Singleton(_sqlite_shelf, primary),
        none=providers.Object(None),
    )

    detectors = providers.Factory(DetectorBook, store=store, collection=config.collections.detectors)
    runs = providers.Factory(
        RunBook, store=store, collection=config.collections.runs, detector_collection=config.collections.detectors
    )
    streams = providers.Factory(
        StreamBook,
        store=store,
        collection=config.collections.streams,
        detector_collection=config.collections.detectors,
    )
    daq = providers.Factory(DaqLogger, store=store, collection=config.collections.daq)
    readings = providers.Factory(ReadingBook, store=store, collection=config.collections.readings)
    processing = providers.Factory(_processing, store=store, collection=config.collections.processing)
    poller = providers.Factory(_config_poller, store=store, events_collection=config.collections.events)
    poll_loop = providers.Factory(
        _poll_loop, store=store, spool=spool, shelf=shelf, events_collection=config.collections.events
    )


class FacadeContainer(containers.DeclarativeContainer):
    """The seed-compatible facade's pieces: a poller stamping with the configured database's clock."""

    clock: providers.Dependency[Clock] = providers.Dependency()
    poller = providers.Factory(build_poller, clock=clock)


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
    spooled = parsed.kind == "mongo" and bool(spool_path)
    settings: dict[str, Any] = {
        "store": {
            "uri": chosen,
            "kind": parsed.kind,
            "path": parsed.path,
            "db_name": db_name,
            "timeout_ms": timeout_ms,
            "timeseries": timeseries,
            "spool": spool_path,
            "spooled": "yes" if spooled else "no",
            "shelf": "spool" if spooled else "sqlite" if parsed.kind == "sqlite" else "none",
            "retry_after": retry_after,
        },
        "collections": {**DEFAULT_COLLECTIONS, **(collections or {})},
    }
    container.config.from_dict(settings)
    return container
