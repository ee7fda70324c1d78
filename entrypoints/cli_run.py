"""Running one parsed command: open what it needs, call it, print the result, map errors to exit codes."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from ricochetdb.adapters.uris import parse_store_uri, redact
from ricochetdb.domain.errors import RicochetError, StoreConfigurationError, StoreUnavailable, ValidationError
from ricochetdb.entrypoints.defaults import DEFAULT_COLLECTIONS, database_uri
from ricochetdb.entrypoints.edge import check_argv, read_uri_file
from ricochetdb.entrypoints.output import INTERNAL_ERROR, REFUSED, UNREACHABLE, Outcome, fields, table, to_json


def configure_logging(verbose: bool) -> None:
    """Log lines on stderr stamped in UTC, so a night's log reads against the stored timestamps."""
    import logging
    import time

    formatter = logging.Formatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def run(args: argparse.Namespace, tokens: list[str]) -> int:
    """Call the command's handler and print what it returns; every failure is one line on stderr.

    The quick read-only record commands log nothing, so they start without the logging machinery.
    """
    if getattr(args, "access", "write") != "records" or args.verbose:
        configure_logging(args.verbose)
    try:
        check_argv(tokens)
        outcome = _call(args)
        if not isinstance(outcome, Outcome):
            outcome = Outcome(outcome)
        _print(outcome.result, args)
        sys.stdout.flush()
        if outcome.message:
            sys.stderr.write(f"ricochetdb: {redact(outcome.message)}\n")
        return outcome.code
    except StoreUnavailable as error:
        sys.stderr.write(f"ricochetdb: database unavailable: {redact(str(error))}\n")
        return UNREACHABLE
    except StoreConfigurationError as error:
        sys.stderr.write(f"ricochetdb: database configuration refused: {redact(str(error))}\n")
        return UNREACHABLE
    except RicochetError as error:
        sys.stderr.write(f"ricochetdb: {redact(str(error))}\n")
        return REFUSED
    except KeyboardInterrupt:
        sys.stderr.write("ricochetdb: interrupted\n")
        return 130
    except BrokenPipeError:
        raise
    except Exception as error:  # a bug: one line for the operator, the traceback with -v
        if args.verbose:
            import traceback

            traceback.print_exc()
        hint = "" if args.verbose else " (run with -v for the traceback)"
        sys.stderr.write(f"ricochetdb: unexpected error: {type(error).__name__}: {redact(str(error))[:300]}{hint}\n")
        return INTERNAL_ERROR


def collections_of(args: argparse.Namespace) -> dict[str, str]:
    return {kind: getattr(args, f"{kind}_collection") for kind in DEFAULT_COLLECTIONS}


def _call(args: argparse.Namespace) -> Any:
    access = getattr(args, "access", "write")
    if access == "none":
        return args.handler(args, None)
    uri = read_uri_file(args.db_file) if args.db_file else database_uri(args.db)
    path = local_file(uri)
    if access != "write" and path is not None and not os.path.exists(path):
        raise ValidationError(
            "database", uri, "does not exist: a read-only command creates nothing (check --db or RICOCHETDB_URI)"
        )
    if access == "records" and path is not None:
        from ricochetdb.entrypoints.readonly import open_records

        with open_records(path, collections_of(args)) as books:
            return args.handler(args, books)
    from ricochetdb.entrypoints.api import connect

    with connect(
        uri, args.db_name, collections=collections_of(args), timeout_ms=args.timeout_ms, spool=args.spool
    ) as api:
        return args.handler(args, api)


def local_file(uri: str) -> str | None:
    """The path of a SQLite file URI (None for memory, MongoDB or an in-memory SQLite database)."""
    parsed = parse_store_uri(uri)
    return parsed.path if parsed.kind == "sqlite" and parsed.path != ":memory:" else None


def _print(result: Any, args: argparse.Namespace) -> None:
    if result is None:
        return
    if args.json:
        sys.stdout.write(to_json(result) + "\n")
    elif isinstance(result, list):
        rows = [row if isinstance(row, dict) else {"value": row} for row in result]
        table(rows, _columns(args, rows), sys.stdout)
    elif isinstance(result, dict):
        fields(result, sys.stdout)
    else:
        sys.stdout.write(f"{result}\n")


def _columns(args: argparse.Namespace, rows: list[dict[str, Any]]) -> Sequence[str]:
    columns: Sequence[str] | None = getattr(args, "columns", None)
    return columns or list(dict.fromkeys(key for row in rows for key in row)) or ["name"]
