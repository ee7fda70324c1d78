"""The cell texts of every table of an HTML page, and raw names as snake_case labels (pure, stdlib only).

Shared by the HTML and JSON text decoders (iMACRT page, CryoConcept page and document). Cell
texts have entities decoded and whitespace collapsed; scripts and styles are skipped; a page
that ends inside a ``<table>`` is flagged ``truncated``. What the rows mean is read in
:mod:`html_page`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ricochetdb.domain.readings import RESERVED_LABELS

MAX_LABEL = 64
_SPELLED = {"Ω": "ohm", "µ": "u", "μ": "u", "°": "deg", "%": " pct ", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o"}


@dataclass
class Page:
    """The text of every table row, per table (nested tables are tables of their own)."""

    tables: list[list[list[str]]] = field(default_factory=list)
    truncated: bool = False


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
