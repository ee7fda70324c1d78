"""The shared HTML page decoder, table parser, units and label sanitiser: golden layouts, total parsing."""

from __future__ import annotations

import html
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ricochetdb.adapters.devices.html_page import BadCell, Quantity, page_reply, quantities
from ricochetdb.adapters.devices.html_table import decode_body, parse_page, snake_label, unique_labels
from ricochetdb.adapters.devices.units import canonical_unit, parse_quantity
from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import FieldError
from ricochetdb.domain.readings import RESERVED_LABELS, Measurement, check_label

LABEL = re.compile(r"[a-z0-9]+(_[a-z0-9]+)*")


def table(*rows: list[str]) -> str:
    return "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows) + "</table>"


def read(page: str) -> list[Quantity]:
    return quantities(parse_page(page).tables)[0]


def bad(page: str) -> list[BadCell]:
    return quantities(parse_page(page).tables)[1]


class TestParsePage:
    def test_cells_are_decoded_and_whitespace_collapsed(self) -> None:
        page = parse_page("<table><tr><td> Platine&nbsp;4K\n</td><td>3,9&#160;K</td></tr></table>")
        assert page.tables == [[["Platine 4K", "3,9 K"]]]
        assert not page.truncated

    def test_scripts_styles_and_text_outside_tables_are_ignored(self) -> None:
        page = parse_page('<style>td{}</style><p>1</p><table><tr><td><script>"<td>9</td>"</script>a</td></tr></table>')
        assert page.tables == [[["a"]]]

    def test_missing_end_tags_are_implied(self) -> None:
        page = parse_page("<table><tr><td>a<td>1<tr><td>b<td>2</table>")
        assert page.tables == [[["a", "1"], ["b", "2"]]]

    def test_nested_tables_are_tables_of_their_own(self) -> None:
        page = parse_page("<table><tr><td>x</td><td><table><tr><td>a</td><td>1</td></tr></table></td></tr></table>")
        assert page.tables == [[["a", "1"]], [["x", ""]]]

    def test_a_page_ending_inside_a_table_is_truncated(self) -> None:
        page = parse_page("<table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2")
        assert page.truncated
        assert page.tables == [[["a", "1"], ["b", "2"]]]

    def test_bodies_are_utf8_or_latin1(self) -> None:
        assert decode_body("Unité Ω".encode()) == "Unité Ω"
        assert decode_body("Unité".encode("latin-1")) == "Unité"
        assert decode_body(b"\xef\xbb\xbfa") == "a"


class TestLayouts:
    def test_label_value_and_unit_cells(self) -> None:
        page = table(["P1", "1.2e-3", "mbar"], ["still", "0,85 K"], ["Turbo AUX", "1"], ["Alarme", "aucune"])
        assert read(page) == [
            Quantity("p1", 1.2e-3, "mbar"),
            Quantity("still", 0.85, "K"),
            Quantity("turbo_aux", 1, ""),
        ]

    def test_a_header_row_names_the_columns_and_gives_units(self) -> None:
        page = table(
            ["Channel", "R (&Omega;)", "T [mK]", "Status"], ["ch1", "2012", "12.5", "0"], ["2", "3e3", "-", "1"]
        )
        assert read(page) == [
            Quantity("ch1_r", 2012, "Ohm"),
            Quantity("ch1_t", 0.0125, "K"),  # the header's mK scales the column (read as 12.5 K before)
            Quantity("ch1_status", 0, ""),
            Quantity("channel_2_r", 3000.0, "Ohm"),
            Quantity("channel_2_status", 1, ""),
        ]
        assert bad(page) == []  # "-" is no value, not an error

    def test_text_in_a_column_with_a_unit_is_a_bad_cell_and_the_row_is_kept(self) -> None:
        page = table(
            ["Channel", "R (Ω)", "T (K)", "Mode"], ["ch1", "OVER", "4.01", "auto"], ["ch2", "2012", "0.8", "1"]
        )
        assert read(page) == [
            Quantity("ch1_t", 4.01, "K"),
            Quantity("ch2_r", 2012, "Ohm"),
            Quantity("ch2_t", 0.8, "K"),
            Quantity("ch2_mode", 1, ""),
        ]
        assert bad(page) == [BadCell("ch1_r", "OVER")]  # "auto" sits in a column without unit: a note

    def test_a_row_without_any_number_under_a_header_with_units_is_data_not_a_new_header(self) -> None:
        page = table(["Channel", "R (Ω)", "T (K)", "Mode"], ["ch1", "OVER", "ERR", "auto"], ["ch2", "2012", "0.8", "1"])
        assert bad(page) == [BadCell("ch1_r", "OVER"), BadCell("ch1_t", "ERR")]
        assert [q.label for q in read(page)] == ["ch2_r", "ch2_t", "ch2_mode"]

    def test_text_followed_by_a_unit_cell_is_a_bad_cell(self) -> None:
        page = table(["P1", "ERR", "mbar"], ["P2", "--", "mbar"], ["still", "0,85 K"], ["Alarme", "aucune"])
        assert read(page) == [Quantity("still", 0.85, "K")]
        assert bad(page) == [BadCell("p1", "ERR")]

    def test_prefixes_are_case_sensitive_as_on_instruments(self) -> None:
        # before: "mΩ" and "MΩ" both read as megaohm, and a bare "k" as kelvin
        assert parse_quantity("1.5 mΩ") == (0.0015, "Ohm")
        assert parse_quantity("1.5 MΩ") == (1.5e6, "Ohm")
        assert parse_quantity("2 mohm") == (0.002, "Ohm") and parse_quantity("2 Mohm") == (2e6, "Ohm")
        assert parse_quantity("3 k") == (3, "k")
        assert parse_quantity("3 K") == (3, "K")
        assert canonical_unit("k") == ("k", 1.0)
        assert read(table(["R", "12", "mΩ"], ["T", "4", "k"])) == [Quantity("r", 0.012, "Ohm"), Quantity("t", 4, "")]

    def test_units_are_normalised_and_scaled(self) -> None:
        page = table(["a", "2 kΩ"], ["b", "15 mK"], ["c", "3", "µW"], ["d", "1.5", "bar"], ["e", "20 °C"])
        found = [(q.label, round(q.value, 12), q.unit) for q in read(page)]
        assert found == [
            ("a", 2000.0, "Ohm"),
            ("b", 0.015, "K"),
            ("c", 3e-6, "W"),
            ("d", 1500.0, "mbar"),
            ("e", 20, "°C"),
        ]

    def test_repeated_labels_become_unique(self) -> None:
        assert [q.label for q in read(table(["T", "1", "2"], ["T", "3"]))] == ["t", "t_2", "t_3"]
        assert unique_labels(["x", "x_2", "x"]) == ["x", "x_2", "x_3"]

    def test_numbers_without_a_label_are_skipped(self) -> None:
        assert read(table(["1", "2"], ["", "3"])) == []

    @pytest.mark.parametrize(
        ("text", "parsed"),
        [("12", (12, "")), ("-1.5e3", (-1500.0, "")), (",5", (0.5, "")), ("3 %", (3, "%")), ("4K", (4, "K"))],
    )
    def test_quantities(self, text: str, parsed: tuple[float, str]) -> None:
        assert parse_quantity(text) == parsed

    @pytest.mark.parametrize("text", ["", "abc", "1,234.5", "12 pumps running", "nan", "1.2.3", "--"])
    def test_non_quantities(self, text: str) -> None:
        assert parse_quantity(text) is None


