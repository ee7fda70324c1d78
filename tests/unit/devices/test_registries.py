"""The device registries agree: categories, reader builders, emulators, facade classes, docs; one device per module."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Any

import pytest

from ricochetdb.adapters.devices import registry
from ricochetdb.adapters.devices.reader import Reader
from ricochetdb.adapters.emulators.cryostat import EMULATORS
from ricochetdb.application.ports import DeviceReader
from ricochetdb.domain.devices import CATEGORY_OF
from ricochetdb.entrypoints.compat import devices as facade

TYPES = set(CATEGORY_OF)
ROOT = Path(__file__).resolve().parents[3]
# The original API (the seed facade) has no class for JSON-CRYO: its DataFetcher reads it.
WITHOUT_FACADE_CLASS = {"JSON-CRYO"}
# Options that build a reader without binding a socket (the iMACRT collector binds UDP 12000).
QUIET = {"MMR3": {"mode": "direct"}, "MGC3": {"mode": "http"}}
DEVICE_MODULES = {inspect.getmodule(build) for build in registry.BUILDERS.values()}


def facade_types() -> dict[str, type[Any]]:
    classes = inspect.getmembers(facade, inspect.isclass)
    return {cls.DEVICE_TYPE: cls for _name, cls in classes if issubclass(cls, facade.Device) and cls.DEVICE_TYPE}


class TestRegistriesAgree:
    def test_every_category_has_a_builder_and_every_builder_a_category(self) -> None:
        assert set(registry.BUILDERS) == TYPES

    def test_every_type_has_an_emulator_of_its_type(self) -> None:
        assert {kind.removesuffix("-HTTP") for kind in EMULATORS} == TYPES
        for kind, factory in EMULATORS.items():
            assert factory(port=0).device_type == kind.removesuffix("-HTTP"), kind

    def test_every_facade_class_reads_a_known_type_and_only_json_cryo_has_none(self) -> None:
        classes = facade_types()
        assert set(classes) == TYPES - WITHOUT_FACADE_CLASS
        assert all(classes[kind].PROTOCOLS for kind in classes)

    def test_every_type_is_documented(self) -> None:
        text = (ROOT / "docs" / "devices.md").read_text(encoding="utf-8")
        assert all(f"| `{kind}`" in text for kind in TYPES)


@pytest.mark.parametrize("device_type", sorted(TYPES))
class TestEveryReader:
    @pytest.mark.parametrize("address", ["10.0.0.7", "10.0.0.7:8123"])
    def test_keeps_the_address_exactly_as_configured(self, device_type: str, address: str) -> None:
        reader = registry.build_reader(device_type, address, QUIET.get(device_type, {}))
        try:
            assert reader.address == address  # CPX200, MP710508, JSON-SCALE stored "host:port" before
            assert reader.device_type == device_type
        finally:
            reader.close()

    def test_is_built_on_the_one_skeleton_with_its_transport_injected(self, device_type: str) -> None:
        reader = registry.build_reader(device_type, "10.0.0.7", QUIET.get(device_type, {}))
        try:
            assert isinstance(reader, Reader) and isinstance(reader, DeviceReader)
            assert reader.transport.name == f"{device_type} 10.0.0.7"  # errors name the device as configured
        finally:
            reader.close()


def imported_modules(module: Any) -> set[str]:
    tree = ast.parse(inspect.getsource(module))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("module", sorted(DEVICE_MODULES, key=lambda m: m.__name__), ids=lambda m: m.__name__)
def test_a_device_module_imports_no_other_device_module(module: Any) -> None:
    # before: cryoconcept imported imacrt, and cryoconcept_json imported cryoconcept and imacrt
    others = {other.__name__ for other in DEVICE_MODULES} - {module.__name__}
    assert imported_modules(module) & others == set()
