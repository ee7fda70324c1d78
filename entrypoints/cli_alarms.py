"""CLI commands for alarms: ``alarm list|history|ack|snooze|silence|test|check|example`` and ``mode set|show``.

They read and write the stored alarm log, so they work from any shell while ``poll --alarms`` runs
elsewhere: the poller applies an action at its next cycle.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from ricochetdb.adapters.alarm_rules_file import example_rules, load_alarm_config
from ricochetdb.adapters.clock import LocalClock
from ricochetdb.adapters.notifiers.registry import build_notifiers
from ricochetdb.application.alarms import AlarmEngine
from ricochetdb.application.alarms_desk import AlarmDesk
from ricochetdb.domain.alarms import MODES, AlarmConfig, NotifierError, format_duration, parse_duration
from ricochetdb.domain.alarms_records import AlarmEvent, OperatorAction
from ricochetdb.domain.alarms_routing import parse_matcher
from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.alarm_wiring import alarm_desk, check_rules
from ricochetdb.entrypoints.api import Ricochet
from ricochetdb.entrypoints.devices_config import load_config
from ricochetdb.entrypoints.edge import parse_since


def _user(args: argparse.Namespace) -> str:
    if args.user:
        return str(args.user)
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _config(args: argparse.Namespace) -> AlarmConfig | None:
    return load_alarm_config(args.alarms) if getattr(args, "alarms", None) else None


def _desk(args: argparse.Namespace, api: Ricochet) -> AlarmDesk:
    return alarm_desk(api.store, _config(args), args.collection)


def _event_row(event: AlarmEvent) -> dict[str, Any]:
    return {
        "time": event.timestamp,
        "name": event.name,
        "device": event.device,
        "change": f"{event.previous} -> {event.state}",
        "value": event.value,
        "threshold": event.threshold,
        "since": event.since,
        "held": event.held,
    }


def _action_row(action: OperatorAction) -> dict[str, Any]:
    what = action.mode or " ".join(f"{key}={value}" for key, value in action.matcher) or action.name
    return {
        "time": action.timestamp,
        "action": action.action,
        "what": what + (f" on {action.device}" if action.device else ""),
        "until": action.until,
        "user": action.user,
        "comment": action.comment,
    }


def _history(args: argparse.Namespace, api: Ricochet) -> Any:
    desk = _desk(args, api)
    since = parse_since(args.since, api.now)
    if args.actions:
        return [_action_row(action) for action in desk.actions(since, args.limit)]
    return [_event_row(event) for event in desk.history(args.name, args.device, since, args.limit)]


def _snooze(args: argparse.Namespace, api: Ricochet) -> Any:
    duration = parse_duration(args.duration, f"alarm {args.name!r} snooze", "duration")
    return _action_row(_desk(args, api).snooze(args.name, duration, _user(args), args.device or ""))


def _silence(args: argparse.Namespace, api: Ricochet) -> Any:
    matcher = parse_matcher(args.match)
    duration = parse_duration(args.duration, "silence", "for")
    return _action_row(_desk(args, api).silence(matcher, duration, _user(args), args.comment))


def _test(args: argparse.Namespace, _api: Ricochet | None) -> Any:
    """Send a test message through every notifier of the rules file; refuse (exit 2) naming any that failed."""
    config = load_alarm_config(args.alarms)
    if not config.notifiers:
        raise ValidationError(f"alarm rules {args.alarms}", "notifier", "declares no [[notifier]] to test")
    engine = AlarmEngine(config, None, build_notifiers(config.notifiers), LocalClock(), 10.0)
    try:
        results = engine.test()
    finally:
        engine.close()
    failed = {name: outcome for name, outcome in results.items() if outcome != "ok"}
    if failed:
        raise NotifierError("alarm test", ", ".join(sorted(failed)), "; ".join(failed.values()))
    return [{"notifier": name, "outcome": outcome} for name, outcome in results.items()]


def _check(args: argparse.Namespace, _api: Ricochet | None) -> Any:
    """Validate a rules file (against a devices file when given) and show every rule, built-ins included."""
    config = load_alarm_config(args.alarms)
    if args.config:
        check_rules(config, load_config(args.config), f"alarm rules {args.alarms}")
    build_notifiers(config.notifiers)
    return [
        {
            "name": rule.name,
            "kind": rule.kind + (" rate" if rule.rate else ""),
            "label": rule.label,
            "device": rule.device,
            "threshold": rule.describe_threshold(True),
            "clear": rule.describe_threshold(False),
            "for": format_duration(rule.pending_for),
            "severity": rule.severity,
            "notify": ", ".join(config.routes(rule)),
            "inhibit_in_modes": ", ".join(rule.inhibit_in_modes),
        }
        for rule in config.rules
    ]


def _example(_args: argparse.Namespace, _api: Ricochet | None) -> Any:
    sys.stdout.write(example_rules())
    return None


def _mode_show(args: argparse.Namespace, api: Ricochet) -> Any:
    shown = _desk(args, api).mode()
    return {"mode": shown.mode or "not set", "since": shown.since, "set_by": shown.user}


def _common(globals_: argparse.ArgumentParser) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False, parents=[globals_])
    common.add_argument("--alarms", help="alarm rules file (its [alarms] collection and rules)")
    common.add_argument("--collection", help="alarm log collection (default: the rules file's, else alarm_events)")
    common.add_argument("--user", help="who acts (default: your login name)")
    return common


def build(command: str, parser: argparse.ArgumentParser, globals_: argparse.ArgumentParser) -> None:
    """``alarm`` or ``mode`` and their actions."""
    if command == "mode":
        _build_mode(parser, globals_)
        return
    common = _common(globals_)
    group = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = group.add_parser("list", parents=[common], help="every alarm with its state")
    listing.set_defaults(handler=lambda a, api: [s.row() for s in _desk(a, api).states()])
    history = group.add_parser("history", parents=[common], help="stored transitions (or --actions), newest first")
    history.add_argument("--name")
    history.add_argument("--device")
    history.add_argument("--since", default="7d", help="30m, 6h, 2d, an ISO date, or 'all' (default 7d)")
    history.add_argument("--limit", type=int, default=100)
    history.add_argument("--actions", action="store_true", help="operator actions instead of transitions")
    history.set_defaults(handler=_history)
    ack = group.add_parser("ack", parents=[common], help="acknowledge a firing alarm: its reminders stop")
    ack.add_argument("name")
    ack.add_argument("--device", help="only this device's alarm")
    ack.set_defaults(handler=lambda a, api: _action_row(_desk(a, api).acknowledge(a.name, _user(a), a.device or "")))
    snooze = group.add_parser("snooze", parents=[common], help="hold an alarm's messages back, e.g. for 30m")
    snooze.add_argument("name")
    snooze.add_argument("duration", help="30m, 2h, 1d...")
    snooze.add_argument("--device", help="only this device's alarm")
    snooze.set_defaults(handler=_snooze)
    silence = group.add_parser("silence", parents=[common], help="hold back every alarm matching, e.g. for 2h")
    silence.add_argument("--match", action="append", default=[], required=True, help="KEY=VALUE (wildcards allowed)")
    silence.add_argument("--for", dest="duration", required=True, help="30m, 2h, 1d...")
    silence.add_argument("--comment", default="")
    silence.set_defaults(handler=_silence)
    test = group.add_parser(
        "test", parents=[globals_], help="send a test message through every notifier of the rules file"
    )
    test.add_argument("--alarms", required=True, help="alarm rules file")
    test.set_defaults(handler=_test, access="none")
    check = group.add_parser(
        "check", parents=[globals_], help="validate a rules file and show its rules, built-ins included"
    )
    check.add_argument("--alarms", required=True, help="alarm rules file")
    check.add_argument("--config", help="devices file: refuse rules naming devices it does not configure")
    check.set_defaults(handler=_check, access="none")
    group.add_parser(
        "example", parents=[globals_], help="print the example rules file for a dilution cryostat"
    ).set_defaults(handler=_example, access="none")


def _build_mode(parser: argparse.ArgumentParser, globals_: argparse.ArgumentParser) -> None:
    common = _common(globals_)
    modes = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    setter = modes.add_parser("set", parents=[common], help=f"one of {', '.join(MODES)}")
    setter.add_argument("mode", choices=MODES)
    setter.set_defaults(handler=lambda a, api: _action_row(_desk(a, api).set_mode(a.mode, _user(a))))
    modes.add_parser("show", parents=[common], help="the mode in force").set_defaults(handler=_mode_show)
