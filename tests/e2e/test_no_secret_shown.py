"""No secret shown: through the real command, whatever the URI and wherever it comes from, no password is printed.

Each shape of URI is given by ``--db``, by ``RICOCHETDB_URI`` and by ``--db-file``; the server is
unreachable (or the driver refuses the URI), which is when the URI is printed most.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from mongo_server import free_port

SECRET = "Zs3cr3t"
PORT = free_port()
SHAPES = {
    "plain": f"mongodb://phys:{SECRET}@127.0.0.1:{PORT}/ricochet",
    "slash": f"mongodb://phys:pa/{SECRET}@127.0.0.1:{PORT}/ricochet",
    "at": f"mongodb://phys:pa@{SECRET}@127.0.0.1:{PORT}/ricochet",
    "colon": f"mongodb://phys:pa:{SECRET}@127.0.0.1:{PORT}/ricochet",
    "hash": f"mongodb://phys:pa#{SECRET}@127.0.0.1:{PORT}/ricochet",
    "question": f"mongodb://phys:pa?{SECRET}@127.0.0.1:{PORT}/ricochet",
    "space": f"mongodb://phys:pa {SECRET}@127.0.0.1:{PORT}/ricochet",
    # Two mongodb+srv shapes the driver refuses before any DNS query (no traffic beyond 127.0.0.1).
    "srv-slash": f"mongodb+srv://phys:pa/{SECRET}@cluster0.example.invalid/ricochet",
    "srv-two-hosts": f"mongodb+srv://phys:{SECRET}@a.example.invalid,b.example.invalid/ricochet",
    "options": (
        f"mongodb://phys:{SECRET}@127.0.0.1:{PORT}/ricochet?authSource=admin&appName=night@lab"
        f"&tlsCertificateKeyFilePassword={SECRET}Key"
    ),
    "driver-refuses": f"mongodb://phys:{SECRET}@127.0.0.1:notaport/ricochet",
}
SOURCES = ("--db", "environment", "--db-file")


def ricochetdb(tmp_path: Path, uri: str, source: str, *command: str) -> subprocess.CompletedProcess[str]:
    """Run the command as an operator would, the URI given by ``source``."""
    env = {**os.environ, "RICOCHETDB_SPOOL": str(tmp_path / "spool.sqlite")}
    env.pop("RICOCHETDB_URI", None)
    where: list[str] = []
    if source == "--db":
        where = ["--db", uri]
    elif source == "environment":
        env["RICOCHETDB_URI"] = uri
    else:
        file = tmp_path / "db.uri"
        file.write_text(uri + "\n")
        file.chmod(0o600)
        where = ["--db-file", str(file)]
    return subprocess.run(
        [sys.executable, "-m", "ricochetdb.entrypoints.cli", *where, "--timeout-ms", "200", *command],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_nothing_secret(result: subprocess.CompletedProcess[str], tmp_path: Path) -> None:
    shown = result.stdout + result.stderr
    assert SECRET not in shown, shown
    assert "***" in shown and "Traceback" not in shown, shown
    assert result.returncode in (0, 3), shown
    for path in tmp_path.iterdir():
        if path.name != "db.uri" and path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path.name


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("shape", SHAPES)
def test_status_never_prints_the_password(tmp_path: Path, shape: str, source: str) -> None:
    """Before: the '/' shape printed the whole URI, password included, from every source."""
    assert_nothing_secret(ricochetdb(tmp_path, SHAPES[shape], source, "status"), tmp_path)


@pytest.mark.parametrize("shape", SHAPES)
def test_daq_insert_never_prints_or_spools_the_password(tmp_path: Path, shape: str) -> None:
    messages = tmp_path / "m.json"
    messages.write_text(json.dumps([{"topic": "t", "timestamp": 1.0}]))
    assert_nothing_secret(ricochetdb(tmp_path, SHAPES[shape], "--db", "daq", "insert", str(messages)), tmp_path)
