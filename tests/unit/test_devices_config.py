"""The device configuration file: device names and identities, and the refusals made when it is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.devices_config import dump_config, load_config, parse_config

ORIGIN = "device configuration lab.toml"


def devices(*entries: dict[str, object]) -> dict[str, object]:
    return {"devices": list(entries)}


class TestIdentity:
    def test_the_identity_is_the_name_else_type_at_address_as_configured(self, tmp_path: Path) -> None:
        config = parse_config(
            devices(
                {"type": "mmr3", "address": "192.168.0.31", "name": "fridge-bridge-a"},
                {"type": "CMCPA", "address": "Compressor.lab:502"},
            ),
            ORIGIN,
        )
        assert [d.identity for d in config.devices] == ["fridge-bridge-a", "CMCPA@Compressor.lab:502"]
        path = tmp_path / "devices.toml"
        path.write_text(dump_config(config))
        assert load_config(str(path)) == config


class TestRefusedWhenLoaded:
    @pytest.mark.parametrize(
        ("data", "where", "message"),
        [
            ({"devices": []}, f"{ORIGIN}: devices", "no device configured"),
            ({}, f"{ORIGIN}: devices", "no device configured"),
            (devices({"type": "MMR3", "address": "a b"}), f"{ORIGIN} devices[0]: address", "not an IP address"),
            (devices({"type": "MMR3", "address": "host:99999"}), f"{ORIGIN} devices[0]: address", "port 1..65535"),
            (devices({"type": "MMR3", "address": "-bad-.lab"}), f"{ORIGIN} devices[0]: address", "host name"),
            (devices({"type": "MMR3", "address": ""}), f"{ORIGIN} devices[0]: address", "host"),
            (devices({"type": "TOASTER", "address": "a"}), f"{ORIGIN} devices[0]: type", "not one of"),
            (
                devices({"type": "MMR3", "address": "a", "collection": "system.x"}),
                f"{ORIGIN} devices[0]: collection",
                "not a valid collection name",
            ),
            (devices({"type": "MMR3", "address": "a", "name": "a@b"}), f"{ORIGIN} devices[0]: name", "no '@'"),
            (devices({"type": "MMR3", "address": "a", "name": ""}), f"{ORIGIN} devices[0]: name", "not a device"),
            (
                devices({"type": "MMR3", "address": "a", "name": "n"}, {"type": "CPX200", "address": "b", "name": "n"}),
                f"{ORIGIN} devices[1]: name",
                "already the identity of devices[0]",
            ),
            (
                devices({"type": "MMR3", "address": "Host", "name": "x"}, {"type": "mmr3", "address": "host"}),
                f"{ORIGIN} devices[1]: address",
                "already configured as devices[0]",
            ),
        ],
    )
    def test_each_mistake_names_the_file_the_device_and_the_field(self, data: dict, where: str, message: str) -> None:  # type: ignore[type-arg]
        with pytest.raises(ValidationError) as caught:
            parse_config(data, ORIGIN)
        assert str(caught.value).startswith(where) and message in str(caught.value)

    def test_the_same_address_for_two_device_types_is_fine(self) -> None:
        config = parse_config(devices({"type": "MMR3", "address": "h"}, {"type": "MGC3", "address": "h"}), ORIGIN)
        assert len(config.devices) == 2

    @pytest.mark.parametrize("address", ["192.168.0.31", "10.0.0.5:502", "[::1]:80", "::1", "cryo-1.lab.example"])
    def test_ip_addresses_and_host_names_are_accepted(self, address: str) -> None:
        assert parse_config(devices({"type": "MMR3", "address": address}), ORIGIN).devices[0].address == address
