"""The CPX200DP codec: golden replies, the tolerant grammar, round trips and total parsers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices.tti_codec import (
    command_line,
    decode_poll,
    expected_replies,
    format_readback,
    format_reply,
    format_setpoint,
    format_trip,
    parse_output_state,
    parse_readback,
    parse_setpoint,
    parse_trip,
    poll_queries,
    reply_complete,
    split_reply,
)
from ricochetdb.domain.errors import DeviceProtocolError

# the manual's form: each reply of the group ends with its own CR LF; the voltage setpoint has two decimals
POLL_REPLY = b"V1 12.00\r\nI1 1.500\r\n12.001V\r\n1.199A\r\n1\r\nV2 5.00\r\nI2 0.200\r\n-0.006V\r\n0.000A\r\n0\r\n"
LABELS = [
    f"out{n}_{name}"
    for n in (1, 2)
    for name in ("voltage_set", "current_set", "voltage_measured", "current_measured", "on")
]
values = st.floats(min_value=-1000, max_value=1000, allow_nan=False)


class TestRequests:
    def test_a_poll_is_one_line_of_ten_queries(self) -> None:
        line = command_line(poll_queries())
        assert line == b"V1?;I1?;V1O?;I1O?;OP1?;V2?;I2?;V2O?;I2O?;OP2?\n"
        assert expected_replies(line.decode().strip()) == 10

    def test_set_commands_expect_no_reply(self) -> None:
        assert expected_replies("V1 12.0;OP1 1") == 0
        assert expected_replies("OP1 1;V1?") == 1
        assert expected_replies("*IDN?") == 1


class TestGoldenReplies:
    def test_setpoints_name_their_output(self) -> None:
        assert parse_setpoint("V1 1.350", "V", 1) == 1.35
        assert parse_setpoint("I2 0.100\r\n", "I", 2) == 0.1

    def test_a_setpoint_of_the_other_output_is_refused(self) -> None:
        with pytest.raises(DeviceProtocolError, match="V1"):
            parse_setpoint("V2 1.350", "V", 1)

    def test_readbacks_carry_their_unit(self) -> None:
        assert parse_readback("-0.006V", "V") == -0.006
        assert parse_readback("0.000A", "A") == 0.0
        with pytest.raises(DeviceProtocolError):
            parse_readback("0.000A", "V")

    def test_trip_levels_come_named_bare_or_off(self) -> None:
        assert parse_trip("VP1 4.000", "VP", 1) == 4.0
        assert parse_trip("2.2000", "CP", 2) == 2.2
        assert parse_trip("CP1 OFF", "CP", 1) is None
        with pytest.raises(DeviceProtocolError):
            parse_trip("CP1 4.000", "VP", 1)

    def test_output_state_is_zero_or_one(self) -> None:
        assert parse_output_state("1", 1) is True
        assert parse_output_state("0\r\n", 2) is False
        with pytest.raises(DeviceProtocolError):
            parse_output_state("ON", 1)

    def test_non_finite_numbers_are_refused(self) -> None:
        with pytest.raises(DeviceProtocolError, match="finite"):
            parse_setpoint("V1 1e999", "V", 1)

    def test_a_poll_reply_gives_every_label_with_its_unit(self) -> None:
        reply = decode_poll(split_reply(POLL_REPLY, 10))
        measurements = reply.measurements
        assert [m.label for m in measurements] == LABELS and reply.errors == []
        assert [m.unit for m in measurements] == ["V", "A", "V", "A", ""] * 2
        assert measurements[0].value == 12.0 and measurements[2].value == 12.001
        assert measurements[4].value is True and measurements[9].value is False

    def test_a_unit_that_breaks_its_grammar_is_a_field_error_and_the_others_are_kept(self) -> None:
        units = split_reply(POLL_REPLY, 10)
        units[7] = "-0.006A"  # V2O? answered in amps
        reply = decode_poll(units)
        assert [e.field for e in reply.errors] == ["out2_voltage_measured"]
        assert len(reply.measurements) == 9

    def test_the_device_formats_are_the_manuals(self) -> None:
        assert format_setpoint("V", 1, 12.0) == "V1 12.00"  # "V1 12.000" before
        assert format_setpoint("I", 2, 0.2) == "I2 0.200"
        assert format_reply(["V1 12.00", "I1 1.500"]) == b"V1 12.00\r\nI1 1.500\r\n"  # joined by ";" before


class TestFraming:
    def test_replies_may_come_one_line_each_or_joined(self) -> None:
        joined = POLL_REPLY.replace(b"\r\n", b";")[:-1] + b"\r\n"
        assert split_reply(joined, 10) == split_reply(POLL_REPLY, 10)
        assert reply_complete(joined, 10) and reply_complete(POLL_REPLY, 10)
        assert not reply_complete(POLL_REPLY[: POLL_REPLY.index(b"V2")], 10)  # five lines of ten

    def test_a_reply_is_complete_only_with_every_unit_and_its_terminator(self) -> None:
        assert not reply_complete(POLL_REPLY[:-2], 10)
        assert not reply_complete(b"V1 12.00\r\n", 2)
        assert reply_complete(b"V1 12.00\r\n", 1)
        assert reply_complete(b"", 0)

    def test_a_non_ascii_byte_ends_the_wait_and_is_refused(self) -> None:
        assert reply_complete(b"V1 1\xff", 10)
        with pytest.raises(DeviceProtocolError, match="printable"):
            split_reply(b"V1 1\xff", 10)

    def test_a_missing_or_extra_unit_is_refused(self) -> None:
        with pytest.raises(DeviceProtocolError, match="expected 10"):
            split_reply(b"V1 12.00\r\nI1 1.500\r\n", 10)
        with pytest.raises(DeviceProtocolError):
            decode_poll(["1"] * 9)


class TestRoundTrips:
    @given(kind=st.sampled_from("VI"), output=st.sampled_from([1, 2]), value=values)
    def test_setpoints(self, kind: str, output: int, value: float) -> None:
        assert parse_setpoint(format_setpoint(kind, output, value), kind, output) == pytest.approx(value, abs=5e-3)

    @given(unit=st.sampled_from("VA"), value=values)
    def test_readbacks(self, unit: str, value: float) -> None:
        assert parse_readback(format_readback(value, unit), unit) == pytest.approx(value, abs=5e-4)

    @given(kind=st.sampled_from(["VP", "CP"]), output=st.sampled_from([1, 2]), value=st.none() | values)
    def test_trip_levels(self, kind: str, output: int, value: float | None) -> None:
        parsed = parse_trip(format_trip(kind, output, value), kind, output)
        assert parsed == (None if value is None else pytest.approx(value, abs=5e-4))

    @given(st.lists(st.sampled_from(["V1 1.000", "0.500A", "1", "VP2 OFF", "THURLBY THANDAR, X"]), min_size=1))
    def test_reply_units(self, units: list[str]) -> None:
        reply = format_reply(units)
        assert reply_complete(reply, len(units))
        assert split_reply(reply, len(units)) == units


class TestParsersAreTotal:
    @given(st.text())
    def test_any_text_parses_or_is_a_protocol_error(self, text: str) -> None:
        for parse in (
            lambda: parse_setpoint(text, "V", 1),
            lambda: parse_readback(text, "A"),
            lambda: parse_trip(text, "VP", 2),
            lambda: parse_output_state(text, 1),
        ):
            try:
                parse()
            except DeviceProtocolError:
                pass

    @given(st.binary(), st.integers(min_value=0, max_value=12))
    def test_any_bytes_split_or_are_a_protocol_error(self, reply: bytes, expected: int) -> None:
        reply_complete(reply, expected)
        try:
            units = split_reply(reply, expected)
        except DeviceProtocolError:
            return
        if expected == 10:
            try:
                decode_poll(units)
            except DeviceProtocolError:
                pass
