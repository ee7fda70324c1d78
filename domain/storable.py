"""What the primary store can hold, checked in the core before anything is written or spooled.

The primary store is MongoDB, whose documents are BSON: integers are signed 64-bit, text is
UTF-8 (a Python string holding a lone surrogate has no UTF-8 form), a document is at most
16 MiB and nests a bounded number of levels. A value past one of these limits is refused
here, naming its record and field, so that it never reaches a store, a spool or a replay it
would block. The size is counted byte for byte as BSON encodes it, without importing bson.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ricochetdb.domain.errors import ValidationError, clip
from ricochetdb.domain.validation import MAX_DEPTH

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
# Room kept for what a store adds to a document: _id, _seq, revision, generated_us and the
# _micros tree of sub-millisecond dates (a few bytes per such date).
STORE_HEADROOM = 64 * 1024
DOCUMENT_LIMIT = MAX_DOCUMENT_BYTES - STORE_HEADROOM
# A reading value is a measurement, not a document: a longer text is a device gone wrong.
READING_TEXT_LIMIT = 64 * 1024
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _refused(record: str, where: str, why: str) -> ValidationError:
    return ValidationError(record, where or "value", f"cannot be stored: {why}")


def _text_bytes(text: str, record: str, where: str) -> int:
    """The UTF-8 length of ``text``; a lone surrogate (no UTF-8 form) is refused."""
    if text.isascii():
        return len(text)
    try:
        return len(text.encode("utf-8"))
    except UnicodeEncodeError as error:
        raise _refused(record, where, f"not valid UTF-8 text (a lone surrogate at character {error.start})") from None


def _value_size(value: Any, record: str, where: str, depth: int) -> int:
    """Bytes of the BSON encoding of ``value`` (without its type byte and name)."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 1
    if isinstance(value, int):
        if INT32_MIN <= value <= INT32_MAX:
            return 4
        if INT64_MIN <= value <= INT64_MAX:
            return 8
        raise _refused(record, where, f"an integer of {value.bit_length()} bits, outside the signed 64-bit integers")
    if isinstance(value, float):
        return 8
    if isinstance(value, str):
        return 4 + _text_bytes(value, record, where) + 1
    if isinstance(value, datetime):
        return 8
    if isinstance(value, Mapping):
        return _document_size(value.items(), record, where, depth + 1)
    if isinstance(value, (list, tuple)):
        return _document_size(((str(i), item) for i, item in enumerate(value)), record, where, depth + 1, True)
    raise _refused(record, where, f"a {type(value).__name__} (numbers, text, booleans, null, dates, lists, objects)")


def _document_size(items: Any, record: str, path: str, depth: int, array: bool = False) -> int:
    """Bytes of a BSON document (or array) of ``items``: length, elements, terminator."""
    if depth > MAX_DEPTH:
        raise _refused(record, path, f"nested more than {MAX_DEPTH} levels deep")
    size = 4 + 1
    for key, item in items:
        if not isinstance(key, str):
            raise _refused(record, _where(path, str(key)), f"a field name that is a {type(key).__name__}, not text")
        where = f"{path}[{key}]" if array else _where(path, key)
        if "\0" in key:
            raise _refused(record, where, "a field name holding NUL")
        size += 1 + _text_bytes(key, record, where) + 1 + _value_size(item, record, where, depth)
    return size


def document_size(document: Mapping[str, Any], record: str = "document") -> int:
    """The exact BSON size of ``document`` in bytes; ValidationError if a value cannot be stored at all."""
    return _document_size(document.items(), record, "", 1)


def check_storable(document: Mapping[str, Any], record: str, field: str = "", limit: int = DOCUMENT_LIMIT) -> int:
    """Refuse a document the primary store cannot hold, naming the field at fault; return its size in bytes.

    ``field`` prefixes the field paths named in errors (the part of ``record`` the document is).
    """
    size = _document_size(document.items(), record, field, 1)
    if size > limit:
        why = f"cannot be stored: {size:,} bytes once encoded, the store holds documents up to {limit:,}"
        raise ValidationError(record, field, why)
    return size


def check_reading_value(value: Any, record: str, field: str) -> int:
    """Refuse one reading value the primary store cannot hold; return the bytes it takes as field ``field``.

    Integers beyond 64 bits, text that is not UTF-8 or longer than READING_TEXT_LIMIT bytes are refused.
    """
    size = _value_size(value, record, field, 1)
    if isinstance(value, str) and size - 5 > READING_TEXT_LIMIT:
        raise _refused(record, field, f"a text of {size - 5:,} bytes, a reading holds {READING_TEXT_LIMIT:,} at most")
    return 1 + _text_bytes(field, record, field) + 1 + size


def storable_text(text: str, limit: int = READING_TEXT_LIMIT) -> str:
    """``text`` made storable: lone surrogates become U+FFFD and it is cut to ``limit`` characters."""
    if not text.isascii():
        text = _SURROGATE.sub("\ufffd", text)
    return clip(text, limit)
