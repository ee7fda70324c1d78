"""Cryomech CPA Modbus TCP framing: golden request frames, the request decoder, the completeness predicate."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices import cryomech_frames as frames


class TestGoldenFrames:
    def test_the_read_request_is_the_socs_frame(self) -> None:
        assert frames.read_request(0x0999) == bytes.fromhex("09 99 00 00 00 06 01 04 00 01 00 35")

    def test_a_cpa3_read_asks_for_55_registers_and_carries_the_unit_id(self) -> None:
        assert frames.read_request(7, unit_id=16, count=55) == bytes.fromhex("00 07 00 00 00 06 10 04 00 01 00 37")

    def test_start_and_stop_are_fc06_writes_to_address_1(self) -> None:
        assert frames.write_request(0x0999, frames.START) == bytes.fromhex("09 99 00 00 00 06 01 06 00 01 00 01")
        assert frames.write_request(0x0999, frames.STOP) == bytes.fromhex("09 99 00 00 00 06 01 06 00 01 00 ff")

    def test_the_exception_reply_is_fc_or_0x80_and_a_code(self) -> None:
        assert frames.exception_reply(5, 1, 4, 2) == bytes.fromhex("00 05 00 00 00 03 01 84 02")


class TestCompleteness:
    def test_the_completeness_predicate_gives_up_on_an_impossible_header(self) -> None:
        assert frames.reply_complete(b"\xde\xad\xbe\xef\xff\xff")  # protocol id 0xBEEF: no need to wait
        assert frames.reply_complete(b"\x00\x01\x00\x00\x7f\xff")  # length beyond any Modbus PDU


class TestEmulatorSide:
    def test_a_read_request_decodes(self) -> None:
        request = frames.decode_request(frames.read_request(0x0999, 16, 1, 55))
        assert request == frames.Request(0x0999, 16, 4, 1, 55)

    def test_a_write_request_decodes(self) -> None:
        assert frames.decode_request(frames.write_request(3, frames.STOP)) == frames.Request(3, 1, 6, 1, 0xFF)

    def test_other_function_codes_decode_for_an_exception(self) -> None:
        assert frames.decode_request(bytes.fromhex("00 01 00 00 00 02 01 2b")) == frames.Request(1, 1, 0x2B, 0, 0)

    def test_a_cut_request_is_none(self) -> None:
        assert frames.decode_request(frames.read_request(1)[:-1]) is None


class TestProperties:
    @given(st.binary(max_size=40))
    def test_the_completeness_predicate_never_raises(self, buffer: bytes) -> None:
        assert frames.reply_complete(buffer) in (True, False)
        frames.decode_request(buffer)
