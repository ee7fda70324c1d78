"""Where the pages' files are: our templates and static files, and the chart library of its installed package.

Nothing is vendored: plotly.js is the ``plotly.min.js`` that the ``plotly`` Python package ships in
its package data, served by this service so that an air-gapped lab loads nothing from outside.
"""

from __future__ import annotations

import functools
import gzip
import threading
from importlib import resources
from importlib.metadata import version
from pathlib import Path

from ricochetdb.domain.errors import ValidationError

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def chart_library() -> Path:
    """The path of ``plotly.min.js`` inside the installed ``plotly`` package."""
    path = Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))
    if not path.is_file():
        raise ValidationError("web service", "plotly", f"the installed plotly {version('plotly')} ships no {path.name}")
    return path


@functools.cache
def chart_library_version() -> str:
    """The plotly package version, used to make the library's URL change when the package does (read once:
    every page names it, and reading package metadata costs 0.6 ms)."""
    return version("plotly")


_compressing = threading.Lock()
_compressed: dict[Path, bytes] = {}


def chart_library_gzipped() -> bytes:
    """``plotly.min.js`` gzip-compressed once per process (4.8 MB to 1.5 MB): compressing it again on
    every page load cost the first chart a few hundred milliseconds."""
    path = chart_library()
    with _compressing:
        if path not in _compressed:
            _compressed[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return _compressed[path]
