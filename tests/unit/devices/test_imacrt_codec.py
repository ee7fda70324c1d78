"""The iMACRT codec and UDP reader logic: index tables, port rule, commands, total reply parsing, build()."""

from __future__ import annotations

import ipaddress
import logging
import math
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices import imacrt
from ricochetdb.adapters.devices.http_transport import HttpTransport
from ricochetdb.adapters.devices.imacrt_codec import (
    Command,
    Parameter,
    decode,
    format_value,
    get_command,
    mgc3_index,
    mmr3_index,
    parse_command,
    parse_number,
    poll_parameters,
    port_for,
    set_command,
)
from ricochetdb.adapters.devices.transport import UdpTransport
from ricochetdb.domain.errors import DeviceProtocolError, DeviceTimeout, ValidationError
from ricochetdb.domain.readings import check_label

channels = st.integers(min_value=1, max_value=3)
loops = st.integers(min_value=0, max_value=2)


class TestIndexTables:
    @given(channels, st.integers(min_value=0, max_value=10))
    def test_mmr3_channels_have_a_stride_of_11_from_3(self, channel: int, offset: int) -> None:
        assert mmr3_index(channel, offset) == 3 + 11 * (channel - 1) + offset

    @given(loops, st.integers(min_value=0, max_value=11))
    def test_mgc3_loops_have_a_stride_of_12_from_1(self, loop: int, offset: int) -> None:
        assert mgc3_index(loop, offset) == 1 + 12 * loop + offset

    def test_the_tables_cover_the_documented_indices_once(self) -> None:
        mmr3 = [mmr3_index(c, o) for c in (1, 2, 3) for o in range(11)]
        mgc3 = [mgc3_index(p, o) for p in (0, 1, 2) for o in range(12)]
        assert sorted(mmr3) == list(range(3, 36))
        assert sorted(mgc3) == list(range(1, 37))

    def test_golden_indices_from_the_public_drivers(self) -> None:
        assert [mmr3_index(c, 0) for c in (1, 2, 3)] == [3, 14, 25]
        assert [mmr3_index(c, 2) for c in (1, 2, 3)] == [5, 16, 27]
        assert [mgc3_index(p, 1) for p in (0, 1, 2)] == [2, 14, 26]

    @pytest.mark.parametrize(("channel", "offset"), [(0, 0), (4, 0), (1, 11), (1, -1)])
    def test_out_of_table_positions_are_refused(self, channel: int, offset: int) -> None:
        with pytest.raises(ValueError):
            mmr3_index(channel, offset)

    @pytest.mark.parametrize(("model", "count"), [("MMR3", 15), ("MGC3", 18)])
    def test_a_poll_reads_distinct_parameters_under_valid_labels(self, model: str, count: int) -> None:
        parameters = poll_parameters(model)
        assert len(parameters) == count
        assert len({p.index for p in parameters}) == count
        assert len({p.label for p in parameters}) == count
        for parameter in parameters:
            assert check_label(parameter.label, model) == parameter.label

    def test_golden_parameters(self) -> None:
        assert Parameter("ch1_temperature", 5, "K") in poll_parameters("MMR3")
        assert Parameter("ch3_resistance", 25, "Ohm") in poll_parameters("MMR3")
        assert Parameter("pid1_setpoint", 14, "K") in poll_parameters("MGC3")
        assert Parameter("pid2_power", 33, "W") in poll_parameters("MGC3")


class TestPortRule:
    @given(st.ip_addresses(v=4))
    def test_the_port_is_12000_plus_the_last_octet(self, address: ipaddress.IPv4Address) -> None:
        assert port_for(str(address)) == 12000 + int(str(address).rsplit(".", 1)[1])

    def test_golden_ports(self) -> None:
        assert port_for("192.168.2.213") == 12213
        assert port_for("127.0.0.1") == 12001

    @pytest.mark.parametrize("host", ["localhost", "::1", "192.168.2"])
    def test_the_rule_needs_an_ipv4_address(self, host: str) -> None:
        with pytest.raises(ValidationError, match="port"):
            port_for(host)


