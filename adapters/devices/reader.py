"""The one skeleton every device reader follows: ask through the injected transport, decode, name each failure.

A reader is built ``Reader(device_type, address, transport, ...)``: the ``build`` function of its
device module makes the transport from the configured options and injects it, the same way for
all nine device types. ``read`` then runs the same three steps for every device::

    raw   = ask()          transport errors (DeviceTimeout, DeviceUnreachable) pass through as they are
    reply = decode(raw)    pure: a bad field is a FieldError in the reply, a bad frame an exception
    return checked(reply)  a reply without a single measurement fails the read, naming the first bad field

Whatever ``decode`` raises comes out as a ``DeviceProtocolError`` naming the device ("CPX200
10.0.0.7:9221") and the field; nothing is logged here: field errors travel in the reply, and the
poller reports them once per change.
"""

from __future__ import annotations

import abc
import logging
from typing import ClassVar, Generic, Protocol, TypeVar

from ricochetdb.domain.errors import DeviceProtocolError
from ricochetdb.domain.polls import DeviceReply

logger = logging.getLogger(__name__)

EXCERPT = 200


class Transport(Protocol):
    """What the skeleton needs of any transport: its name (errors say it) and ``close``."""

    name: str

    def close(self) -> None: ...


T = TypeVar("T", bound=Transport)
Raw = TypeVar("Raw")


class Reader(abc.ABC, Generic[T, Raw]):
    """One configured device: ``address`` is the configured string exactly as given.

    Subclasses supply ``ask`` (the round trips of one poll through ``self.transport``) and
    ``decode`` (pure). ``close_on_bad_reply`` is for stream transports, where the rest of a bad
    frame could shift the next poll: the connection is dropped and the next poll starts clean.
    """

    close_on_bad_reply: ClassVar[bool] = False

    def __init__(self, device_type: str, address: str, transport: T) -> None:
        self.device_type = device_type
        self.address = address
        self.transport = transport

    @property
    def name(self) -> str:
        """``"<TYPE> <address>"``: how errors name this device."""
        return f"{self.device_type} {self.address}"

    @abc.abstractmethod
    def ask(self) -> Raw:
        """The raw answer of one poll; transport failures raise their DeviceError."""

    @abc.abstractmethod
    def decode(self, raw: Raw) -> DeviceReply:
        """The reply held by ``raw``; raise DeviceProtocolError (any record) when it is not one."""

    def read(self) -> DeviceReply:
        """One poll; raises only DeviceError subclasses naming this device."""
        raw = self.ask()
        try:
            reply = self.decode(raw)
        except DeviceProtocolError as error:
            self._bad_reply()
            raise DeviceProtocolError(self.name, error.field, error.reason) from None
        except Exception as error:  # a decoder bug must still surface as this device's error
            self._bad_reply()
            logger.debug("%s: unexpected decoding failure", self.name, exc_info=True)
            reason = f"{type(error).__name__}: {error}; reply {excerpt(raw)}"
            raise DeviceProtocolError(self.name, "", reason) from error
        return checked(self.name, reply)

    def _bad_reply(self) -> None:
        if self.close_on_bad_reply:
            self.transport.close()

    def close(self) -> None:
        """Release the transport; the next read reconnects."""
        self.transport.close()


def checked(record: str, reply: DeviceReply) -> DeviceReply:
    """The reply if it holds a measurement; else DeviceProtocolError naming the first bad field."""
    if reply.measurements:
        return reply
    if not reply.errors:
        raise DeviceProtocolError(record, "", "no measurement in the reply")
    first = reply.errors[0]
    count = f"all {len(reply.errors)} fields failed, first: " if len(reply.errors) > 1 else ""
    raise DeviceProtocolError(record, first.field, count + first.reason)


def excerpt(raw: object) -> str:
    """The start of a raw answer for an error message (bytes, or the replies of several round trips)."""
    text = repr(raw)
    return text if len(text) <= EXCERPT else text[:EXCERPT] + f"... ({len(text)} characters)"
