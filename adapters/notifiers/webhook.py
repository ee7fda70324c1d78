"""Webhook notifier: the message's JSON payload POSTed to a URL (chat bridges, pagers, your own service)."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

from ricochetdb.adapters.notifiers.options import Options
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError, NotifierSpec
from ricochetdb.domain.alarms_records import Notification
from ricochetdb.domain.errors import ValidationError


class WebhookNotifier(Notifier):
    """POSTs ``notification.payload()``; any answer but 2xx, or none within ``timeout``, is a failure.

    Errors show only the URL's scheme, host and port: a token in the path or query stays private.
    """

    def __init__(self, name: str, url: str, timeout: float = 5.0, headers: dict[str, str] | None = None) -> None:
        self.name = name
        self.url = url
        self.timeout = timeout
        self.headers = headers or {}
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(f"notifier {name!r}", "url", "must be an http:// or https:// URL")
        self.shown = f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        self.session = requests.Session()

    def send(self, notification: Notification) -> None:
        try:
            answer = self.session.post(
                self.url, json=notification.payload(), timeout=self.timeout, headers=self.headers
            )
        except requests.RequestException as error:
            raise NotifierError(
                f"notifier {self.name!r}", "url", f"POST to {self.shown} failed: {type(error).__name__}"
            ) from None
        if not 200 <= answer.status_code < 300:
            raise NotifierError(f"notifier {self.name!r}", "url", f"{self.shown} answered HTTP {answer.status_code}")

    def close(self) -> None:
        self.session.close()


def build(spec: NotifierSpec) -> WebhookNotifier:
    """A webhook notifier from ``url``, ``timeout`` (5 s) and ``headers``."""
    options = Options(spec)
    notifier = WebhookNotifier(spec.name, options.text("url"), options.number("timeout", 5.0), options.table("headers"))
    options.done()
    return notifier
