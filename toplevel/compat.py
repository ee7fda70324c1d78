"""``from ricochetdb.compat import ...``: the original module's API (see ``ricochetdb.entrypoints.compat``)."""

from __future__ import annotations

from ricochetdb.entrypoints.compat import *  # noqa: F403 (the facade's names, listed in its __all__)
from ricochetdb.entrypoints.compat import __all__ as __all__