class TestCommands:
    def test_golden_commands(self) -> None:
        assert get_command("MMR3", 5) == b"MMR3GET 5\n"
        assert set_command("MGC3", 2, 0.1) == b"MGC3SET 2 0.1\n"

    @given(st.sampled_from(["MMR3", "MGC3"]), st.integers(min_value=0, max_value=45), st.floats(allow_nan=False))
    def test_commands_round_trip(self, model: str, index: int, value: float) -> None:
        assert parse_command(get_command(model, index)) == Command(model, "GET", index)
        assert parse_command(set_command(model, index, value)) == Command(model, "SET", index, str(value))

    @pytest.mark.parametrize("request_", [b"MMR3GET 5", b"MMR3GET 5\r\n", b"mmr3get 5\n", b"  MMR3GET  5 "])
    def test_terminators_and_case_are_tolerated(self, request_: bytes) -> None:
        assert parse_command(request_) == Command("MMR3", "GET", 5)

    @pytest.mark.parametrize("request_", [b"*IDN?", b"*IDN\n"])
    def test_identification(self, request_: bytes) -> None:
        assert parse_command(request_) == Command("", "IDN")

    @given(st.binary(max_size=300))
    def test_any_request_parses_or_is_ignored(self, request_: bytes) -> None:
        command = parse_command(request_)
        assert command is None or command.verb in ("GET", "SET", "IDN")


class TestReplies:
    @pytest.mark.parametrize(
        ("reply", "value"),
        [(b"4.012345E+00\r\n", 4.012345), (b" 1e-05 ", 1e-05), (b"12\n", 12.0), (b"-0.5", -0.5)],
    )
    def test_golden_replies(self, reply: bytes, value: float) -> None:
        assert parse_number(reply) == value

    def test_nan_is_a_number_the_store_turns_into_null(self) -> None:
        assert math.isnan(parse_number(b"nan\r\n"))

    @given(st.binary(max_size=64))
    def test_any_reply_parses_or_raises_a_protocol_error(self, reply: bytes) -> None:
        try:
            assert isinstance(parse_number(reply), float)
        except DeviceProtocolError as error:
            assert repr(reply[:64]) in error.reason

    @given(st.floats(allow_nan=False, allow_infinity=False))
    def test_the_emulator_format_round_trips(self, value: float) -> None:
        assert parse_number(format_value(value)) == pytest.approx(value, rel=1e-6)

    def test_a_bad_reply_names_the_parameter_and_the_bytes(self) -> None:
        with pytest.raises(DeviceProtocolError) as caught:
            decode(Parameter("ch1_temperature", 5, "K"), b"ERR\xff", "MMR3 10.0.0.2", "MMR3")
        assert caught.value.record == "MMR3 10.0.0.2"
        assert caught.value.field == "MMR3GET 5"
        assert "ERR" in caught.value.reason

    def test_codes_are_ints_and_measurements_floats(self) -> None:
        status = decode(Parameter("ch1_status", 6, "", integer=True), b"0.000000E+00\r\n", "MMR3 x", "MMR3")
        r = decode(Parameter("ch1_resistance", 3, "Ohm"), b"2000\r\n", "MMR3 x", "MMR3")
        assert (status.value, type(status.value)) == (0, int)
        assert (r.value, type(r.value), r.unit) == (2000.0, float, "Ohm")


