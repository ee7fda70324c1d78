"""The wheel: one top-level name, every module inside, and it works once installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {
    "toplevel": "ricochetdb",
    "domain": "ricochetdb/domain",
    "application": "ricochetdb/application",
    "adapters": "ricochetdb/adapters",
    "entrypoints": "ricochetdb/entrypoints",
}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("ricochetdb-*.whl")
    return built


def source_modules() -> set[str]:
    modules = set()
    for folder, target in LAYERS.items():
        for path in (ROOT / folder).rglob("*.py"):
            if "__pycache__" not in path.parts:
                modules.add(f"{target}/{path.relative_to(ROOT / folder).as_posix()}")
    return modules


def test_the_only_top_level_name_is_ricochetdb(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if not name.startswith("ricochetdb-")} == {"ricochetdb"}


def test_the_wheel_holds_every_module_and_the_data_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert source_modules() - names == set()
    assert "ricochetdb/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "ricochetdb = ricochetdb.entrypoints.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_installed_wheel_imports_and_runs(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
    )
    script = (
        "import ricochetdb, sys; assert ricochetdb.__file__.startswith(sys.argv[1]), ricochetdb.__file__;"
        "api = ricochetdb.connect('memory://'); print(api.now().tzinfo); api.close()"
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script, str(target)], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "UTC"
    cli = subprocess.run(
        [sys.executable, "-m", "ricochetdb.entrypoints.cli", "--help"], env=env, capture_output=True, text=True
    )
    assert cli.returncode == 0 and "detector" in cli.stdout
