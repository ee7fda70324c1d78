"""The MP710508 codec: the binary STATUS byte bit by bit, float replies, round trips, total parsers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices.multicomp_codec import (
    CHANNEL_QUERIES,
    ChannelStatus,
    channel_query,
    decode_poll,
    decode_status,
    encode_status,
    format_float,
    parse_float,
)
from ricochetdb.domain.errors import DeviceProtocolError

CHANNEL_REPLIES = [b"5.000", b"1.000", b"4.990", b"0.500"] * 4


class TestStatusByte:
    @pytest.mark.parametrize("byte", range(256))
    def test_every_byte_decodes_to_exactly_its_eight_flags(self, byte: int) -> None:
        statuses, extra = decode_status(bytes([byte]))
        assert extra == b""
        flags = [s.cv for s in statuses] + [s.output for s in statuses]
        assert flags == [bool(byte & (1 << bit)) for bit in range(8)]
        assert encode_status(statuses) == bytes([byte])

    def test_bits_0_to_3_are_cv_and_4_to_7_are_outputs_channel_1_first(self) -> None:
        assert decode_status(b"\x21")[0] == (
            ChannelStatus(cv=True, output=False),
            ChannelStatus(cv=False, output=True),
            ChannelStatus(cv=False, output=False),
            ChannelStatus(cv=False, output=False),
        )

    @pytest.mark.parametrize("byte", [0x0A, 0x0D, 0x20, 0x00])
    def test_bytes_that_look_like_whitespace_are_states_not_padding(self, byte: int) -> None:
        assert encode_status(decode_status(bytes([byte]))[0]) == bytes([byte])
        assert decode_status(bytes([byte]) + b"\r\n") == (decode_status(bytes([byte]))[0], b"")

    @pytest.mark.parametrize(("reply", "extra"), [(b"\x01\x02", b"\x02"), (b"95", b"5"), (b"\x01\n\n", b"\n\n")])
    def test_trailing_bytes_are_returned_and_the_first_byte_decoded(self, reply: bytes, extra: bytes) -> None:
        statuses, rest = decode_status(reply)
        assert encode_status(statuses) == reply[:1] and rest == extra

    def test_an_empty_reply_is_refused(self) -> None:
        with pytest.raises(DeviceProtocolError, match="STATUS"):
            decode_status(b"")


class TestFloats:
    def test_golden_replies(self) -> None:
        assert parse_float(b"12.000", "VSET1?") == 12.0
        assert parse_float(b" 0.5\r\n\x00", "IOUT2?") == 0.5
        assert parse_float(b"-0.003", "VOUT3?") == -0.003

    @pytest.mark.parametrize("reply", [b"", b"nan", b"inf", b"1_000", b"12.0V", b"1e999", b"\xff"])
    def test_non_numbers_are_refused_naming_the_query(self, reply: bytes) -> None:
        with pytest.raises(DeviceProtocolError, match="VSET1"):
            parse_float(reply, "VSET1?")

    @given(st.floats(min_value=-1000, max_value=1000, allow_nan=False))
    def test_round_trip(self, value: float) -> None:
        assert parse_float(format_float(value), "x") == pytest.approx(value, abs=5e-4)


class TestCommandsAndLabels:
    def test_queries(self) -> None:
        queries = [channel_query(name, 4) for name in CHANNEL_QUERIES]
        assert queries == [b"VSET4?\n", b"ISET4?\n", b"VOUT4?\n", b"IOUT4?\n"]
        with pytest.raises(ValueError):
            channel_query("VSET", 5)

    def test_a_poll_gives_six_labelled_measurements_per_channel(self) -> None:
        reply = decode_poll(b"\x40", CHANNEL_REPLIES)
        assert [(m.label, m.value, m.unit) for m in reply.measurements[12:18]] == [
            ("ch3_voltage_set", 5.0, "V"),
            ("ch3_current_set", 1.0, "A"),
            ("ch3_voltage_measured", 4.99, "V"),
            ("ch3_current_measured", 0.5, "A"),
            ("ch3_cv", False, ""),
            ("ch3_on", True, ""),
        ]
        assert len(reply.measurements) == 24 and reply.errors == []

    def test_a_status_reply_with_trailing_bytes_keeps_all_24_measurements(self) -> None:
        reply = decode_poll(b"\x11OK\r\n", CHANNEL_REPLIES)  # refused whole before: 24 measurements lost
        assert len(reply.measurements) == 24
        flags = {m.label: m.value for m in reply.measurements if m.label.endswith(("_cv", "_on"))}
        assert flags["ch1_cv"] is True and flags["ch1_on"] is True and flags["ch2_on"] is False
        assert [e.field for e in reply.errors] == ["STATUS?"] and "OK" in reply.errors[0].reason

    def test_a_reply_that_is_no_number_is_a_field_error_of_its_label(self) -> None:
        replies = list(CHANNEL_REPLIES)
        replies[6] = b"ERR"  # channel 2, VOUT2?
        reply = decode_poll(b"\x00", replies)
        assert len(reply.measurements) == 23
        assert [e.field for e in reply.errors] == ["ch2_voltage_measured"] and "VOUT2?" in reply.errors[0].reason

    def test_a_status_byte_is_not_trusted_when_no_number_of_the_poll_is_good(self) -> None:
        reply = decode_poll(b"\x11", [b"\xff\x00"] * 16)  # a device answering garbage to everything
        assert reply.measurements == [] and len(reply.errors) == 16


class TestParsersAreTotal:
    @given(st.binary())
    def test_any_bytes_parse_or_are_a_protocol_error(self, reply: bytes) -> None:
        for parse in (
            lambda: parse_float(reply, "x"),
            lambda: decode_status(reply),
            lambda: decode_poll(reply, [reply] * 16),
        ):
            try:
                parse()
            except DeviceProtocolError:
                pass
