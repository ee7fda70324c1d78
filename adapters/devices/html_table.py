"""Label/number pairs from the tables of an HTML page, and raw names as snake_case labels (pure, stdlib only).

Shared by the iMACRT web page (``/www/device.htm``) and the CryoConcept ``CRYO`` page. The
layouts are not public, so the reader is tolerant. Rows it understands (cells ``|``)::

    label | value [unit]                 ->  label = value           e.g.  still | 0,85 K
    label | value | unit                 ->  label = value (unit)    e.g.  P1 | 1.2e-3 | mbar
    name  | A (K) | B (Ohm)              a header row (no number) names the columns, then
    ch1   | 4.01  | 2012                 ->  ch1 A = 4.01 K, ch1 B = 2012 Ohm

Numbers: ``float()`` syntax or a decimal comma; integer literals stay ints. Units are
normalised (``Ω`` -> Ohm, ``kΩ`` -> Ohm x 1000, ``mK`` -> K / 1000 ...). Cells without a number,
empty cells, entity refs, scripts and styles are skipped; a page that ends inside a
``<table>`` is flagged ``truncated``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ricochetdb.domain.readings import RESERVED_LABELS

MAX_LABEL = 64
_NUMBER = re.compile(r"([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(.*)", re.DOTALL)
_UNIT_TOKEN = re.compile(r"[A-Za-z%°Ωµμ/²³]{1,6}")
_HEADER_UNIT = re.compile(r"(.*?)\s*[(\[]\s*([^)\]]{1,12}?)\s*[)\]]\s*")
_SPELLED = {"Ω": "ohm", "µ": "u", "μ": "u", "°": "deg", "%": " pct ", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o"}
# unit as written (lower case) -> (canonical unit, factor)
UNITS: dict[str, tuple[str, float]] = {
    "ω": ("Ohm", 1.0),
    "ohm": ("Ohm", 1.0),
    "ohms": ("Ohm", 1.0),
    "kω": ("Ohm", 1e3),
    "kohm": ("Ohm", 1e3),
    "kohms": ("Ohm", 1e3),
    "mω": ("Ohm", 1e6),
    "mohm": ("Ohm", 1e6),
    "k": ("K", 1.0),
    "mk": ("K", 1e-3),
    "w": ("W", 1.0),
    "mw": ("W", 1e-3),
    "µw": ("W", 1e-6),
    "μw": ("W", 1e-6),
    "uw": ("W", 1e-6),
    "nw": ("W", 1e-9),
    "a": ("A", 1.0),
    "ma": ("A", 1e-3),
    "µa": ("A", 1e-6),
    "μa": ("A", 1e-6),
    "ua": ("A", 1e-6),
    "na": ("A", 1e-9),
    "%": ("%", 1.0),
    "mbar": ("mbar", 1.0),
    "bar": ("mbar", 1e3),
    "pa": ("mbar", 1e-2),
}


@dataclass
class Page:
    """The text of every table row, per table (nested tables are tables of their own)."""

    tables: list[list[list[str]]] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class Quantity:
    """One label/number pair read from a page: ``label`` already sanitised, ``unit`` canonical or ''."""

    label: str
    value: int | float
    unit: str


@dataclass
class _Table:
    rows: list[list[str]] = field(default_factory=list)
    row: list[str] | None = None
    cell: list[str] | None = None

    def close_cell(self) -> None:
        if self.cell is not None:
            if self.row is None:
                self.row = []
            self.row.append(" ".join("".join(self.cell).split()))
            self.cell = None

    def close_row(self) -> None:
        self.close_cell()
        if self.row:
            self.rows.append(self.row)
        self.row = None


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[_Table] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Sequence[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.hidden += 1
        elif tag == "table":
            self.open.append(_Table())
        elif self.open and tag == "tr":
            self.open[-1].close_row()
            self.open[-1].row = []
        elif self.open and tag in ("td", "th"):
            self.open[-1].close_cell()
            self.open[-1].cell = []
        elif self.open and tag == "br" and self.open[-1].cell is not None:
            self.open[-1].cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.hidden = max(0, self.hidden - 1)
        elif tag == "table" and self.open:
            table = self.open.pop()
            table.close_row()
            self.page.tables.append(table.rows)
        elif self.open and tag == "tr":
            self.open[-1].close_row()
        elif self.open and tag in ("td", "th"):
            self.open[-1].close_cell()

    def handle_data(self, data: str) -> None:
        if not self.hidden and self.open and self.open[-1].cell is not None:
            self.open[-1].cell.append(data)


def decode_body(body: bytes) -> str:
    """Page bytes as text: UTF-8 (BOM tolerated), else Latin-1 (CryoConcept files are Latin-1)."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def parse_page(html: str) -> Page:
    """Every table's rows of cell texts (whitespace collapsed, entities decoded); never raises on bad HTML."""
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    page = parser.page
    if parser.open:
        page.truncated = True
        for table in reversed(parser.open):
            table.close_row()
            page.tables.append(table.rows)
    return page


