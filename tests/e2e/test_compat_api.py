"""Every class, method and function of the original API exists in ricochetdb.compat, same signature.

The original document's entries are the project's own fixture (tests/fixtures/seed_api.txt): no skip in any clone.
"""

from __future__ import annotations

import abc
import ast
import inspect
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import ricochetdb.compat as compat

API_DOC = Path(__file__).resolve().parents[1] / "fixtures" / "seed_api.txt"
PREFIX = "ricochet.monitoring.ricochetdb."
ENTRY = re.compile(
    r"^- (?P<kind>(?:abstract |async static |static |classmethod )*)(?P<cls>class )?"
    rf"(?:{re.escape(PREFIX)})?(?P<name>\w+)(?:\((?P<params>.*)\))?(?P<value> = .*)?¶$"
)
BASES = {"ABC": abc.ABC, "object": object, "Thread": threading.Thread}


@dataclass
class Entry:
    """One documented name: a class, a member of the class above it, or a module function."""

    name: str
    kind: str
    params: str | None
    owner: str | None = None
    base: str | None = None
    value: str | None = None
    members: list[Entry] = field(default_factory=list)


def parse_document(text: str) -> list[Entry]:
    """Top-level entries (classes with their members, functions), in document order."""
    entries: list[Entry] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        match = ENTRY.match(line.strip())
        if match is None:
            continue
        entry = Entry(match["name"], match["kind"].strip(), match["params"], value=match["value"])
        if match["cls"]:
            if index + 2 < len(lines) and lines[index + 1].strip() == "Bases:":
                entry.base = lines[index + 2].strip()
            entries.append(entry)
        elif PREFIX in line:
            entries.append(entry)
        else:
            entry.owner = entries[-1].name
            entries[-1].members.append(entry)
    return entries


def split_params(text: str | None) -> list[tuple[str, str | None]]:
    """``"a, b: str, c=[]"`` -> ``[("a", None), ("b", None), ("c", "[]")]``."""
    if not text:
        return []
    params = []
    for part in text.split(", "):
        name, _, default = part.partition("=")
        params.append((name.split(":")[0].strip(), default.strip() or None))
    return params


def check_signature(target: Any, documented: str | None, where: str) -> None:
    """Same parameter names, in order, with the same defaults (``self``/``cls`` aside)."""
    actual = [p for p in inspect.signature(target).parameters.values() if p.name not in ("self", "cls")]
    expected = split_params(documented)
    assert [p.name for p in actual] == [name for name, _ in expected], where
    for parameter, (name, default) in zip(actual, expected, strict=True):
        if default is None:
            assert parameter.default is inspect.Parameter.empty, f"{where}: {name} has a default"
        else:
            assert parameter.default == ast.literal_eval(default), f"{where}: default of {name}"


ENTRIES = parse_document(API_DOC.read_text(encoding="utf-8"))
MEMBERS = [member for entry in ENTRIES for member in entry.members]


def test_the_document_lists_the_whole_original_api() -> None:
    assert len(ENTRIES) == 27 and len(MEMBERS) >= 35
    assert set(compat.__all__) == {entry.name for entry in ENTRIES}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_each_class_and_function_has_the_documented_signature(entry: Entry) -> None:
    target = getattr(compat, entry.name)
    if entry.base is None:
        check_signature(target, entry.params, entry.name)
        return
    assert inspect.isclass(target)
    base = BASES.get(entry.base) or getattr(compat, entry.base)
    assert issubclass(target, base), f"{entry.name} should derive from {entry.base}"
    check_signature(target, entry.params, f"{entry.name}()")


@pytest.mark.parametrize("member", MEMBERS, ids=lambda m: f"{m.owner}.{m.name}")
def test_each_member_has_the_documented_signature_and_kind(member: Entry) -> None:
    owner = getattr(compat, member.owner or "")
    assert hasattr(owner, member.name), f"{member.owner}.{member.name} is missing"
    raw = inspect.getattr_static(owner, member.name)
    if member.value is not None:
        assert member.name in vars(owner)
        return
    check_signature(getattr(owner, member.name), member.params, f"{member.owner}.{member.name}")
    if "static" in member.kind:
        assert isinstance(raw, staticmethod)
    if "classmethod" in member.kind:
        assert isinstance(raw, classmethod)
    if "async" in member.kind:
        assert inspect.iscoroutinefunction(getattr(owner, member.name))
    if "abstract" in member.kind:
        assert member.name in owner.__abstractmethods__
