"""Command notifier: runs a program with the message's JSON payload on its standard input."""

from __future__ import annotations

import json
import shlex
import subprocess

from ricochetdb.adapters.notifiers.options import Options
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError, NotifierSpec
from ricochetdb.domain.alarms_records import Notification

TAIL = 300


class CommandNotifier(Notifier):
    """Runs ``command`` (no shell) once per message; a non-zero exit or a timeout is a failure."""

    def __init__(self, name: str, command: list[str], timeout: float = 10.0) -> None:
        self.name = name
        self.command = command
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        where = f"notifier {self.name!r}"
        try:
            done = subprocess.run(
                self.command,
                input=json.dumps(notification.payload()),
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise NotifierError(where, "command", f"did not finish within {self.timeout:g} s") from None
        except OSError as error:
            raise NotifierError(where, "command", f"cannot run {self.command[0]!r}: {error.strerror}") from None
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()[-TAIL:]
            raise NotifierError(where, "command", f"exited with {done.returncode}: {said}")

    def close(self) -> None:
        return None


def build(spec: NotifierSpec) -> CommandNotifier:
    """A command notifier from ``command`` (a list, or a string split like a shell would) and ``timeout``."""
    options = Options(spec)
    raw = spec.options.get("command")
    command = shlex.split(options.text("command")) if isinstance(raw, str) else options.texts("command")
    notifier = CommandNotifier(spec.name, command, options.number("timeout", 10.0))
    options.done()
    return notifier
