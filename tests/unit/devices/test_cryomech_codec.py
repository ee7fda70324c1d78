"""Cryomech CPA codec: golden replies, round trips over the register map, fuzzing of the reply decoder."""

from __future__ import annotations

import struct
from dataclasses import fields, replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices import cryomech_codec as codec
from ricochetdb.adapters.devices import cryomech_frames as frames
from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.readings import RESERVED_LABELS, check_label

REST = codec.CompressorStatus(
    operating_state=0,
    compressor_running=False,
    warnings=0,
    alarms=0,
    coolant_in_temperature=65.2,
    coolant_out_temperature=65.5,
    oil_temperature=66.0,
    helium_temperature=66.25,
    low_pressure=219.0,
    low_pressure_average=219.0,
    high_pressure=219.5,
    high_pressure_average=219.25,
    delta_pressure_average=0.25,
    motor_current=0.0,
    operating_hours=12345.5,
    pressure_scale=0,
    temperature_scale=0,
    panel_serial=1234,
    model_major=4,
    model_minor=24,
    software_major=2,
    software_minor=154,
)


def hand_built_reply(tid: int = 0x0999) -> bytes:
    """A 53-register reply written out byte by byte from the register map (float32 CDAB)."""

    def f32(value: float) -> bytes:
        packed = struct.pack(">f", value)
        return packed[2:] + packed[:2]  # CDAB: low word first

    data = (
        b"\x00\x00"
        + b"\x00\x00"  # 1 state idling, 2 not running
        + b"\x00\x00\x80\x00"
        + b"\x00\x00\x80\x00"  # 3-4 warnings, 5-6 alarms: -0.0 as seen on a real panel
        + b"".join(f32(v) for v in (65.2, 65.5, 66.0, 66.25, 219.0, 219.0, 219.5, 219.25, 0.25, 0.0, 12345.5))
        + b"\x00\x00"
        + b"\x00\x00"  # 29 psi, 30 F
        + b"\x04\xd2"  # 31 serial 1234
        + b"\x04\x18"  # 32 model 4/24 = CPA1114
        + b"\x02\x9a"  # 33 software 2.154
        + b"\x00\x00" * 20  # 34-53 unused
    )
    assert len(data) == 106
    return struct.pack(">HHHBBB", tid, 0, 3 + len(data), 1, 0x04, len(data)) + data


class TestGoldenFrames:
    def test_a_hand_built_reply_decodes_to_every_field(self) -> None:
        status = codec.decode_reply(hand_built_reply(), 0x0999)
        assert status == REST
        assert status.operating_state_name == "idling"
        assert (status.pressure_unit, status.temperature_unit) == ("psi", "F")
        assert (status.model, status.software_revision) == ("CPA1114", "2.154")

    def test_the_encoder_builds_the_hand_built_reply(self) -> None:
        assert frames.read_reply(0x0999, 1, codec.encode_registers(REST)) == hand_built_reply()

    def test_the_reply_header_announces_3_plus_2n_bytes(self) -> None:
        frame = hand_built_reply()
        assert frame[:9] == bytes.fromhex("09 99 00 00 00 6d 01 04 6a")
        assert frames.frame_size(frame) == len(frame) == 115

    def test_measurements_carry_the_scale_units(self) -> None:
        status = replace(REST, pressure_scale=1, temperature_scale=2, warnings=64 + 1024)
        found = {m.label: m for m in codec.measurements(status)}
        assert found["low_pressure"].unit == "bar"
        assert found["helium_temperature"].unit == "K"
        assert found["motor_current"].unit == "A"
        assert found["operating_hours"].unit == "h"
        assert found["warnings"].value == 1088
        assert found["warning_flags"].value == "helium_high,high_pressure_high"
        assert found["alarm_flags"].value == ""
        assert found["model"].value == "CPA1114"

    def test_every_label_is_storable(self) -> None:
        labels = [m.label for m in codec.measurements(REST)]
        assert len(labels) == len(set(labels))
        for label in labels:
            assert check_label(label, "test") == label
            assert label.isascii() and label not in RESERVED_LABELS


