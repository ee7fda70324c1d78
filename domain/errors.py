"""Errors of the core; every refusal is a RuntimeError, as the original API promised."""

from __future__ import annotations


class RicochetError(RuntimeError):
    """Base of every error ricochetdb raises on purpose.

    ``record`` names what was refused (a run, a file, a device) and ``field`` the
    part of it at fault, so a message read at 3 a.m. says where to look.
    """

    def __init__(self, record: str, field: str, reason: str) -> None:
        self.record = record
        self.field = field
        self.reason = reason
        where = f"{record}: {field}" if field else record
        super().__init__(f"{where}: {reason}")


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
    """The database cannot be reached or refused the operation."""


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
