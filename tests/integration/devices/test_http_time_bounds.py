"""Every HTTP device read ends at its timeout or at the body cap, whatever the device does (issue 10).

Each test runs the read in a thread and waits for it on an event: before the fix these reads did
not end (pytest-timeout is the backstop), and the hostile server on 127.0.0.1 says whether the
client hung up on it. No duration is asserted.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hostile_http import Behaviour, HostileHttpServer, stream, trickle

from ricochetdb.adapters.devices.registry import build_reader
from ricochetdb.domain.errors import DeviceError, DeviceProtocolError, DeviceTimeout
from ricochetdb.domain.polls import DeviceReply

TIMEOUT = 0.3
ENDS = 30.0  # generous: the read ends after about TIMEOUT; without a bound it never ends
OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
HTTP_DEVICES: list[tuple[str, dict[str, Any]]] = [
    ("JSON-SCALE", {}),
    ("JSON-CMCPA", {}),
    ("JSON-CRYO", {}),
    ("CRYO", {}),
    ("MMR3", {"mode": "http"}),
]

pytestmark = pytest.mark.timeout(120)


@dataclass
class Outcome:
    """What one read in a thread gave: its reply or its error, once ``done`` is set."""

    done: threading.Event
    reply: DeviceReply | None = None
    error: BaseException | None = None


def read_in_thread(read: Callable[[], DeviceReply]) -> Outcome:
    outcome = Outcome(threading.Event())

    def run() -> None:
        try:
            outcome.reply = read()
        except BaseException as error:  # kept for the assertion
            outcome.error = error
        finally:
            outcome.done.set()

    threading.Thread(target=run, name="bounded-read", daemon=True).start()
    return outcome


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileHttpServer]:
    behaviour: Behaviour = request.param
    with HostileHttpServer(behaviour).running() as server:
        yield server


def read_once(server: HostileHttpServer, device_type: str = "JSON-SCALE", **options: Any) -> Outcome:
    reader = build_reader(device_type, f"127.0.0.1:{server.port}", {"timeout": TIMEOUT, **options})
    outcome = read_in_thread(reader.read)
    assert outcome.done.wait(ENDS), "the read is still running: it has no time bound"
    reader.close()
    return outcome


TRICKLED_BODY = trickle(OK_HEAD + b"Content-Length: 1000\r\n\r\n", b'{"weight": 1.0, "unit": "kg"')
TRICKLED_HEAD = trickle(OK_HEAD + b"X-Padding: " + b"a" * 4000 + b"\r\n\r\n")


class TestTrickle:
    @pytest.mark.parametrize("hostile", [TRICKLED_BODY], indirect=True, ids=["body"])
    @pytest.mark.parametrize(("device_type", "options"), HTTP_DEVICES, ids=[d for d, _ in HTTP_DEVICES])
    def test_a_body_trickled_byte_by_byte_is_cut_at_the_timeout(
        self, hostile: HostileHttpServer, device_type: str, options: dict[str, Any]
    ) -> None:
        outcome = read_once(hostile, device_type, **options)
        assert isinstance(outcome.error, DeviceTimeout), outcome.error
        assert outcome.error.record == f"{device_type} 127.0.0.1:{hostile.port}"
        assert hostile.hung_up.wait(ENDS), "the client never closed the connection"

    @pytest.mark.parametrize("hostile", [TRICKLED_HEAD], indirect=True, ids=["headers"])
    def test_headers_trickled_byte_by_byte_are_cut_at_the_timeout(self, hostile: HostileHttpServer) -> None:
        outcome = read_once(hostile)
        assert isinstance(outcome.error, DeviceTimeout), outcome.error
        assert hostile.hung_up.wait(ENDS)


class TestBodies:
    @pytest.mark.parametrize(
        "hostile", [stream(OK_HEAD + b"Connection: close\r\n\r\n", None, 4096, 0.01)], indirect=True, ids=["endless"]
    )
    def test_a_body_that_never_ends_is_cut(self, hostile: HostileHttpServer) -> None:
        outcome = read_once(hostile)
        assert isinstance(outcome.error, DeviceTimeout | DeviceProtocolError), outcome.error
        assert hostile.hung_up.wait(ENDS)

    @pytest.mark.parametrize(
        "hostile", [stream(OK_HEAD + b"Content-Length: 100000000\r\n\r\n", 100_000_000)], indirect=True, ids=["100MB"]
    )
    def test_a_100_mb_body_is_refused_from_its_announced_length(self, hostile: HostileHttpServer) -> None:
        outcome = read_once(hostile, timeout=10.0)
        assert isinstance(outcome.error, DeviceProtocolError), outcome.error
        assert "above the cap" in outcome.error.reason
        assert hostile.hung_up.wait(ENDS), "the client read the whole body"
        assert not hostile.finished.is_set()

    @pytest.mark.parametrize(
        "hostile", [stream(OK_HEAD + b"Connection: close\r\n\r\n", 64 << 20)], indirect=True, ids=["64MB-unannounced"]
    )
    def test_a_body_past_the_cap_without_a_length_is_cut_at_the_cap(self, hostile: HostileHttpServer) -> None:
        outcome = read_once(hostile, timeout=10.0)  # time enough to read the cap on a loaded machine
        assert isinstance(outcome.error, DeviceProtocolError), outcome.error
        assert "past the cap" in outcome.error.reason
        assert hostile.hung_up.wait(ENDS), "the client read the whole body"
        assert not hostile.finished.is_set()


def test_a_device_answering_within_its_time_is_still_read_on_a_kept_alive_connection() -> None:
    body = b'{"weight": 2.5, "unit": "kg", "stable": true}'
    head = OK_HEAD + f"Content-Length: {len(body)}\r\n\r\n".encode()

    def answer_twice(connection: Any, stop: threading.Event) -> None:
        connection.sendall(head + body)
        request = b""
        while b"\r\n\r\n" not in request:  # the second GET comes on the same connection
            request += connection.recv(4096)
        connection.sendall(head + body)

    with HostileHttpServer(answer_twice).running() as server:
        reader = build_reader("JSON-SCALE", f"127.0.0.1:{server.port}", {"timeout": 5.0})
        try:
            values = [reader.read().measurements[0].value for _ in range(2)]
        finally:
            reader.close()
        assert values == [2.5, 2.5]
        assert server.finished.wait(ENDS)


def test_errors_are_device_errors() -> None:
    assert issubclass(DeviceTimeout, DeviceError) and issubclass(DeviceProtocolError, DeviceError)