class TestCodes:
    def test_minus_zero_is_no_warning(self) -> None:
        registers = codec.encode_registers(REST)
        assert registers[2:6] == [0x0000, 0x8000, 0x0000, 0x8000]
        status = codec.decode_registers(registers)
        assert (status.warnings, status.alarms) == (0, 0)
        assert codec.flag_names(status.warnings) == []

    def test_warnings_are_minus_the_bit_sum(self) -> None:
        registers = codec.encode_registers(replace(REST, warnings=1 + 4096, alarms=262144))
        low, high = registers[2], registers[3]
        assert struct.unpack(">f", struct.pack(">HH", high, low))[0] == -4097.0
        status = codec.decode_registers(registers)
        assert codec.flag_names(status.warnings) == ["coolant_in_high", "delta_pressure_high"]
        assert codec.flag_names(status.alarms) == ["static_pressure_low"]

    def test_a_high_bit_sum_is_read_from_the_exact_float32(self) -> None:
        status = codec.decode_registers(codec.encode_registers(replace(REST, alarms=2**30)))
        assert status.alarms == 2**30  # 1073741800 before (the float's shortest decimal)
        assert codec.flag_names(status.alarms) == ["inverter_comm_loss"]

    def test_an_undocumented_bit_is_named_by_its_position(self) -> None:
        assert codec.flag_names(2**31 | 1) == ["coolant_in_high", "bit_31"]

    @pytest.mark.parametrize(("major", "major_part"), [(1, "08"), (2, "09"), (3, "10"), (4, "11"), (5, "28")])
    @pytest.mark.parametrize(
        ("minor", "minor_part"),
        list(
            zip(
                range(1, 25),
                "A1 01 02 03 H3 I3 04 H4 05 H5 I6 06 07 H7 I7 08 09 9C 10 1I 11 12 13 14".split(),
                strict=True,
            )
        ),
    )
    def test_every_model_code_maps(self, major: int, major_part: str, minor: int, minor_part: str) -> None:
        assert codec.model_name(major << 8 | minor) == f"CPA{major_part}{minor_part}"

    def test_known_models_from_the_sources(self) -> None:
        assert codec.model_name(5 << 8 | 18) == "CPA289C"
        assert codec.model_name(4 << 8 | 24) == "CPA1114"
        assert codec.model_name(6 << 8 | 1) == "unknown_6_1"

    def test_states_and_scales(self) -> None:
        assert [codec.state_name(c) for c in (0, 3, 6, 15, 4)] == [
            "idling",
            "running",
            "error_lockout",
            "recovered_from_error",
            "unknown_4",
        ]
        assert [replace(REST, pressure_scale=c).pressure_unit for c in (0, 1, 2, 3)] == ["psi", "bar", "kPa", ""]
        assert [replace(REST, temperature_scale=c).temperature_unit for c in (0, 1, 2, 3)] == ["F", "C", "K", ""]

    def test_state_16_must_resolve_the_previous_error(self) -> None:
        assert codec.state_name(16) == "must_resolve_previous_error"  # was unknown_16

    def test_the_cpa3_block_adds_the_patch_level_and_exact_bit_sums(self) -> None:
        block = codec.Cpa3Block(7, 65.2, 65.5, 66.0, 66.3, 219.0, 219.0, 219.5, 219.3, -0.3, 0.0, 12345.5, 2**30 + 1, 0)
        status = replace(REST, software_major=3, software_minor=1, warnings=2**30, cpa3=block)  # float32(2**30+1)
        registers = codec.encode_registers(status)
        assert len(registers) == 55
        assert registers[34] == 0x0700 and registers[47] == 0xFFFD  # address 35 high byte; address 48 = -3
        decoded = codec.decode_registers(registers)
        assert decoded == status
        assert decoded.software_revision == "3.1.7"
        reply = codec.reply(decoded)
        found = {m.label: m.value for m in reply.measurements}
        assert found["warnings"] == 2**30 + 1  # a float32 would have lost the low bit
        assert found["warning_flags"] == "coolant_in_high,inverter_comm_loss"
        assert reply.errors == []

    def test_a_cpa2_panel_read_with_55_registers_keeps_its_float_warnings_and_alarms(self) -> None:
        # software 2.x serves zeros in the CPA3 block (public real-panel capture); it held the float block's
        # warnings and alarms before, and reported none of them
        panel = replace(REST, warnings=64, alarms=32768, cpa3=codec.Cpa3Block(0, *[0.0] * 11, 0, 0))
        decoded = codec.decode_registers(codec.encode_registers(panel))
        reply = codec.reply(decoded)
        found = {m.label: m.value for m in reply.measurements}
        assert (found["warnings"], found["warning_flags"]) == (64, "helium_high")
        assert (found["alarms"], found["alarm_flags"]) == (32768, "three_phase_error")
        assert found["software_revision"] == "2.154"
        assert [e.field for e in reply.errors] == ["warnings", "alarms"]
        assert all("float block is kept" in e.reason and "software 2.154" in e.reason for e in reply.errors)

    def test_when_the_blocks_disagree_on_a_cpa3_panel_the_float_block_rules_and_it_is_reported(self) -> None:
        block = codec.Cpa3Block(4, *[0.0] * 11, 1, 0)
        panel = replace(REST, software_major=3, warnings=4096, alarms=0, cpa3=block)
        reply = codec.reply(codec.decode_registers(codec.encode_registers(panel)))
        found = {m.label: m.value for m in reply.measurements}
        assert (found["warnings"], found["alarms"]) == (4096, 0)
        assert [e.field for e in reply.errors] == ["warnings"]
        assert "integer block says 1, float block 4096" in reply.errors[0].reason

    def test_without_a_cpa3_block_nothing_is_compared(self) -> None:
        assert codec.reply(replace(REST, warnings=1)).errors == []


