"""Document filters in the MongoDB query language, validated once and evaluated in Python.

Supported: implicit equality (``{"device": "MMR3"}``), ``$eq $ne $gt $gte $lt $lte $in $nin
$exists`` per field, ``$and``/``$or`` lists, dotted paths into sub-documents and lists. Anything
else (``$where``, ``$expr``, ``$function``, ``$regex``, unknown operators) is refused: no filter
ever runs code on a server. Semantics follow MongoDB's: a condition on a list field holds if it
holds for one element; ``$gt``-like comparisons hold only between values of one kind (numbers,
texts, dates); ``{"f": None}`` matches a missing field; datetimes must be timezone-aware.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ricochetdb.domain.errors import ValidationError
from ricochetdb.domain.validation import MAX_DEPTH, as_utc, check_keys

COMPARISONS = ("$gt", "$gte", "$lt", "$lte")
FIELD_OPERATORS = frozenset({"$eq", "$ne", "$in", "$nin", "$exists", *COMPARISONS})
LOGICAL = frozenset({"$and", "$or"})
RECORD = "query"
_MISSING = object()


@dataclass(frozen=True)
class Bounds:
    """A range a top-level field must fall in for a query to match (None: unbounded on that side)."""

    low: Any = None
    low_inclusive: bool = True
    high: Any = None
    high_inclusive: bool = True


@dataclass(frozen=True)
class Query:
    """A validated filter; ``spec`` is the filter itself (aware UTC datetimes), ready for a MongoDB server."""

    spec: dict[str, Any] = field(default_factory=dict)

    def matches(self, document: Mapping[str, Any]) -> bool:
        """Whether ``document`` satisfies every condition of the filter."""
        return _matches(self.spec, document)

    def bounds(self, name: str) -> Bounds:
        """The range of top-level field ``name`` implied by this query's top-level ``$and`` (for index use).

        Only plain comparisons and equalities on the field itself narrow it; anything else leaves it open.
        """
        found = Bounds()
        for condition in _conjuncts(self.spec, name):
            found = _narrow(found, condition)
        return found

    def equal_to(self, name: str) -> Any:
        """The text that top-level field ``name`` must equal, when the query says so plainly; else None."""
        for condition in _conjuncts(self.spec, name):
            value = condition.get("$eq", _MISSING) if _is_operators(condition) else condition
            if isinstance(value, str):
                return value
        return None


def parse_query(value: Any) -> Query:
    """Validate a user's filter (None or ``{}`` matches everything); ValidationError names the bad part."""
    if value is None:
        return Query()
    return Query(_filter(value, "", 0))


def _filter(value: Any, where: str, depth: int) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(RECORD, where or "filter", f"must be a dictionary, not {type(value).__name__}")
    if depth > MAX_DEPTH:
        raise ValidationError(RECORD, where or "filter", "nested too deeply")
    spec: dict[str, Any] = {}
    for key, condition in value.items():
        if not isinstance(key, str) or not key:
            raise ValidationError(RECORD, where or "filter", f"field names must be non-empty text, not {key!r}")
        path = f"{where}.{key}" if where else key
        if key in LOGICAL:
            if not isinstance(condition, (list, tuple)) or not condition:
                raise ValidationError(RECORD, path, "must be a non-empty list of filters")
            spec[key] = [_filter(part, f"{path}[{i}]", depth + 1) for i, part in enumerate(condition)]
        elif key.startswith("$"):
            raise ValidationError(RECORD, path, "is not a supported top-level operator (only $and, $or)")
        else:
            if "\0" in key or any(part == "" for part in key.split(".")):
                raise ValidationError(RECORD, path, "is not a valid field path")
            spec[key] = _condition(condition, path)
    return spec


def _is_operators(condition: Any) -> bool:
    return isinstance(condition, Mapping) and bool(condition) and all(str(k).startswith("$") for k in condition)


def _condition(condition: Any, path: str) -> Any:
    if not _is_operators(condition):
        return _value(condition, path)
    operators: dict[str, Any] = {}
    for operator, operand in condition.items():
        where = f"{path}.{operator}"
        if operator not in FIELD_OPERATORS:
            raise ValidationError(RECORD, where, "is not a supported operator (no server-side code, no $regex)")
        if operator in ("$in", "$nin"):
            if not isinstance(operand, (list, tuple)):
                raise ValidationError(RECORD, where, "must be a list")
            operators[operator] = [_value(item, where) for item in operand]
        elif operator == "$exists":
            if not isinstance(operand, bool):
                raise ValidationError(RECORD, where, "must be true or false")
            operators[operator] = operand
        else:
            operators[operator] = _value(operand, where)
    return operators


