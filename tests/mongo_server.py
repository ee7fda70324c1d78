"""Start and stop a throw-away MongoDB-wire test server (SecantusDB) as a subprocess, never imported (GPL)."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

logger = logging.getLogger(__name__)

EXECUTABLE = "secantusd-py"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def find_executable() -> str:
    """The server launcher next to this interpreter (a venv not on PATH), else on PATH."""
    beside = Path(sys.executable).parent / EXECUTABLE
    found = str(beside) if beside.exists() else shutil.which(EXECUTABLE)
    if found is None:
        raise RuntimeError(f"{EXECUTABLE} not found: pip install -e '.[dev]' (it pins secantusdb)")
    return found


class MongoTestServer:
    """One SecantusDB process on a free local port; ``uri`` once started."""

    def __init__(
        self,
        storage_path: Path,
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        options: Sequence[str] = (),
        ping_options: str = "",
    ) -> None:
        """``options`` are extra server flags (``--auth``, ``--tls-cert-file PATH``...); ``ping_options`` the URI
        query the start-up ping needs (``?tls=true&tlsAllowInvalidCertificates=true`` for a TLS server)."""
        self.storage_path = storage_path
        self.options = list(options)
        self.ping_options = ping_options
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.port = free_port()
        self.uri = f"mongodb://127.0.0.1:{self.port}/"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        """Launch the server and wait until it answers ``ping``; return its URI."""
        command = [
            find_executable(),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--storage-path",
            str(self.storage_path),
            "--log-level",
            "WARNING",
            *self.options,
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout
        client: MongoClient[dict[str, object]] = MongoClient(self.uri + self.ping_options, serverSelectionTimeoutMS=250)
        try:
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{EXECUTABLE} exited with code {self.process.returncode} on start")
                try:
                    client.admin.command("ping")
                    break
                except PyMongoError:
                    if time.monotonic() > deadline:
                        self.stop()
                        raise RuntimeError(
                            f"{EXECUTABLE} did not answer ping within {self.startup_timeout} s"
                        ) from None
        finally:
            client.close()
        logger.info("test server listening on %s", self.uri)
        return self.uri

    def stop(self) -> None:
        """SIGTERM, then kill if it has not stopped within ``stop_timeout`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            logger.warning("test server ignored SIGTERM for %s s, killing it", self.stop_timeout)
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL: the crash a fault test wants (no clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()