class TestReplyChecks:
    def decode(self, frame: bytes, tid: int = 0x0999) -> str:
        with pytest.raises(DeviceProtocolError) as caught:
            codec.decode_reply(frame, tid, record="CMCPA 127.0.0.1:502")
        assert caught.value.record == "CMCPA 127.0.0.1:502"
        field: str = caught.value.field
        return field

    def test_an_exception_reply_names_the_exception(self) -> None:
        with pytest.raises(DeviceProtocolError, match="illegal data address") as caught:
            codec.decode_reply(frames.exception_reply(0x0999, 1, 4, 2), 0x0999)
        assert caught.value.field == "exception"
        assert "84 02" in caught.value.reason

    def test_a_foreign_transaction_id_is_refused(self) -> None:
        assert self.decode(hand_built_reply(tid=0x0998)) == "transaction_id"

    def test_a_nonzero_protocol_id_is_refused(self) -> None:
        frame = bytearray(hand_built_reply())
        frame[3] = 1
        assert self.decode(bytes(frame)) == "protocol_id"

    def test_a_length_that_disagrees_with_the_frame_is_refused(self) -> None:
        assert self.decode(hand_built_reply()[:-2]) == "length"

    def test_another_function_code_is_refused(self) -> None:
        frame = bytearray(hand_built_reply())
        frame[7] = 0x03
        assert self.decode(bytes(frame)) == "function_code"

    def test_a_byte_count_other_than_2n_is_refused(self) -> None:
        frame = bytearray(hand_built_reply())
        frame[8] = 0x68
        assert self.decode(bytes(frame)) == "byte_count"
        assert self.decode(frames.read_reply(0x0999, 1, [0] * 52)) == "byte_count"

    def test_a_short_frame_is_refused(self) -> None:
        assert self.decode(b"\x09\x99\x00") == "frame"

    def test_the_completeness_predicate_waits_for_the_announced_length(self) -> None:
        frame = hand_built_reply()
        assert not frames.reply_complete(frame[:5])
        assert not frames.reply_complete(frame[:100])
        assert frames.reply_complete(frame)


