"""The rules file, validated: ``[[alarm]]``, ``[[notifier]]`` and ``[alarms]`` tables to an AlarmConfig.

Every refusal names the rule (or notifier) and the field, so a bad file is caught at start, never
at 3 a.m. Built-in rules (stale devices, database unreachable, spool growing, notifier failed) are
added unless the file gives its own rule of the same kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import timedelta
from typing import Any, cast

from ricochetdb.domain.alarms import (
    MODES,
    SEVERITIES,
    AlarmConfig,
    AlarmRule,
    AlarmSettings,
    NotifierSpec,
    RuleKind,
    Severity,
    parse_duration,
)
from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import check_collection, check_name

SECTIONS = {"alarm", "notifier", "alarms"}
KIND_KEYS = ("above", "below", "in", "flags", "device_error", "stale", "database_unreachable", "spool_growing")
COMMON_KEYS = {"name", "for", "severity", "notify", "inhibit_in_modes", "reminder", "summary", "device", "collection"}
EXTRA_KEYS: dict[str, set[str]] = {
    "above": {"label", "clear_below", "rate", "rate_window"},
    "below": {"label", "clear_above", "rate", "rate_window"},
    "in": {"label"},
    "flags": {"label"},
    "device_error": set(),
    "stale": set(),
    "database_unreachable": set(),
    "spool_growing": {"rate_window"},
}
NOTIFIER_TYPES = ("smtp", "webhook", "command", "log", "apprise")
SETTINGS_KEYS = {"reminder", "notify", "collection"}

BUILTIN = (
    AlarmRule("stale", "stale", severity="warning", builtin=True, summary="no reading from the device"),
    AlarmRule(
        "database-unreachable",
        "database",
        pending_for=timedelta(minutes=1),
        builtin=True,
        summary="the database does not answer: readings go to the local spool",
    ),
    AlarmRule(
        "spool-growing",
        "spool",
        threshold=0.0,
        rate=True,
        pending_for=timedelta(minutes=5),
        builtin=True,
        summary="the local spool keeps growing: readings are not reaching the database",
    ),
    AlarmRule("notifier-failed", "notifier", builtin=True, summary="a notifier could not deliver a message"),
)


def parse_alarm_config(data: Mapping[str, Any], origin: str) -> AlarmConfig:
    """Validate the alarm sections of a parsed TOML document (other top-level tables are not ours)."""
    settings = _settings(data.get("alarms", {}), f"{origin} [alarms]")
    notifiers = _list(data.get("notifier", []), origin, "notifier")
    specs = tuple(_notifier(item, f"{origin} notifier[{i}]") for i, item in enumerate(notifiers))
    _unique([spec.name for spec in specs], origin, "notifier")
    names = {spec.name for spec in specs}
    for route in settings.notify:
        if route not in names:
            raise ValidationError(f"{origin} [alarms]", "notify", f"names no [[notifier]]: {route!r}")
    tables = _list(data.get("alarm", []), origin, "alarm")
    rules = [_rule(item, origin, i, names) for i, item in enumerate(tables)]
    _unique([rule.name for rule in rules], origin, "alarm")
    return AlarmConfig(tuple(rules) + _builtins(rules), specs, settings)


def _builtins(rules: list[AlarmRule]) -> tuple[AlarmRule, ...]:
    """The built-in rules the file does not replace (a stale rule replaces it only without a device)."""
    taken = {rule.kind for rule in rules if not (rule.kind == "stale" and (rule.device or rule.collection))}
    clash = {rule.name for rule in rules}
    return tuple(rule for rule in BUILTIN if rule.kind not in taken and rule.name not in clash)


def _list(value: Any, origin: str, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(origin, key, f"must be an array of tables [[{key}]]")
    return value


def _unique(names: list[str], origin: str, key: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ValidationError(f"{origin} {key} {name!r}", "name", "appears twice")
        seen.add(name)


def _unknown(table: Mapping[str, Any], known: set[str], where: str) -> None:
    for key in table:
        if key not in known:
            raise ValidationError(where, key, f"unknown key (expected one of {', '.join(sorted(known))})")


def _settings(table: Any, where: str) -> AlarmSettings:
    if not isinstance(table, dict):
        raise ValidationError(where, "", "must be a table")
    _unknown(table, SETTINGS_KEYS, where)
    defaults = AlarmSettings()
    reminder = parse_duration(table["reminder"], where, "reminder") if "reminder" in table else defaults.reminder
    collection = check_collection(table.get("collection", defaults.collection))
    return AlarmSettings(reminder, _names(table.get("notify", []), where, "notify"), collection)


def _names(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError(where, key, "must be a list of names")
    return tuple(value)


def _notifier(item: Any, where: str) -> NotifierSpec:
    if not isinstance(item, dict):
        raise ValidationError(where, "", "must be a table")
    name = check_name(item.get("name"), where, "name")
    where = f"notifier {name!r}"
    kind = item.get("type")
    if kind not in NOTIFIER_TYPES:
        raise ValidationError(where, "type", f"must be one of {', '.join(NOTIFIER_TYPES)}, got {kind!r}")
    options = {key: value for key, value in item.items() if key not in ("name", "type")}
    return NotifierSpec(name, kind, options)


def _rule(item: Any, origin: str, index: int, notifiers: set[str]) -> AlarmRule:
    if not isinstance(item, dict):
        raise ValidationError(f"{origin} alarm[{index}]", "", "must be a table")
    name = check_name(item.get("name"), f"{origin} alarm[{index}]", "name")
    where = f"alarm {name!r}"
    kinds = [key for key in KIND_KEYS if key in item]
    if len(kinds) != 1:
        found = ", ".join(kinds) or "none"
        raise ValidationError(where, "kind", f"give exactly one of {', '.join(KIND_KEYS)} (found {found})")
    key = kinds[0]
    _unknown(item, COMMON_KEYS | EXTRA_KEYS[key] | {key}, where)
    rule = AlarmRule(name, "above", **_common(item, where, notifiers))
    if key in ("above", "below"):
        return _threshold(rule, item, key, where)
    if key in ("in", "flags"):
        return _codes(rule, item, key, where)
    if item[key] is not True and key != "stale":
        raise ValidationError(where, key, "must be true")
    if key == "spool_growing":
        window = parse_duration(item.get("rate_window", "5m"), where, "rate_window")
        return replace(rule, kind="spool", threshold=0.0, rate=True, rate_window=window, **_global(rule, where))
    if key == "database_unreachable":
        return replace(rule, kind="database", **_global(rule, where))
    if key == "device_error":
        return replace(rule, kind="device_error")
    return _stale(rule, item["stale"], where)


def _common(item: Mapping[str, Any], where: str, notifiers: set[str]) -> dict[str, Any]:
    severity = item.get("severity", "warning")
    if severity not in SEVERITIES:
        raise ValidationError(where, "severity", f"must be one of {', '.join(SEVERITIES)}, got {severity!r}")
    notify = _names(item.get("notify", []), where, "notify")
    for route in notify:
        if route not in notifiers:
            raise ValidationError(where, "notify", f"names no [[notifier]]: {route!r}")
    modes = _names(item.get("inhibit_in_modes", []), where, "inhibit_in_modes")
    for mode in modes:
        if mode not in MODES:
            raise ValidationError(where, "inhibit_in_modes", f"{mode!r} is not a mode ({', '.join(MODES)})")
    summary = item.get("summary", "")
    if not isinstance(summary, str):
        raise ValidationError(where, "summary", "must be text")
    return {
        "device": check_name(item["device"], where, "device") if "device" in item else "",
        "collection": check_collection(item["collection"]) if "collection" in item else "",
        "pending_for": parse_duration(item.get("for", 0), where, "for"),
        "severity": cast(Severity, severity),
        "notify": notify,
        "inhibit_in_modes": modes,
        "reminder": parse_duration(item["reminder"], where, "reminder") if "reminder" in item else None,
        "summary": summary,
    }


def _global(rule: AlarmRule, where: str) -> dict[str, Any]:
    """Database and spool rules watch the poller as a whole: no device, no collection."""
    for key in ("device", "collection"):
        if getattr(rule, key):
            raise ValidationError(where, key, "this kind of rule watches the whole poller, not one device")
    return {}


def _number(value: Any, where: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        raise ValidationError(where, key, f"must be a number, got {value!r}")
    return float(value)


def _label(item: Mapping[str, Any], where: str) -> str:
    if "label" not in item:
        raise ValidationError(where, "label", "mandatory field is missing: the stored label to watch")
    return check_name(item["label"], where, "label")


def _threshold(rule: AlarmRule, item: Mapping[str, Any], key: str, where: str) -> AlarmRule:
    threshold = _number(item[key], where, key)
    clear_key = "clear_below" if key == "above" else "clear_above"
    clear = _number(item[clear_key], where, clear_key) if clear_key in item else None
    if clear is not None and (clear > threshold if key == "above" else clear < threshold):
        side = "at or below" if key == "above" else "at or above"
        raise ValidationError(where, clear_key, f"must be {side} {key} = {threshold} (the hysteresis band)")
    rate = item.get("rate", False)
    if not isinstance(rate, bool):
        raise ValidationError(where, "rate", "must be true (judge the change per minute) or false")
    window = parse_duration(item.get("rate_window", "5m"), where, "rate_window")
    if rate and window <= timedelta(0):
        raise ValidationError(where, "rate_window", "must be longer than 0 s")
    kind: RuleKind = "above" if key == "above" else "below"
    label = _label(item, where)
    return replace(rule, kind=kind, label=label, threshold=threshold, clear=clear, rate=rate, rate_window=window)


def _codes(rule: AlarmRule, item: Mapping[str, Any], key: str, where: str) -> AlarmRule:
    value = item[key]
    if key == "in":
        if not isinstance(value, list) or not value or not all(type(code) is int for code in value):
            raise ValidationError(where, "in", "must be a non-empty list of integer state codes, e.g. [6, 7, 9]")
        return replace(rule, kind="in", label=_label(item, where), states=tuple(value))
    if value is True:
        return replace(rule, kind="flags", label=_label(item, where))
    if not isinstance(value, list) or not value or not all(isinstance(flag, str) and flag for flag in value):
        raise ValidationError(where, "flags", "must be true (any flag) or a non-empty list of flag names")
    return replace(rule, kind="flags", label=_label(item, where), flags=tuple(value))


def _stale(rule: AlarmRule, value: Any, where: str) -> AlarmRule:
    if value is False:
        return replace(rule, kind="stale", enabled=False)
    after = None if value is True else parse_duration(value, where, "stale")
    if after is not None and after <= timedelta(0):
        raise ValidationError(where, "stale", "must be true, false or a duration longer than 0 s")
    return replace(rule, kind="stale", stale_after=after)
