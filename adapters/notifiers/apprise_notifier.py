"""Apprise notifier (optional extra ``ricochetdb[apprise]``): chat services and SMS gateways by URL."""

from __future__ import annotations

import importlib
from typing import Any

from ricochetdb.adapters.notifiers.options import Options
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError, NotifierSpec
from ricochetdb.domain.alarms_records import Notification
from ricochetdb.domain.errors import ValidationError


class AppriseNotifier(Notifier):
    """One apprise object holding every URL; apprise says only whether all deliveries worked."""

    def __init__(self, name: str, urls: list[str], module: Any) -> None:
        self.name = name
        self.sender = module.Apprise()
        for index, url in enumerate(urls):
            if not self.sender.add(url):
                raise ValidationError(f"notifier {name!r}", f"urls[{index}]", "apprise does not understand this URL")

    def send(self, notification: Notification) -> None:
        if not self.sender.notify(title=notification.subject, body=notification.text()):
            raise NotifierError(f"notifier {self.name!r}", "urls", "apprise could not deliver to every URL")

    def close(self) -> None:
        return None


def build(spec: NotifierSpec) -> AppriseNotifier:
    """``urls``: apprise URLs (their secrets stay in this file: keep it readable by the poller only)."""
    options = Options(spec)
    urls = options.texts("urls")
    options.done()
    try:
        module = importlib.import_module("apprise")
    except ImportError:
        raise ValidationError(
            options.where, "type", "apprise is not installed: pip install 'ricochetdb[apprise]'"
        ) from None
    return AppriseNotifier(spec.name, urls, module)
