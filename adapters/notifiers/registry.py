"""Notifiers from their ``[[notifier]]`` tables, by type."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ricochetdb.adapters.notifiers import apprise_notifier, command, log, smtp, webhook
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierSpec

BUILDERS: dict[str, Callable[[NotifierSpec], Notifier]] = {
    "smtp": smtp.build,
    "webhook": webhook.build,
    "command": command.build,
    "log": log.build,
    "apprise": apprise_notifier.build,
}


def build_notifiers(specs: Sequence[NotifierSpec]) -> list[Notifier]:
    """Every notifier, checked; the first bad option refuses them all (closing those already built)."""
    built: list[Notifier] = []
    try:
        for spec in specs:
            built.append(BUILDERS[spec.type](spec))
    except BaseException:
        for notifier in built:
            notifier.close()
        raise
    return built
