"""ricochetdb: slow-control monitoring and bookkeeping; ``ricochetdb.connect(uri)`` is the embeddable API.

The names are loaded on first use, so importing ``ricochetdb.domain`` stays free of drivers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ricochetdb.domain.errors import RicochetError
    from ricochetdb.entrypoints.api import Ricochet, connect

__all__ = ["Ricochet", "RicochetError", "connect"]
__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    if name == "RicochetError":
        from ricochetdb.domain.errors import RicochetError

        return RicochetError
    if name in ("Ricochet", "connect"):
        from ricochetdb.entrypoints import api

        return getattr(api, name)
    raise AttributeError(f"module 'ricochetdb' has no attribute {name!r}")