class TestSnakeLabel:
    @pytest.mark.parametrize(
        ("raw", "label"),
        [
            ("Platine 4K", "platine_4k"),
            ("R MMR1 1", "r_mmr1_1"),
            ("P/T", "p_t"),
            ("Température", "temperature"),
            ("R (Ω)", "r_ohm"),
            ("turbo speed %", "turbo_speed_pct"),
            ("T_MC", "t_mc"),
            ("timestamp", "timestamp_value"),
            ("_id", "id"),
            ("$where", "where"),
            ("a.b", "a_b"),
            ("", "field"),
            ("日本", "field"),
        ],
    )
    def test_golden_labels(self, raw: str, label: str) -> None:
        assert snake_label(raw) == label

    @given(st.text())
    def test_any_name_becomes_a_valid_storable_label(self, raw: str) -> None:
        label = snake_label(raw)
        assert LABEL.fullmatch(label)
        assert len(label) <= 64
        assert label not in RESERVED_LABELS
        assert check_label(label, "x") == label

    @given(st.text())
    def test_sanitising_is_idempotent(self, raw: str) -> None:
        assert snake_label(snake_label(raw)) == snake_label(raw)


numbers = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.floats(min_value=0, max_value=100).map(lambda v: f"{v:.3f}".replace(".", ",")),
)
cell_text = st.one_of(
    numbers,
    st.tuples(numbers, st.sampled_from(["K", "mK", "Ω", "kohm", "%", "mbar", "W", "µA", "V"])).map(" ".join),
    st.text(max_size=12),
    st.sampled_from(["", " ", "&nbsp;", "&amp;", "&Omega;", "&#233;", "&bogus;", "N/A", "Température", "\t\n"]),
)
cells = st.lists(cell_text, max_size=5).map(lambda row: [c if c.startswith("&") else html.escape(c) for c in row])
pages = st.lists(cells, max_size=8).flatmap(
    lambda rows: st.tuples(st.just(rows), st.booleans(), st.sampled_from(["td", "th"]), st.booleans())
)


def render(rows: list[list[str]], close_cells: bool, tag: str, close_table: bool) -> str:
    end = f"</{tag}>" if close_cells else ""
    body = "".join("<tr>" + "".join(f"<{tag}>{c}{end}" for c in row) + "</tr>\n" for row in rows)
    return f"<html><body><table>{body}" + ("</table></body></html>" if close_table else "")


class TestRandomPages:
    @settings(max_examples=200, deadline=None)
    @given(pages)
    def test_random_tables_give_measurements_or_a_protocol_error(
        self, drawn: tuple[list[list[str]], bool, str, bool]
    ) -> None:
        page = render(*drawn).encode("utf-8")
        try:
            reply = page_reply(page, lambda _label: "")
        except DeviceProtocolError:
            return
        measurements = reply.measurements
        assert measurements or reply.errors
        assert all(isinstance(error, FieldError) for error in reply.errors)
        for measurement in measurements:
            assert isinstance(measurement, Measurement)
            assert LABEL.fullmatch(measurement.label)
            assert isinstance(measurement.value, int | float) and not isinstance(measurement.value, bool)
            assert not math.isnan(measurement.value)
        labels = [m.label for m in measurements] + [e.field for e in reply.errors]
        assert len(set(labels)) == len(labels)

    @settings(deadline=None)
    @given(st.binary(max_size=400))
    def test_any_bytes_give_measurements_or_a_protocol_error(self, body: bytes) -> None:
        try:
            reply = page_reply(body, lambda _label: "")
        except DeviceProtocolError:
            return
        assert all(isinstance(m, Measurement) for m in reply.measurements)

    @given(st.text(max_size=40))
    def test_any_cell_is_a_quantity_or_none(self, text: str) -> None:
        parsed = parse_quantity(text)
        assert parsed is None or (isinstance(parsed[0], int | float) and isinstance(parsed[1], str))
