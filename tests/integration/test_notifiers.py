"""Every notifier against a real receiver on 127.0.0.1: SMTP (aiosmtpd), webhook (HTTP), a command, the log."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alarm_servers import MailReceiver, WebhookReceiver, free_port

from ricochetdb.adapters.notifiers.registry import build_notifiers
from ricochetdb.application.alarms_delivery import ThreadedDelivery
from ricochetdb.application.ports import Notifier
from ricochetdb.domain.alarms import NotifierError, NotifierSpec
from ricochetdb.domain.alarms_records import Notification
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.cli import main

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
FIRING = Notification("firing", "mixing-chamber-warm", "critical", "T_MC", "CRYO@1", 0.123, 0.1, T0, T0, "above")


def build(type_: str, **options: Any) -> Notifier:
    return build_notifiers([NotifierSpec("route", type_, options)])[0]


def test_smtp_sends_one_mail_whose_subject_says_what_and_where() -> None:
    with MailReceiver() as mail:
        notifier = build("smtp", host="127.0.0.1", port=mail.port, to=["shift@example.org"], **{"from": "cryo@lab"})
        notifier.send(FIRING)
        assert mail.wait_for(1)
    message = mail.messages[0]
    assert message["To"] == "shift@example.org" and message["From"] == "cryo@lab"
    assert "FIRING mixing-chamber-warm on CRYO@1" in message["Subject"] and "critical" in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert json.loads(body.strip().splitlines()[-1])["alarm"] == "mixing-chamber-warm"


def test_smtp_to_a_closed_port_fails_naming_the_notifier_and_host() -> None:
    notifier = build("smtp", host="127.0.0.1", port=free_port(), to="a@b", timeout=5.0)
    with pytest.raises(NotifierError) as failed:
        notifier.send(FIRING)
    assert failed.value.record == "notifier 'route'" and failed.value.field == "host"


def test_webhook_posts_the_agreed_json() -> None:
    with WebhookReceiver() as hook:
        build("webhook", url=hook.url).send(FIRING)
        assert hook.wait_for(lambda got: len(got) == 1)
    body = hook.received[0]
    assert {k: body[k] for k in ("alarm", "state", "severity", "label", "device", "value", "threshold")} == {
        "alarm": "mixing-chamber-warm",
        "state": "firing",
        "severity": "critical",
        "label": "T_MC",
        "device": "CRYO@1",
        "value": 0.123,
        "threshold": 0.1,
    }
    assert body["since"] == body["time"] == "2026-11-24T03:00:00Z"


def test_a_webhook_answering_an_error_or_nothing_fails_without_showing_its_token() -> None:
    with WebhookReceiver(status=500) as hook:
        with pytest.raises(NotifierError, match="HTTP 500") as failed:
            build("webhook", url=hook.url + "?token=s3cret").send(FIRING)
    assert "s3cret" not in str(failed.value) and failed.value.field == "url"
    with pytest.raises(NotifierError, match="ConnectionError") as refused:
        build("webhook", url=f"http://127.0.0.1:{free_port()}/hook/s3cret", timeout=5.0).send(FIRING)
    assert "s3cret" not in str(refused.value)


def test_command_gets_the_json_on_stdin(tmp_path: Path) -> None:
    out = tmp_path / "got.json"
    script = f"import sys, pathlib; pathlib.Path({str(out)!r}).write_text(sys.stdin.read())"
    build("command", command=[sys.executable, "-c", script]).send(FIRING)
    assert json.loads(out.read_text())["state"] == "firing"


def test_a_failing_command_reports_its_exit_code_and_what_it_said() -> None:
    script = "import sys; sys.stderr.write('pager offline'); sys.exit(3)"
    with pytest.raises(NotifierError, match="exited with 3: pager offline"):
        build("command", command=[sys.executable, "-c", script]).send(FIRING)
    with pytest.raises(NotifierError, match="cannot run"):
        build("command", command="/nonexistent/pager --now").send(FIRING)


def test_log_writes_one_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="ricochetdb.alarms"):
        build("log").send(FIRING)
    assert caplog.records[-1].levelno == logging.ERROR and "FIRING mixing-chamber-warm" in caplog.records[-1].message


@pytest.mark.parametrize(
    ("type_", "options", "field"),
    [
        ("webhook", {}, "url"),
        ("webhook", {"url": "ftp://x"}, "url"),
        ("webhook", {"url": "http://127.0.0.1/", "retries": 3}, "retries"),
        ("smtp", {"host": "h"}, "to"),
        ("smtp", {"host": "h", "to": "a@b", "password": "x"}, "password"),
        ("smtp", {"host": "h", "to": "a@b", "username": "u"}, "password_env"),
        ("smtp", {"host": "h", "to": "a@b", "security": "tls"}, "security"),
        ("command", {"command": []}, "command"),
        ("log", {"level": "loud"}, "level"),
    ],
)
def test_bad_notifier_options_are_refused_at_start(type_: str, options: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        build(type_, **options)
    assert refused.value.record == "notifier 'route'" and refused.value.field == field


@pytest.mark.skipif(importlib.util.find_spec("apprise") is not None, reason="apprise is installed")
def test_apprise_without_the_extra_is_refused_saying_how_to_install_it() -> None:
    with pytest.raises(ValidationError, match=r"ricochetdb\[apprise\]"):
        build("apprise", urls=["json://127.0.0.1:9/"])


class Blocked(Notifier):
    """A notifier stuck until the test lets it go (a mail server that hangs)."""

    name = "stuck"

    def __init__(self) -> None:
        self.release = threading.Event()
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        self.release.wait(30)
        self.sent.append(notification)

    def close(self) -> None:
        self.release.set()


def test_a_hanging_notifier_does_not_hold_back_the_others() -> None:
    delivery = ThreadedDelivery()
    stuck = Blocked()
    outcomes: list[tuple[str, str | None]] = []
    with WebhookReceiver() as hook:
        webhook = build("webhook", url=hook.url)
        for notifier in (stuck, webhook):
            delivery.submit(notifier, FIRING, lambda n, _note, error: outcomes.append((n.name, error)))
        assert hook.wait_for(lambda got: len(got) == 1)
        assert stuck.sent == []
        stuck.release.set()
        assert delivery.wait(30)
    delivery.close()
    assert sorted(outcomes, key=lambda o: o[0]) == [("route", None), ("stuck", None)]


def test_alarm_test_sends_through_every_route_and_names_the_ones_that_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with WebhookReceiver() as hook:
        rules = tmp_path / "alarms.toml"
        routes = f'[[notifier]]\nname = "hook"\ntype = "webhook"\nurl = "{hook.url}"\n'
        rules.write_text(routes + '[[notifier]]\nname = "journal"\ntype = "log"\n')
        assert main(["alarm", "test", "--alarms", str(rules)]) == 0
        assert hook.wait_for(lambda got: len(got) == 1) and hook.received[0]["test"] is True
        dead = f'[[notifier]]\nname = "dead"\ntype = "webhook"\nurl = "http://127.0.0.1:{free_port()}/"\n'
        rules.write_text(routes + dead)
        assert main(["alarm", "test", "--alarms", str(rules)]) == 2
    err = capsys.readouterr().err
    assert "alarm test: dead: notifier 'dead': url:" in err and len(err.strip().splitlines()) == 1
