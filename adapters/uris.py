"""Database URIs: which backend they name, and how to print them without their password.

Hiding a password must work on any URI, including those a driver refuses: a password may hold
unencoded ``/``, ``@``, ``:``, ``?``, ``#`` or spaces. So the credentials of a URI are taken to
run from after ``scheme://`` to its *last* ``@``: the user name is what comes before the first
``:``, everything else up to that ``@`` is hidden. That hides too much when a query option
holds an ``@`` (the host is hidden too), never too little. Every function here runs in time
linear in its input (no backtracking regular expression), whatever the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus, urlsplit

from ricochetdb.domain.errors import StoreConfigurationError

HIDDEN = "***"
SCHEME_SEPARATOR = "://"
# Query options whose value is a secret (compared in lower case).
MAX_READINGS = 64
SECRET_OPTIONS = ("tlscertificatekeyfilepassword=", "authmechanismproperties=", "password=", "pwd=")
LOCAL_SCHEMES = ("sqlite", "file")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,30}://")
_SPACE = re.compile(r"\s")
_OPTION_VALUE_END = re.compile(r"[&;\s]")
_RESERVED = re.compile(r"[:/?#\[\]@!$&'()*+,;=%\s]+")


def _no_credentials(text: str, start: int) -> bool:
    """Whether the URI whose ``://`` ends at ``start`` is a local file (``sqlite:///``, ``file:///``)."""
    separator = start - len(SCHEME_SEPARATOR)
    if separator < 0 or not text.startswith("/", start):
        return False
    return text[max(0, separator - 8) : separator].lower().endswith(LOCAL_SCHEMES)


def _hide_credentials(text: str, start: int, end: int) -> tuple[str, int] | None:
    """The credentials from ``start`` hidden, if the last ``@`` before ``end`` closes them.

    Returns the replacement of ``text[start:at + 1]`` and ``at + 1``, or None when there is nothing to hide.
    """
    at = text.rfind("@", start, end)
    if at == -1:
        return None
    colon = text.find(":", start, at)
    if colon == -1 or text[colon + 1 : at] == HIDDEN:
        return text[start : at + 1], at + 1
    return f"{text[start:colon]}:{HIDDEN}@", at + 1


def _hide_options(text: str) -> str:
    """The values of secret query options (``tlsCertificateKeyFilePassword=...``) replaced by ``***``."""
    lower = text.lower()
    following = {name: lower.find(name) for name in SECRET_OPTIONS}
    parts: list[str] = []
    position = 0
    while True:
        for name, index in following.items():
            if -1 < index < position:
                following[name] = lower.find(name, position)
        found = [(index, name) for name, index in following.items() if index != -1]
        if not found:
            break
        index, name = min(found)
        value_start = index + len(name)
        end = _OPTION_VALUE_END.search(text, value_start)
        parts.append(text[position:value_start] + HIDDEN)
        position = len(text) if end is None else end.start()
    parts.append(text[position:])
    return "".join(parts)


def redact_uri(uri: str) -> str:
    """``uri`` (the whole text is one URI) with its password and secret options replaced by ``***``.

    Without ``scheme://`` the whole text is read as ``user:password@host...``.
    """
    separator = uri.find(SCHEME_SEPARATOR)
    start = 0 if separator == -1 else separator + len(SCHEME_SEPARATOR)
    hidden = None if _no_credentials(uri, start) else _hide_credentials(uri, start, len(uri))
    if hidden is None:
        return _hide_options(uri)
    credentials, rest = hidden
    return uri[:start] + credentials + _hide_options(uri[rest:])  # a user name holding 'password=' stays whole


def redact(text: str) -> str:
    """Replace the password of every URI in ``text`` by ``***`` (linear time, any input).

    A text that starts with a URI is taken whole as that URI (:func:`redact_uri`); in any other
    text a URI ends at the first whitespace.
    """
    if _SCHEME.match(text.lstrip()) is not None:
        return redact_uri(text)
    parts: list[str] = []
    emitted = search = 0
    token_end = -1
    while (found := text.find(SCHEME_SEPARATOR, search)) != -1:
        start = search = found + len(SCHEME_SEPARATOR)
        if token_end < start:
            space = _SPACE.search(text, start)
            token_end = len(text) if space is None else space.start()
        if _no_credentials(text, start):
            continue
        hidden = _hide_credentials(text, start, token_end)
        if hidden is None:
            search = token_end
            continue
        parts += [text[emitted:start], hidden[0]]
        emitted = search = hidden[1]
    parts.append(text[emitted:])
    return _hide_options("".join(parts))


def uri_secrets(uri: str) -> set[str]:
    """Every text that may be the password of ``uri``, as written and decoded, under each reading of it.

    The credentials may end at any ``@`` (an unencoded ``@`` or ``/`` in the password, an ``@`` in an
    option): every reading is kept (the first 64 ``@``), so an error text is scrubbed of all of them.
    """
    before, separator, after = uri.partition(SCHEME_SEPARATOR)
    rest = after if separator else before
    ats = [index for index, char in enumerate(rest[:4096]) if char == "@"][:MAX_READINGS]
    readings = {rest[:index] for index in ats}
    secrets: set[str] = set()
    for userinfo in readings:
        password = userinfo.partition(":")[2]
        secrets |= {password, unquote_plus(password), unquote(password)}
    lowered = uri.lower()
    for name in SECRET_OPTIONS:
        index = lowered.find(name)
        if index != -1:
            value = uri[index + len(name) :]
            end = _OPTION_VALUE_END.search(value)
            secrets.add(value if end is None else value[: end.start()])
    return {secret for secret in secrets if secret and secret != HIDDEN}


def quotes_secret(text: str, secrets: set[str]) -> bool:
    """Whether ``text`` holds one of ``secrets``, or a piece of one (between reserved characters) of 3+ characters."""
    for secret in secrets:
        if secret in text or any(len(piece) > 2 and piece in text for piece in _RESERVED.split(secret)):
            return True
    return False


@dataclass(frozen=True)
class StoreUri:
    """A parsed store location: ``kind`` is sqlite, mongo or memory."""

    kind: str
    uri: str
    path: str = ""

    def __repr__(self) -> str:
        return f"StoreUri(kind={self.kind!r}, uri={redact_uri(self.uri)!r})"


def parse_store_uri(uri: str) -> StoreUri:
    """``sqlite:///relative.db``, ``sqlite:////abs/path.db``, ``sqlite://`` (memory), ``mongodb://...``."""
    if not isinstance(uri, str) or not uri:
        raise StoreConfigurationError("database URI", "", "is empty")
    scheme = uri.split("://", 1)[0].lower() if "://" in uri else ""
    if scheme == "sqlite":
        path = unquote(urlsplit(uri).path)
        path = path[1:] if path.startswith("/") else path
        return StoreUri("sqlite", uri, path or ":memory:")
    if scheme in ("mongodb", "mongodb+srv"):
        return StoreUri("mongo", uri)
    if scheme == "memory":
        return StoreUri("memory", uri)
    raise StoreConfigurationError(
        "database URI", redact_uri(uri), "use sqlite:///path.sqlite, mongodb://host:27017/db or memory://"
    )
