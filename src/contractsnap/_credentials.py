"""Credentials: what the auth fixtures send, where credentials travel, and what is redacted.

Every credential the tool sends is a secret: it replaces generated values of the same
header, query parameter or cookie, is never stored, and is redacted wherever the app
echoes it back, in the forms an app may echo it in.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from . import _normalize
from ._errors import ConfigError

#: Where credentials travel, by location: ``header`` (lower-case names), ``query``,
#: ``cookie``.
Locations = dict[str, set[str]]


@dataclasses.dataclass(frozen=True)
class Credentials:
    """What the auth fixtures send with every request: headers and query parameters."""

    headers: Mapping[str, str]
    params: Mapping[str, str]

    def secret_values(self) -> list[str]:
        """Every credential sent, in the forms an app may echo it back."""
        return [*header_values(self.headers), *_param_values(self.params)]


class Secrets:
    """The redaction policy of credentials for one suite: the schema's security schemes,
    the ``secrets``, ``redact`` and ``unordered`` settings."""

    def __init__(
        self,
        security: Mapping[str, Iterable[str]],
        secret_headers: Sequence[str],
        redact: Sequence[str],
        unordered: Sequence[str] = (),
    ) -> None:
        self._security = {kind: frozenset(names) for kind, names in security.items()}
        self._secret_headers = tuple(secret_headers)
        self._redact = tuple(redact)
        self._unordered = tuple(unordered)

    @property
    def schema_cookies(self) -> frozenset[str]:
        """The cookies the schema's security schemes name."""
        return self._security.get("cookie", frozenset())

    def locations(self, auth: Credentials) -> Locations:
        """Where credentials travel: the schema's security schemes, `secrets`, the auth
        fixtures (generated values there are never stored: the fixtures' values replace
        them)."""
        found = {kind: set(names) for kind, names in self._security.items()}
        for kind in ("header", "query", "cookie"):
            found.setdefault(kind, set())
        found["header"] |= {*self._secret_headers, *(h.lower() for h in auth.headers)}
        found["query"] |= set(auth.params)
        for name, value in auth.headers.items():
            if name.lower() == "cookie" and isinstance(value, str):  # replaces generated ones
                found["cookie"] |= {
                    part.partition("=")[0].strip() for part in value.split(";") if "=" in part
                }
        return found

    def rules(self, auth: Credentials, *, current: bool = True) -> _normalize.Rules:
        """What to redact: the ``redact`` rules and every credential sent, as the current
        format does (``current``) or as an older one did."""
        return _normalize.Rules.from_settings(
            self._redact,
            secret_headers=self.locations(auth)["header"],
            secret_values=auth.secret_values(),
            unordered=self._unordered,
            current=current,
        )


class SentCredentials:
    """The run's credentials and those the steps of a scenario send that it does not (a
    token a login answered, say): every step's answer is redacted with all of them."""

    def __init__(self, secrets: Secrets, auth: Credentials) -> None:
        self._secrets = secrets
        self.headers, self.params = dict(auth.headers), dict(auth.params)
        where = secrets.locations(auth)
        self._secret = {
            "header": {name.lower() for name in where["header"]},
            "query": where["query"],
            "cookie": set(secrets.schema_cookies),
        }

    def add(self, sent: Iterable[tuple[str, str, object]]) -> None:
        """The credentials among ``sent`` (location, name, value) that a step put in."""
        for kind, name, value in sent:
            key = name.lower() if kind == "header" else name
            if isinstance(value, str) and value.isascii() and key in self._secret.get(kind, ()):
                if kind == "header":
                    self.headers[name] = value
                else:  # only the values matter to the rules: a cookie's goes with these
                    self.params[f"{kind}:{name}"] = value

    def rules(self, *, current: bool = True) -> _normalize.Rules:
        return self._secrets.rules(Credentials(self.headers, self.params), current=current)


def _param_values(params: Mapping[str, object]) -> list[str]:
    """Query credentials, as sent and as an app may echo them (percent-encoded is covered
    by the redaction's own spellings)."""
    values = []
    for name, value in params.items():
        if not isinstance(value, str):
            raise ConfigError(
                f"contractsnap_auth_params: the value of query parameter {name!r} is "
                f"{type(value).__name__}; give it as a string"
            )
        values.append(value)
    return values


def header_values(auth_headers: Mapping[str, object]) -> list[str]:
    """Every credential header, in the forms an app may echo it back.

    The whole header value; the token after a scheme ("Bearer <token>"); for Basic, the
    decoded "user:password", the password (the user when there is none: an API key); for
    cookies, each cookie's value. A value HTTP cannot carry is refused here, by name.
    """
    values = []
    for name, value in auth_headers.items():
        if not isinstance(value, str) or not value.isascii():
            kind = "non-ASCII text" if isinstance(value, str) else type(value).__name__
            raise ConfigError(
                f"contractsnap_auth_headers: the value of header {name!r} is {kind}; "
                "HTTP header values are ASCII strings: percent-encode or base64-encode it"
            )
        values += [value, value.strip()]
        scheme, _, spaced = value.strip().partition(" ")
        credential = spaced.strip()
        if credential and scheme.isalpha():
            # As the app may split it: with the spaces after the scheme or without them.
            values += [credential, spaced, value.partition(" ")[2]]
            if scheme.lower() == "basic":
                with contextlib.suppress(ValueError):
                    decoded = base64.b64decode(credential, validate=True).decode()
                    user, _, password = decoded.partition(":")
                    values += [decoded, password or user]
        for part in value.replace(",", ";").split(";"):
            cookie_name, sep, cookie = part.strip().partition("=")
            if sep and cookie_name and cookie:
                values += [cookie, cookie.strip()]
    return values
