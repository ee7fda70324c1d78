"""Errors of the core; every refusal is a RuntimeError, as the original API promised."""

from __future__ import annotations

# Bounds of the parts of an error's text: a reason built from a 16 MB document or a driver's
# message quoting one must not become 16 MB of stderr.
RECORD_LIMIT = 300
FIELD_LIMIT = 300
REASON_LIMIT = 1000


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with a marker saying how much was cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [{len(text) - limit:,} more characters cut]"


class RicochetError(RuntimeError):
    """Base of every error ricochetdb raises on purpose.

    ``record`` names what was refused (a run, a file, a device) and ``field`` the
    part of it at fault, so a message read at 3 a.m. says where to look. Each part
    is clipped (see ``clip``) so that no error text carries a whole document.
    """

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record = clip(str(record), RECORD_LIMIT)
        self.field = clip(str(field), FIELD_LIMIT)
        self.reason = clip(str(reason), REASON_LIMIT)
        where = f"{self.record}: {self.field}" if self.field else self.record
        super().__init__(f"{where}: {self.reason}")


class ValidationError(RicochetError):
    """Input that breaks a rule: missing field, bad type, naive date, operator key."""


class RecordNotFound(RicochetError):
    """The named record does not exist in its collection."""


class DuplicateRecord(RicochetError):
    """A record with the same name already exists in the collection."""


class StateError(RicochetError):
    """A lifecycle rule refuses the change (started twice, stream still running...)."""


class ConcurrentUpdate(RicochetError):
    """Someone else changed the record between our read and our write."""


class StoreUnavailable(RicochetError):
    """The database cannot be reached: an outage, which the spool waits out."""


class StoreConfigurationError(RicochetError):
    """The database answers but refuses us: login refused, no right, malformed URI, TLS failure.

    Not a StoreUnavailable: waiting does not fix it and nothing is spooled; an operator must.
    """


class DeviceError(RicochetError):
    """A device could not be read; the only kind of error a device adapter raises."""


class DeviceTimeout(DeviceError):
    """The device did not answer within its timeout."""


class DeviceUnreachable(DeviceError):
    """The device refused the connection or the network is down."""


class DeviceProtocolError(DeviceError):
    """The device answered something the protocol does not allow."""


class DamagedFile(RicochetError):
    """A local file (the spool, a SQLite database) is not a readable database any more."""


class SpoolMismatch(RicochetError):
    """The spool holds items meant for another database than the one configured now."""


class StoreRefused(RicochetError):
    """The database refused these items for a rule of its own (a collection validator, say): waiting won't help."""