class ScriptedDatagrams:
    """Answers each request with the next scripted reply; an exception in the script is raised."""

    def __init__(self, replies: Sequence[bytes | Exception]) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.closed = False

    def exchange(self, request: bytes, reply: bool = True) -> bytes:
        self.requests.append(request)
        answer = self.replies.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def drain(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


class TestUdpReader:
    def test_a_poll_asks_each_parameter_once_in_table_order(self) -> None:
        transport = ScriptedDatagrams([b"1\r\n"] * 18)
        reader = imacrt.ImacrtUdpReader("MGC3", "10.0.0.4", transport)
        reply = reader.read()
        assert [m.label for m in reply.measurements] == [p.label for p in poll_parameters("MGC3")]
        assert reply.errors == [] and reply.source_time is None
        assert transport.requests[:3] == [b"MGC3GET 1\n", b"MGC3GET 2\n", b"MGC3GET 3\n"]

    def test_one_bad_field_is_a_field_error_of_the_reply_and_the_others_are_kept(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        transport = ScriptedDatagrams([b"1\r\n", b"OVERFLOW\r\n"] + [b"2\r\n"] * 13)
        reader = imacrt.ImacrtUdpReader("MMR3", "10.0.0.2", transport)
        with caplog.at_level(logging.DEBUG):
            reply = reader.read()
        assert len(reply.measurements) == 14
        assert "ch1_range" not in {m.label for m in reply.measurements}
        assert [e.field for e in reply.errors] == ["ch1_range"]
        assert "MMR3GET 4" in reply.errors[0].reason and "OVERFLOW" in reply.errors[0].reason
        assert caplog.records == []  # reported in the reply, not logged every cycle (15 warnings a cycle before)

    def test_when_every_field_is_bad_the_read_fails(self) -> None:
        reader = imacrt.ImacrtUdpReader("MMR3", "10.0.0.2", ScriptedDatagrams([b"?"] * 15))
        with pytest.raises(DeviceProtocolError, match="all 15 fields failed") as caught:
            reader.read()
        assert (caught.value.record, caught.value.field) == ("MMR3 10.0.0.2", "ch1_resistance")

    def test_a_timeout_fails_the_whole_read_at_once(self) -> None:
        transport = ScriptedDatagrams([b"1", DeviceTimeout("MMR3 10.0.0.2", "", "no reply")])
        with pytest.raises(DeviceTimeout):
            imacrt.ImacrtUdpReader("MMR3", "10.0.0.2", transport).read()
        assert len(transport.requests) == 2

    def test_close_closes_the_transport_and_runs_the_hook_once(self) -> None:
        calls: list[int] = []
        transport = ScriptedDatagrams([])
        reader = imacrt.ImacrtUdpReader("MMR3", "10.0.0.2", transport, lambda: calls.append(1))
        reader.close()
        reader.close()
        assert transport.closed and calls == [1]


class TestBuild:
    def test_an_unknown_option_is_named(self) -> None:
        with pytest.raises(ValidationError) as caught:
            imacrt.build("MMR3", "10.0.0.2", {"baud": 9600})
        assert (caught.value.record, caught.value.field) == ("MMR3 10.0.0.2", "baud")

    def test_an_unknown_model_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="device_type"):
            imacrt.build("MMR4", "10.0.0.2", {})

    def test_direct_mode_uses_the_port_rule(self) -> None:
        reader = imacrt.build("MMR3", "192.168.2.213", {"mode": "direct", "timeout": 0.5})
        assert isinstance(reader, imacrt.ImacrtUdpReader)
        assert isinstance(reader.transport, UdpTransport)
        assert (reader.transport.host, reader.transport.port, reader.transport.local_port) == (
            "192.168.2.213",
            12213,
            0,
        )
        assert reader.transport.timeout == 0.5
        assert reader.transport.name == "MMR3 192.168.2.213"

    def test_direct_mode_can_bind_the_reply_port(self) -> None:
        reader = imacrt.build("MGC3", "10.0.0.9:13000", {"path": "udp", "mode": "direct", "reply_port": 12000})
        assert isinstance(reader.transport, UdpTransport)
        assert (reader.transport.port, reader.transport.local_port) == (13000, 12000)

    def test_a_web_path_means_http(self) -> None:
        reader = imacrt.build("MMR3", "10.0.0.2", {"path": "/www/device.htm", "port": 8080})
        assert isinstance(reader, imacrt.ImacrtHttpReader)
        assert isinstance(reader.transport, HttpTransport)
        assert (reader.transport.base_url, reader.path) == ("http://10.0.0.2:8080", "/www/device.htm")

    def test_http_mode_defaults_to_the_device_page(self) -> None:
        reader = imacrt.build("MGC3", "10.0.0.2", {"mode": "http"})
        assert isinstance(reader, imacrt.ImacrtHttpReader)
        assert reader.path == "/www/device.htm"

    @pytest.mark.parametrize(
        ("options", "field"),
        [
            ({"mode": "http", "path": "udp"}, "path"),
            ({"mode": "direct", "path": "/www/device.htm"}, "path"),
            ({"mode": "serial"}, "mode"),
            ({"timeout": 0}, "timeout"),
            ({"timeout": "2"}, "timeout"),
            ({"mode": "direct", "reply_port": "12000x"}, "reply_port"),
            ({"port": 70000, "mode": "direct"}, "port"),
        ],
    )
    def test_bad_option_values_are_named(self, options: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as caught:
            imacrt.build("MMR3", "10.0.0.2", options)
        assert caught.value.field == field

    def test_the_address_port_and_the_port_option_must_agree(self) -> None:
        with pytest.raises(ValidationError, match="contradicts"):
            imacrt.build("MMR3", "10.0.0.2:12002", {"port": 12003, "mode": "direct"})
