"""SMTP notifier (stdlib ``smtplib``): one mail per message, subject saying what, how bad and where."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage

from ricochetdb.adapters.notifiers.options import Options
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError, NotifierSpec
from ricochetdb.domain.alarms_records import Notification
from ricochetdb.domain.errors import ValidationError


class SmtpNotifier(Notifier):
    """Sends through ``host:port`` (plain, STARTTLS or SSL); the password comes from an environment variable."""

    def __init__(
        self,
        name: str,
        host: str,
        recipients: list[str],
        sender: str,
        port: int = 25,
        security: str = "none",
        username: str = "",
        password_env: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.host, self.port = host, port
        self.recipients = recipients
        self.sender = sender
        self.security = security
        self.username = username
        self.password_env = password_env
        self.timeout = timeout

    def message(self, notification: Notification) -> EmailMessage:
        """The mail of one notification."""
        mail = EmailMessage()
        mail["Subject"] = notification.subject
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail.set_content(notification.text())
        return mail

    def send(self, notification: Notification) -> None:
        where = f"notifier {self.name!r}"
        try:
            with self._connect() as server:
                if self.username:
                    server.login(self.username, os.environ.get(self.password_env, ""))
                refused = server.send_message(self.message(notification))
        except smtplib.SMTPAuthenticationError as error:
            raise NotifierError(where, "username", f"login refused: {error.smtp_code}") from None
        except smtplib.SMTPRecipientsRefused:
            raise NotifierError(where, "to", "every recipient was refused") from None
        except (smtplib.SMTPException, OSError) as error:
            raise NotifierError(where, "host", f"{self.host}:{self.port}: {type(error).__name__}: {error}") from None
        if refused:
            raise NotifierError(where, "to", f"refused: {', '.join(sorted(refused))}")

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ssl.create_default_context())
        server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            server.starttls(context=ssl.create_default_context())
        return server

    def close(self) -> None:
        return None


def build(spec: NotifierSpec) -> SmtpNotifier:
    """``host``, ``to``, ``from``; ``port``, ``security`` (none, starttls, ssl), ``username``, ``password_env``."""
    options = Options(spec)
    host = options.text("host")
    recipients = options.texts("to")
    sender = options.text("from", "ricochetdb@localhost")
    security = options.text("security", "none")
    if security not in ("none", "starttls", "ssl"):
        raise ValidationError(options.where, "security", "must be none, starttls or ssl")
    port = int(options.number("port", 465 if security == "ssl" else 25, 0, 65535))
    username, password_env = options.optional("username"), options.optional("password_env")
    if "password" in spec.options:
        raise ValidationError(options.where, "password", "keep it out of the file: name a variable in password_env")
    if username and not password_env:
        raise ValidationError(options.where, "password_env", "give the environment variable holding the password")
    timeout = options.number("timeout", 10.0)
    options.done()
    return SmtpNotifier(spec.name, host, recipients, sender, port, security, username, password_env, timeout)