def _value(value: Any, where: str) -> Any:
    """A literal of the filter: plain data, aware datetimes, no operator keys hidden inside."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, datetime):
        return as_utc(value, RECORD, where)
    if isinstance(value, Mapping):
        check_keys(value, RECORD, where)
        return {key: _value(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    raise ValidationError(RECORD, where, f"{type(value).__name__} values are not supported in a filter")


def _matches(spec: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    for key, condition in spec.items():
        if key == "$and":
            ok = all(_matches(part, document) for part in condition)
        elif key == "$or":
            ok = any(_matches(part, document) for part in condition)
        else:
            ok = _field_matches(_resolve(document, key.split(".")), condition)
        if not ok:
            return False
    return True


def _resolve(value: Any, parts: list[str]) -> list[Any]:
    """The values at a dotted path: several when the path crosses a list, ``_MISSING`` when absent."""
    if not parts:
        return [value]
    head, rest = parts[0], parts[1:]
    if isinstance(value, Mapping):
        return _resolve(value[head], rest) if head in value else [_MISSING]
    if isinstance(value, list):
        if head.isdigit() and int(head) < len(value):
            return _resolve(value[int(head)], rest)
        found = [item for element in value if isinstance(element, Mapping) for item in _resolve(element, parts)]
        return [item for item in found if item is not _MISSING] or [_MISSING]
    return [_MISSING]


def _field_matches(values: list[Any], condition: Any) -> bool:
    if not _is_operators(condition):
        return _any(values, lambda v: _equal(v, condition))
    return all(_operator(values, operator, operand) for operator, operand in condition.items())


def _operator(values: list[Any], operator: str, operand: Any) -> bool:
    if operator == "$exists":
        return bool(any(v is not _MISSING for v in values) == operand)
    if operator == "$eq":
        return _any(values, lambda v: _equal(v, operand))
    if operator == "$ne":
        return not _any(values, lambda v: _equal(v, operand))
    if operator == "$in":
        return _any(values, lambda v: any(_equal(v, item) for item in operand))
    if operator == "$nin":
        return not _any(values, lambda v: any(_equal(v, item) for item in operand))
    compare = _COMPARE[operator]
    return _any(values, lambda v: _comparable(v, operand) and compare(v, operand), elements_only=True)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": lambda a, b: bool(a > b),
    "$gte": lambda a, b: bool(a >= b),
    "$lt": lambda a, b: bool(a < b),
    "$lte": lambda a, b: bool(a <= b),
}


def _any(values: list[Any], test: Callable[[Any], bool], elements_only: bool = False) -> bool:
    """True if ``test`` holds for a value, or for an element of a list value (MongoDB's array rule)."""
    for value in values:
        if not elements_only and test(value):
            return True
        if isinstance(value, list) and any(test(element) for element in value):
            return True
        if elements_only and not isinstance(value, list) and test(value):
            return True
    return False


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, datetime):
        return "date"
    return type(value).__name__


def _comparable(value: Any, operand: Any) -> bool:
    if value is _MISSING or value is None or operand is None or _kind(value) != _kind(operand):
        return False
    if _kind(value) == "number":
        return not (math.isnan(value) or math.isnan(operand))
    return _kind(value) in ("str", "date", "bool")


def _equal(value: Any, operand: Any) -> bool:
    if operand is None:
        return value is None or value is _MISSING
    if value is _MISSING or _kind(value) != _kind(operand):
        return False
    if isinstance(value, Mapping):
        return list(value) == list(operand) and all(_equal(value[k], operand[k]) for k in value)
    if isinstance(value, list):
        return len(value) == len(operand) and all(_equal(a, b) for a, b in zip(value, operand, strict=True))
    return bool(value == operand)


def _conjuncts(spec: Mapping[str, Any], name: str) -> list[Any]:
    """Conditions on top-level ``name`` that every matching document must meet (through ``$and``)."""
    found = [spec[name]] if name in spec else []
    for part in spec.get("$and", []):
        found.extend(_conjuncts(part, name))
    return found


def _narrow(bounds: Bounds, condition: Any) -> Bounds:
    if not _is_operators(condition):
        condition = {"$eq": condition}
    for operator, operand in condition.items():
        if operand is None or isinstance(operand, (bool, list, dict)):
            continue
        if operator in ("$eq", "$gt", "$gte"):
            inclusive = operator != "$gt"
            if bounds.low is None or _kind(bounds.low) != _kind(operand) or operand > bounds.low:
                bounds = Bounds(operand, inclusive, bounds.high, bounds.high_inclusive)
        if operator in ("$eq", "$lt", "$lte"):
            inclusive = operator != "$lt"
            if bounds.high is None or _kind(bounds.high) != _kind(operand) or operand < bounds.high:
                bounds = Bounds(bounds.low, bounds.low_inclusive, operand, inclusive)
    return bounds
