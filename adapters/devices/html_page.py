"""Label/number pairs of an HTML device page, and the reply they make (pure).

Shared by the iMACRT web page (``/www/device.htm``) and the CryoConcept ``CRYO`` page. The
layouts are not public, so the reading is tolerant. Rows it understands (cells ``|``)::

    label | value [unit]                 ->  label = value           e.g.  still | 0,85 K
    label | value | unit                 ->  label = value (unit)    e.g.  P1 | 1.2e-3 | mbar
    name  | A (K) | B [mK]               a header row (no number) names the columns, then
    ch1   | 4.01  | 12.5                 ->  ch1 A = 4.01 K, ch1 B = 0.0125 K

Numbers and units as in :mod:`units`. A cell where the layout promises a number (a column whose
header gives a unit, a value cell followed by a unit cell) but which holds text (``OVER``,
``ERR``) is a field error of that label; placeholders (``-``, ``n/a``, empty) mean no value.
Other text cells are notes and are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from ricochetdb.adapters.devices.html_table import decode_body, parse_page, snake_label, unique_labels
from ricochetdb.adapters.devices.units import canonical_unit, is_missing, known_unit, parse_quantity
from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply, FieldError
from ricochetdb.domain.readings import Measurement

_HEADER_UNIT = re.compile(r"(.*?)\s*[(\[]\s*([^)\]]{1,12}?)\s*[)\]]\s*")


@dataclass(frozen=True)
class BadCell:
    """A cell where the layout promises a number and the page has text: ``label`` sanitised, ``text`` as read."""

    label: str
    text: str


@dataclass(frozen=True)
class Quantity:
    """One label/number pair read from a page: ``label`` already sanitised, ``unit`` canonical or ''."""

    label: str
    value: int | float
    unit: str


@dataclass(frozen=True)
class _Column:
    name: str
    unit: str = ""
    factor: float = 1.0

    @property
    def numeric(self) -> bool:
        """A column whose header gives a unit holds numbers: text in it is a bad cell, not a note."""
        return bool(self.unit)


# (raw label, value or None for a bad cell, unit, cell text)
_Found = tuple[str, int | float | None, str, str]


def _header(cells: list[str]) -> list[_Column]:
    columns = []
    for cell in cells:
        match = _HEADER_UNIT.fullmatch(cell)
        columns.append(_Column(match.group(1), *canonical_unit(match.group(2))) if match else _Column(cell))
    return columns


def _scaled(quantity: tuple[int | float, str], column: _Column) -> tuple[int | float, str]:
    value, unit = quantity
    if unit or column.factor == 1.0:
        return value, unit or column.unit
    return value * column.factor, column.unit


def _column_row(cells: list[str], parsed: list[tuple[int | float, str] | None], header: list[_Column]) -> list[_Found]:
    row_label = cells[0] if parsed[0] is None else f"{header[0].name} {cells[0]}"
    found: list[_Found] = []
    for column, cell, quantity in zip(header[1:], cells[1:], parsed[1:], strict=True):
        label = f"{row_label} {column.name}"
        if quantity is not None:
            found.append((label, *_scaled(quantity, column), cell))
        elif column.numeric and not is_missing(cell):
            found.append((label, None, column.unit, cell))
    return found


def _pair_row(cells: list[str], parsed: list[tuple[int | float, str] | None]) -> list[_Found]:
    found: list[_Found] = []
    label = ""
    skip = False
    for i, (cell, quantity) in enumerate(zip(cells, parsed, strict=True)):
        following = cells[i + 1] if i + 1 < len(cells) else ""
        if skip:
            skip = False
        elif quantity is None:
            if label and following and known_unit(following) and not known_unit(cell):
                if not is_missing(cell):  # ``P1 | ERR | mbar``: the unit says a number belonged here
                    found.append((label, None, canonical_unit(following)[0], cell))
                skip = True
            else:
                label = cell or label
        elif label:
            value, unit = quantity
            if not unit and known_unit(following):
                unit, factor = canonical_unit(following)
                value = value * factor if factor != 1.0 else value
                skip = True
            found.append((label, value, unit, cell))
    return found


def _promises_number(cells: list[str]) -> bool:
    """``label | text | unit``: a row without a number whose unit cell says one belonged there (not a header)."""
    return any(cells[i - 1] and not known_unit(cells[i]) and known_unit(cells[i + 1]) for i in range(1, len(cells) - 1))


def _columns_expected(cells: list[str], header: list[_Column] | None) -> bool:
    """Under a header of 3 or more columns, one of them with a unit, a row of the same width is a data row."""
    return header is not None and len(header) == len(cells) > 2 and any(column.numeric for column in header[1:])


def _is_header(cells: list[str], header: list[_Column] | None) -> bool:
    if sum(1 for cell in cells if cell) < 2 or _promises_number(cells):
        return False
    return not _columns_expected(cells, header) or any(_HEADER_UNIT.fullmatch(cell) for cell in cells)


def _row(cells: list[str], header: list[_Column] | None) -> list[_Found]:
    parsed = [parse_quantity(cell) for cell in cells]
    count = sum(p is not None for p in parsed[1:])
    if header and len(header) == len(cells) and (count >= 2 or _columns_expected(cells, header)):
        return _column_row(cells, parsed, header)
    return _pair_row(cells, parsed)


def quantities(tables: Iterable[Sequence[Sequence[str]]]) -> tuple[list[Quantity], list[BadCell]]:
    """Every label/number pair of the tables, and the cells where a number should have been.

    Labels are sanitised and made unique over both lists, so a cell keeps its label whether
    it holds a number this time or not.
    """
    found: list[_Found] = []
    for table in tables:
        header: list[_Column] | None = None
        for row in table:
            cells = list(row)
            if all(parse_quantity(cell) is None for cell in cells):
                if _is_header(cells, header):
                    header = _header(cells)
                    continue
                if not (_promises_number(cells) or _columns_expected(cells, header)):
                    continue  # a note (``Alarme | aucune``)
            found.extend(_row(cells, header))
    labels = unique_labels(snake_label(label) for label, _value, _unit, _text in found)
    good = [Quantity(label, v, unit) for label, (_r, v, unit, _t) in zip(labels, found, strict=True) if v is not None]
    bad = [BadCell(label, text) for label, (_r, v, _u, text) in zip(labels, found, strict=True) if v is None]
    return good, bad


def page_reply(body: bytes, default_unit: Callable[[str], str], record: str = "page") -> DeviceReply:
    """The reply held by a device page; ``default_unit(label)`` fills units the page does not give.

    DeviceProtocolError if the page is unreadable, ends inside a table (truncated) or holds no
    label/number pair.
    """
    try:
        page = parse_page(decode_body(body))
        good, bad = quantities(page.tables)
    except Exception as error:  # whatever the page holds, the answer is a DeviceProtocolError
        raise DeviceProtocolError(record, "", f"unreadable page: {type(error).__name__}: {error}") from None
    if page.truncated:
        raise DeviceProtocolError(record, "", f"page ends inside a table (truncated?): ...{body[-40:]!r}")
    if not good and not bad:
        raise DeviceProtocolError(record, "", f"no label/number pair in the page: {body[:80]!r}")
    measurements = [Measurement(q.label, q.value, q.unit or default_unit(q.label)) for q in good]
    errors = [FieldError(cell.label, f"cell {cell.text[:64]!r} is not a number") for cell in bad]
    return DeviceReply(measurements, errors)
