"""The MP710508 codec: the binary STATUS byte bit by bit, float replies, round trips, total parsers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices.multicomp_codec import (
    CHANNEL_QUERIES,
    ChannelStatus,
    channel_measurements,
    channel_query,
    decode_status,
    encode_status,
    format_float,
    parse_float,
)
from ricochetdb.domain.errors import DeviceProtocolError


class TestStatusByte:
    @pytest.mark.parametrize("byte", range(256))
    def test_every_byte_decodes_to_exactly_its_eight_flags(self, byte: int) -> None:
        statuses = decode_status(bytes([byte]))
        flags = [s.cv for s in statuses] + [s.output for s in statuses]
        assert flags == [bool(byte & (1 << bit)) for bit in range(8)]
        assert encode_status(statuses) == bytes([byte])

    def test_bits_0_to_3_are_cv_and_4_to_7_are_outputs_channel_1_first(self) -> None:
        assert decode_status(b"\x21") == (
            ChannelStatus(cv=True, output=False),
            ChannelStatus(cv=False, output=True),
            ChannelStatus(cv=False, output=False),
            ChannelStatus(cv=False, output=False),
        )

    @pytest.mark.parametrize("byte", [0x0A, 0x0D, 0x20, 0x00])
    def test_bytes_that_look_like_whitespace_are_states_not_padding(self, byte: int) -> None:
        assert encode_status(decode_status(bytes([byte]))) == bytes([byte])
        assert encode_status(decode_status(bytes([byte]) + b"\r\n")) == bytes([byte])

    @pytest.mark.parametrize("reply", [b"", b"\x01\x02", b"95", b"\x01\n\n"])
    def test_anything_but_one_byte_is_refused(self, reply: bytes) -> None:
        with pytest.raises(DeviceProtocolError, match="STATUS"):
            decode_status(reply)


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

    def test_a_channel_gives_six_labelled_measurements(self) -> None:
        measurements = channel_measurements(3, [5.0, 1.0, 4.99, 0.5], ChannelStatus(cv=False, output=True))
        assert [(m.label, m.value, m.unit) for m in measurements] == [
            ("ch3_voltage_set", 5.0, "V"),
            ("ch3_current_set", 1.0, "A"),
            ("ch3_voltage_measured", 4.99, "V"),
            ("ch3_current_measured", 0.5, "A"),
            ("ch3_cv", False, ""),
            ("ch3_on", True, ""),
        ]


class TestParsersAreTotal:
    @given(st.binary())
    def test_any_bytes_parse_or_are_a_protocol_error(self, reply: bytes) -> None:
        for parse in (lambda: parse_float(reply, "x"), lambda: decode_status(reply)):
            try:
                parse()
            except DeviceProtocolError:
                pass
