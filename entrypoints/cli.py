"""The ``ricochetdb`` command: bookkeeping, DAQ messages, readings and polling from a shell.

Exit codes: 0 done; 2 refused input (one line on stderr naming the record and the field);
3 the database cannot be reached or refuses us (login, rights, URI, TLS); 4 done in part, said on
stderr (every device failed in a poll cycle, files rejected by ingest, sync conflicts, items left in
the spool); 1 an unexpected error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any, NoReturn

from ricochetdb.entrypoints.defaults import DEFAULT_COLLECTIONS

# command -> (module building it, one-line help): a command's parser is built only when it runs.
COMMANDS = {
    "detector": ("cli_records", "detectors: create, update, delete, list, show [--history]"),
    "run": ("cli_records", "runs: create, update, delete, start, stop, list, show [--history]"),
    "stream": ("cli_records", "streams: as runs, plus history add, add-detector, temperature"),
    "daq": ("cli_data", "DAQ messages: insert (all or nothing), list (newest first)"),
    "readings": ("cli_data", "stored readings: latest, history (any zoom), export (raw, streamed)"),
    "rollup": ("cli_history", "rollup tiers (1 min, 1 h, 1 d): check them, or --rebuild them from raw values"),
    "retention": ("cli_history", "delete what the [retention] table keeps no longer (--dry-run: say what)"),
    "ingest": ("cli_data", "load processing result files newer than the database, then delete them"),
    "status": ("cli_ops", "database, spool, running and left-open runs/streams, degraded devices"),
    "spool": ("cli_ops", "the local spool of a MongoDB database: status, replay"),
    "sync": ("cli_ops", "push this SQLite file to another database, exactly once"),
    "poll": ("cli_devices", "poll the configured devices into the database"),
    "emulate": ("cli_devices", "run device emulators on 127.0.0.x until Ctrl-C"),
    "demo": ("cli_devices", "the main job on emulated devices, into a local SQLite file"),
    "serve": ("cli_web", "web pages, JSON API and /metrics on the database (read-only)"),
    "plot": ("cli_web", "plot labels to a PNG, SVG or PDF file (same bins as the web page)"),
    "alarm": ("cli_alarms", "alarms: list, history, ack, snooze, silence, test, check, example"),
    "mode": ("cli_alarms", "the cryostat mode (warmup, cooldown, cold, maintenance): set, show"),
}
VALUED = {
    "--db",
    "--db-file",
    "--db-name",
    "--timeout-ms",
    "--spool",
    *(f"--{k}-collection" for k in DEFAULT_COLLECTIONS),
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help as written (examples keep their lines), as wide as the terminal, measured without importing shutil."""

    def __init__(self, prog: str) -> None:
        try:
            width = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size(sys.stdout.fileno()).columns
        except (ValueError, OSError):
            width = 80
        super().__init__(prog, width=max(width, 40) - 2)


class Parser(argparse.ArgumentParser):
    """argparse, with usage mistakes said in one line (exit 2) like every other refusal."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("ricochetdb").strip()
        self.exit(2, f"ricochetdb: {command + ': ' if command else ''}{message} (see {self.prog} --help)\n")


def add_global_options(parser: argparse.ArgumentParser, after_command: bool = False) -> None:
    """The options every command takes, before it or (``after_command``) after it."""

    def option(*names: str, **kwargs: Any) -> None:
        if after_command:
            kwargs.update(default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        parser.add_argument(*names, **kwargs)

    option(
        "--db",
        help="sqlite:///file.sqlite or mongodb://host:27017/db (default: env RICOCHETDB_URI, else ./ricochetdb.sqlite)",
    )
    option("--db-file", help="read the URI from this file (mode 600), to keep the password private")
    option("--db-name", help="MongoDB database name when the URI has none")
    option("--json", action="store_true", help="print JSON (full precision, every field whole) instead of tables")
    option("-v", "--verbose", action="store_true", help="log every cycle and show tracebacks of unexpected errors")
    option("--timeout-ms", type=int, default=3000, help="MongoDB server selection timeout (ms)")
    option(
        "--spool", help="MongoDB's local fallback file (default: env RICOCHETDB_SPOOL, else ./ricochetdb-spool.sqlite)"
    )
    for kind, default in DEFAULT_COLLECTIONS.items():
        option(f"--{kind}-collection", default=default, help=f"(default {default})")


def _top_parser() -> Parser:
    listing = "\n".join(f"  {name:<9} {summary}" for name, (_, summary) in COMMANDS.items())
    parser = Parser(
        prog="ricochetdb",
        description=__doc__,
        epilog=f"commands:\n{listing}\n\n'ricochetdb COMMAND --help' tells more; global options may also follow it.",
        allow_abbrev=False,
    )
    add_global_options(parser)
    parser.add_argument("--version", action=_Version, nargs=0, help="print the version and exit")
    parser.add_argument("command", choices=COMMANDS, metavar="COMMAND", help="one of the commands below")
    return parser


class _Version(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_args: Any) -> None:
        from importlib.metadata import version

        parser.exit(0, f"ricochetdb {version('ricochetdb')}\n")


def _command_index(argv: Sequence[str]) -> int:
    """Where the command is: the first argument that is neither a global option nor its value."""
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--" or not token.startswith("-"):
            return index + (token == "--")
        index += 2 if token in VALUED else 1
    return len(argv)


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Global options and the command first, then only that command's own parser is built and used."""
    split = _command_index(argv)
    args = _top_parser().parse_args(argv[: split + 1])
    module, summary = COMMANDS[args.command]
    common = Parser(add_help=False)
    add_global_options(common, after_command=True)
    parser = Parser(prog=f"ricochetdb {args.command}", description=summary, parents=[common], allow_abbrev=False)
    import_module(f"ricochetdb.entrypoints.{module}").build(args.command, parser, common)
    return parser.parse_args(argv[split + 1 :], namespace=args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code."""
    tokens = list(sys.argv[1:] if argv is None else argv)
    try:
        try:
            args = parse(tokens)
        except SystemExit as exit_:
            sys.stdout.flush()
            return exit_.code if isinstance(exit_.code, int) else 2
        from ricochetdb.entrypoints.cli_run import run

        return run(args, tokens)
    except BrokenPipeError:
        return _quiet_broken_pipe()


def _quiet_broken_pipe() -> int:
    """The reader went away (``| head``): stop quietly, as a shell tool does on SIGPIPE."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141


if __name__ == "__main__":
    sys.exit(main())
