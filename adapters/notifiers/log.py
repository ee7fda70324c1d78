"""Log notifier: every message as one log line (``ricochetdb.alarms``), for the journal and tests."""

from __future__ import annotations

import logging

from ricochetdb.adapters.notifiers.options import Options
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierSpec
from ricochetdb.domain.alarms_records import Notification
from ricochetdb.domain.errors import ValidationError

logger = logging.getLogger("ricochetdb.alarms")


class LogNotifier(Notifier):
    """Firing messages at WARNING (ERROR when critical), resolved ones at INFO, unless ``level`` fixes one."""

    def __init__(self, name: str, level: str | None = None) -> None:
        self.name = name
        self.level = level

    def send(self, notification: Notification) -> None:
        level = self.level or ("info" if notification.state == "resolved" else "warning")
        if self.level is None and notification.severity == "critical" and notification.state == "firing":
            level = "error"
        logger.log(logging.getLevelName(level.upper()), "%s", notification.subject)

    def close(self) -> None:
        return None


def build(spec: NotifierSpec) -> LogNotifier:
    """A log notifier; ``level`` (debug, info, warning, error) fixes the level of every line."""
    options = Options(spec)
    level = options.text("level", "auto")
    if level not in ("auto", "debug", "info", "warning", "error"):
        raise ValidationError(options.where, "level", "must be one of auto, debug, info, warning, error")
    options.done()
    return LogNotifier(spec.name, None if level == "auto" else level)
