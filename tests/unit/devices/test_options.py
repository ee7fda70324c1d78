"""The shared address and option rules of the device readers: host[:port], port, timeout, unknown options."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ricochetdb.adapters.devices import cryoconcept, cryomech, cryomech_json, imacrt, multicomp, scale, tti
from ricochetdb.adapters.devices.options import check_known, endpoint, port, split_address, timeout
from ricochetdb.domain.errors import ValidationError

anything = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.binary(max_size=4)


class TestSplitAddress:
    @pytest.mark.parametrize(
        ("address", "split"),
        [
            ("10.0.0.2", ("10.0.0.2", None)),
            ("host:80", ("host", 80)),
            (" h ", ("h", None)),
            ("h :65535", ("h", 65535)),
            ("fe80::1", ("fe80::1", None)),
            ("[::1]:8080", ("[::1]", 8080)),
        ],
    )
    def test_addresses(self, address: str, split: tuple[str, int | None]) -> None:
        assert split_address(address, "x") == split

    @pytest.mark.parametrize(
        "address",
        ["", " ", ":80", "host:", "host:0", "host:99999", "host:http", "host:-1", "host: 80", "h:²", None, 80],
    )
    def test_bad_addresses(self, address: Any) -> None:
        with pytest.raises(ValidationError, match="address") as caught:
            split_address(address, "x")
        assert (caught.value.record, caught.value.field) == ("x", "address")
        assert caught.value.reason == f"expected 'host' or 'host:port' with port 1..65535, not {address!r}"

    @given(anything)
    def test_any_address_splits_or_is_refused(self, address: Any) -> None:
        try:
            host, number = split_address(address, "x")
        except ValidationError as error:
            assert error.field == "address"
        else:
            assert host and host == host.strip()
            assert number is None or 1 <= number <= 65535


class TestPort:
    @pytest.mark.parametrize(("value", "expected"), [(1, 1), (65535, 65535), ("12000", 12000), ("0080", 80)])
    def test_ints_and_digit_strings(self, value: Any, expected: int) -> None:
        assert port(value, "x") == expected

    @pytest.mark.parametrize("value", [0, 65536, -1, True, False, 80.0, "80.0", " 80", "", "x", "١٢", None, [80]])
    def test_refused(self, value: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            port(value, "x")
        assert (caught.value.record, caught.value.field) == ("x", "port")
        assert caught.value.reason == f"must be a whole number 1..65535, not {value!r}"

    def test_field_and_minimum(self) -> None:
        assert port(0, "x", "local_port", minimum=0) == 0
        assert port("12000", "x", "reply_port") == 12000
        with pytest.raises(ValidationError) as caught:
            port(True, "x", "reply_port", minimum=0)
        assert (caught.value.field, caught.value.reason) == ("reply_port", "must be a whole number 0..65535, not True")

    @given(anything, st.sampled_from([0, 1]))
    def test_any_value_parses_or_is_refused(self, value: Any, minimum: int) -> None:
        try:
            number = port(value, "x", "p", minimum)
        except ValidationError as error:
            assert (error.record, error.field) == ("x", "p")
        else:
            assert type(number) is int and minimum <= number <= 65535 and number == int(value)


class TestTimeout:
    @pytest.mark.parametrize(("value", "expected"), [(1, 1.0), (0.5, 0.5), (3599.9, 3599.9)])
    def test_seconds(self, value: Any, expected: float) -> None:
        assert timeout(value, "x") == expected

    @pytest.mark.parametrize("value", [0, -1, 3600, math.inf, math.nan, True, "2", None])
    def test_refused(self, value: Any) -> None:
        with pytest.raises(ValidationError) as caught:
            timeout(value, "x")
        assert (caught.value.record, caught.value.field) == ("x", "timeout")
        assert caught.value.reason == f"must be a number of seconds in (0, 3600), not {value!r}"

    @given(anything)
    def test_any_value_parses_or_is_refused(self, value: Any) -> None:
        try:
            seconds = timeout(value, "x")
        except ValidationError as error:
            assert error.field == "timeout"
        else:
            assert type(seconds) is float and 0 < seconds < 3600


class TestCheckKnown:
    def test_a_copy_of_known_options(self) -> None:
        options = {"port": 1}
        copy = check_known(options, ("port",), "x")
        assert copy == {"port": 1} and copy is not options

    def test_an_unknown_option_is_named(self) -> None:
        with pytest.raises(ValidationError, match=r"^x: baud: unknown option$") as caught:
            check_known({"port": 1, "baud": 9600}, ("port", "timeout"), "x")
        assert caught.value.field == "baud"


class TestEndpoint:
    @pytest.mark.parametrize(
        ("address", "options", "default", "expected"),
        [
            ("h", {}, 502, ("h", 502)),
            ("h", {}, None, ("h", None)),
            ("h:1", {}, 502, ("h", 1)),
            ("h", {"port": 2}, 502, ("h", 2)),
            ("h", {"port": "2"}, None, ("h", 2)),
            ("h:2", {"port": 2}, 502, ("h", 2)),
            ("h:2", {"port": "2"}, 502, ("h", 2)),
        ],
    )
    def test_the_port_comes_from_the_address_the_option_or_the_default(
        self, address: str, options: Mapping[str, Any], default: int | None, expected: tuple[str, int | None]
    ) -> None:
        assert endpoint(address, options, default, "x") == expected

    def test_a_contradicting_port_option_is_refused(self) -> None:
        with pytest.raises(ValidationError) as caught:
            endpoint("h:1", {"port": 2}, 502, "x")
        assert (caught.value.field, caught.value.reason) == ("port", "option port=2 contradicts the address port 1")

    @pytest.mark.parametrize(("options", "field"), [({"port": None}, "port"), ({"port": True}, "port")])
    def test_a_bad_port_option_is_refused_even_with_a_default(self, options: dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationError) as caught:
            endpoint("h", options, 502, "x")
        assert caught.value.field == field

    @given(st.text(max_size=12), anything)
    def test_any_address_and_port_parse_or_are_refused(self, address: str, value: Any) -> None:
        try:
            host, number = endpoint(address, {"port": value}, 502, "x")
        except ValidationError as error:
            assert error.field in ("address", "port")
        else:
            assert host and number == int(value)


Build = Callable[[str, str, Mapping[str, Any]], Any]
BUILDERS: list[tuple[str, Build, dict[str, Any]]] = [
    ("JSON-SCALE", scale.build, {}),
    ("CPX200", tti.build, {}),
    ("MP710508", multicomp.build, {}),
    ("CMCPA", cryomech.build, {}),
    ("JSON-CMCPA", cryomech_json.build, {}),
    ("MMR3", imacrt.build, {"mode": "direct"}),
    ("CRYO", cryoconcept.build, {}),
]


@pytest.mark.parametrize(("device_type", "build", "extra"), BUILDERS, ids=[b[0] for b in BUILDERS])
class TestEveryReaderUsesTheSameRules:
    @pytest.mark.parametrize(
        ("address", "options", "field"),
        [
            ("10.0.0.2", {"baud": 9600}, "baud"),
            ("10.0.0.2:1", {"port": 2}, "port"),
            ("10.0.0.2:x", {}, "address"),
            (":80", {}, "address"),
            ("10.0.0.2", {"port": True}, "port"),
            ("10.0.0.2", {"port": 0}, "port"),
            ("10.0.0.2", {"port": None}, "port"),
            ("10.0.0.2", {"timeout": 0}, "timeout"),
            ("10.0.0.2", {"timeout": 3600}, "timeout"),
            ("10.0.0.2", {"timeout": "1"}, "timeout"),
        ],
    )
    def test_bad_input_is_refused_by_record_and_field(
        self, device_type: str, build: Build, extra: dict[str, Any], address: str, options: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            build(device_type, address, extra | options)
        assert (caught.value.record, caught.value.field) == (f"{device_type} {address}", field)

    @pytest.mark.parametrize(
        ("address", "options"),
        [
            ("10.0.0.2:8080", {"timeout": 0.5}),
            ("10.0.0.2:8080", {"port": 8080, "timeout": 0.5}),
            ("10.0.0.2", {"port": "8080", "timeout": 0.5}),
        ],
    )
    def test_good_input_is_accepted(
        self, device_type: str, build: Build, extra: dict[str, Any], address: str, options: dict[str, Any]
    ) -> None:
        reader = build(device_type, address, extra | options)
        try:
            transport = reader.transport
            where = (transport.host, transport.port) if hasattr(transport, "port") else transport.base_url
            assert where in (("10.0.0.2", 8080), "http://10.0.0.2:8080")
            assert transport.timeout == 0.5
        finally:
            reader.close()