float32s = st.floats(width=32, allow_nan=False)
u16 = st.integers(0, 0xFFFF)
u8 = st.integers(0, 0xFF)


tenths = st.integers(-32768, 32767).map(lambda k: k / 10)
u32 = st.integers(0, 2**32 - 1)
cpa3_blocks = st.builds(
    codec.Cpa3Block,
    software_patch=u8,
    coolant_in_temperature=tenths,
    coolant_out_temperature=tenths,
    oil_temperature=tenths,
    helium_temperature=tenths,
    low_pressure=tenths,
    low_pressure_average=tenths,
    high_pressure=tenths,
    high_pressure_average=tenths,
    delta_pressure_average=tenths,
    motor_current=tenths,
    operating_hours=u32.map(lambda k: k / 10),
    warnings=u32,
    alarms=u32,
)
statuses = st.builds(
    codec.CompressorStatus,
    operating_state=u16,
    compressor_running=st.booleans(),
    warnings=st.integers(0, 2**24),
    alarms=st.integers(0, 2**24),  # exact in a float32
    coolant_in_temperature=float32s,
    coolant_out_temperature=float32s,
    oil_temperature=float32s,
    helium_temperature=float32s,
    low_pressure=float32s,
    low_pressure_average=float32s,
    high_pressure=float32s,
    high_pressure_average=float32s,
    delta_pressure_average=float32s,
    motor_current=float32s,
    operating_hours=float32s,
    pressure_scale=u8,
    temperature_scale=u8,
    panel_serial=u16,
    model_major=u8,
    model_minor=u8,
    software_major=u8,
    software_minor=u8,
    cpa3=st.none() | cpa3_blocks,
)


def as_float32(value: float) -> bytes:
    return struct.pack(">f", value)


class TestProperties:
    @given(statuses, u16, u8)
    def test_encode_then_decode_gives_the_status_back(
        self, status: codec.CompressorStatus, tid: int, unit: int
    ) -> None:
        registers = codec.encode_registers(status)
        frame = frames.read_reply(tid, unit, registers)
        decoded = codec.decode_reply(frame, tid, len(registers))
        for field in fields(status):
            got, want = getattr(decoded, field.name), getattr(status, field.name)
            if isinstance(want, float):
                assert as_float32(got) == as_float32(want), field.name
            else:
                assert got == want, field.name

    @given(st.lists(u16, min_size=53, max_size=53) | st.lists(u16, min_size=55, max_size=55))
    def test_any_register_block_decodes_or_is_refused(self, registers: list[int]) -> None:
        try:
            status = codec.decode_registers(registers)
        except DeviceProtocolError:
            return
        assert [m.label for m in codec.measurements(status)] == [m.label for m in codec.measurements(REST)]

    @given(st.binary(max_size=300), u16)
    def test_any_bytes_decode_or_raise_a_protocol_error(self, frame: bytes, tid: int) -> None:
        for count in (53, 55):
            try:
                codec.decode_reply(frame, tid, count)
            except DeviceProtocolError:
                pass

    @given(statuses, u16, st.integers(0, 114), st.integers(0, 255))
    def test_a_corrupted_reply_decodes_or_raises_a_protocol_error(
        self, status: codec.CompressorStatus, tid: int, position: int, byte: int
    ) -> None:
        frame = bytearray(frames.read_reply(tid, 1, codec.encode_registers(status)))
        frame[position % len(frame)] = byte
        try:
            codec.decode_reply(bytes(frame), tid, 55 if status.cpa3 else 53)
        except DeviceProtocolError:
            pass
