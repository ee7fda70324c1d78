"""Checking a ``[[notifier]]`` table's options: a bad one is refused at start, naming notifier and field."""

from __future__ import annotations

from typing import Any

from ricochetdb.domain.alarms import NotifierSpec
from ricochetdb.domain.errors import ValidationError


class Options:
    """The options of one notifier, taken one by one; ``done()`` refuses any left unread."""

    def __init__(self, spec: NotifierSpec) -> None:
        self.where = f"notifier {spec.name!r}"
        self.left = dict(spec.options)
        self.known = {"type", "name"}

    def _take(self, key: str, default: Any) -> Any:
        self.known.add(key)
        return self.left.pop(key, default)

    def text(self, key: str, default: str | None = None) -> str:
        """Non-empty text (mandatory when no default)."""
        value = self._take(key, default)
        if not isinstance(value, str) or not value.strip():
            reason = "mandatory field is missing" if value is None else "must be non-empty text"
            raise ValidationError(self.where, key, reason)
        return value

    def optional(self, key: str) -> str:
        """Text that may be absent ('' then)."""
        value = self._take(key, "")
        if not isinstance(value, str):
            raise ValidationError(self.where, key, "must be text")
        return value

    def texts(self, key: str, default: list[str] | None = None) -> list[str]:
        """A non-empty list of text (one text counts as a list of one)."""
        value = self._take(key, default)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            reason = "mandatory field is missing" if value is None else "must be a non-empty list of text"
            raise ValidationError(self.where, key, reason)
        return value

    def number(self, key: str, default: float, low: float = 0.0, high: float = 3600.0) -> float:
        """A number in (low, high]."""
        value = self._take(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
            raise ValidationError(self.where, key, f"must be a number in ({low}, {high}], got {value!r}")
        return float(value)

    def table(self, key: str) -> dict[str, str]:
        """A table of text values (headers)."""
        value = self._take(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValidationError(self.where, key, "must be a table of text values")
        return dict(value)

    def done(self) -> None:
        """Refuse options this notifier type does not know (a typo would silently do nothing)."""
        for key in self.left:
            known = ", ".join(sorted(self.known - {"type", "name"}))
            raise ValidationError(self.where, key, f"unknown option (expected one of {known})")