def canonical_unit(unit: str) -> tuple[str, float]:
    """``"kΩ"`` -> ``("Ohm", 1000.0)``; unknown units are kept as written with factor 1."""
    return UNITS.get(unit.strip().lower(), (unit.strip(), 1.0))


def parse_quantity(text: str) -> tuple[int | float, str] | None:
    """``"0,85 K"`` -> ``(0.85, "K")``, ``"12"`` -> ``(12, "")``; None if the cell is not a number (+ unit)."""
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        return None
    number, rest = match.group(1), match.group(2).strip()
    if rest and not _UNIT_TOKEN.fullmatch(rest):
        return None
    unit, factor = canonical_unit(rest)
    if re.fullmatch(r"[+-]?\d{1,18}", number) and factor == 1.0:
        return int(number), unit
    return float(number.replace(",", ".")) * factor, unit


def snake_label(raw: str) -> str:
    """A raw name as a storable label: ``"Platine 4K"`` -> ``platine_4k``, ``"R (Ω)"`` -> ``r_ohm``.

    ASCII ``[a-z0-9]`` words joined by ``_``, at most 64 characters, never empty (``field``)
    and never a reserved field name (``timestamp`` -> ``timestamp_value``).
    """
    spelled = "".join(_SPELLED.get(ch, ch) for ch in raw)
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")
    label = "_".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))[:MAX_LABEL].strip("_") or "field"
    return f"{label}_value" if label in RESERVED_LABELS else label


def unique_labels(labels: Iterable[str]) -> list[str]:
    """Second and later uses of a label get ``_2``, ``_3``... (a reply may not hold a label twice)."""
    seen: set[str] = set()
    out: list[str] = []
    for label in labels:
        candidate, n = label, 1
        while candidate in seen:
            n += 1
            candidate = f"{label}_{n}"
        seen.add(candidate)
        out.append(candidate)
    return out


def _header(cells: list[str]) -> list[tuple[str, str]]:
    columns = []
    for cell in cells:
        match = _HEADER_UNIT.fullmatch(cell)
        columns.append((match.group(1), canonical_unit(match.group(2))[0]) if match else (cell, ""))
    return columns


def _row_pairs(cells: list[str], header: list[tuple[str, str]] | None) -> list[tuple[str, int | float, str]]:
    parsed = [parse_quantity(cell) for cell in cells]
    pairs: list[tuple[str, int | float, str]] = []
    if header and len(header) == len(cells) and sum(p is not None for p in parsed[1:]) >= 2:
        row_label = cells[0] if parsed[0] is None else f"{header[0][0]} {cells[0]}"
        for (name, unit), quantity in zip(header[1:], parsed[1:], strict=True):
            if quantity is not None:
                pairs.append((f"{row_label} {name}", quantity[0], quantity[1] or unit))
        return pairs
    label = ""
    skip = False
    for i, (cell, quantity) in enumerate(zip(cells, parsed, strict=True)):
        if skip:
            skip = False
        elif quantity is None:
            label = cell or label
        elif label:
            unit = quantity[1]
            following = cells[i + 1] if i + 1 < len(cells) else ""
            if not unit and following.lower() in UNITS:
                unit, factor = canonical_unit(following)
                quantity = (quantity[0] * factor if factor != 1.0 else quantity[0], unit)
                skip = True
            pairs.append((label, quantity[0], unit))
    return pairs


def quantities(tables: Iterable[Sequence[Sequence[str]]]) -> list[Quantity]:
    """Every label/number pair of the tables, labels sanitised and made unique."""
    found: list[tuple[str, int | float, str]] = []
    for table in tables:
        header: list[tuple[str, str]] | None = None
        for row in table:
            cells = list(row)
            if all(parse_quantity(cell) is None for cell in cells):
                if sum(1 for cell in cells if cell) >= 2:
                    header = _header(cells)
                continue
            found.extend(_row_pairs(cells, header))
    labels = unique_labels(snake_label(label) for label, _value, _unit in found)
    return [Quantity(label, value, unit) for label, (_raw, value, unit) in zip(labels, found, strict=True)]
