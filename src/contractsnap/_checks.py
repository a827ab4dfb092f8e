"""Contract checks: schemathesis' own checks, run on the httpx response of each case.

Each failure is classified as an error (fails the test) or a warning (listed in the run's
summary), by the ``checks`` and ``warn_checks`` settings; ``strict`` turns warnings into errors.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING

import httpx
import requests  # schemathesis' own dependency: its Response keeps a requests request
from requests.structures import CaseInsensitiveDict
from schemathesis import CheckFunction, Response
from schemathesis.checks import CHECKS
from schemathesis.core.failures import Failure, FailureGroup, ServerError

from ._checknames import known_checks
from ._config import OperationSettings

if TYPE_CHECKING:
    # schemathesis names the type of an OpenAPI case only for type checkers.
    from schemathesis.specs.openapi.schemas import OpenApiCase


@dataclasses.dataclass(frozen=True)
class CheckFailure:
    """One broken rule of the contract, for one case."""

    code: str
    title: str
    message: str
    error: bool
    #: Reported by ``not_a_server_error``: the app failed (a 5xx).
    server: bool = False
    #: The check that reported it (``response_schema_conformance``, ...).
    check: str = ""

    @property
    def server_error(self) -> bool:
        """A failing ``not_a_server_error`` check: the app failed, a bug to fix."""
        return self.error and self.server

    def render(self) -> str:
        level = "error" if self.error else "warning"
        detail = " ".join(self.message.split())
        code = f" {self.code}" if self.code else ""
        return f"[{level}]{code} {self.title}" + (f": {detail}" if detail else "")


def run_checks(
    case: OpenApiCase, response: httpx.Response, settings: OperationSettings
) -> list[CheckFailure]:
    """Run the configured checks on one response; never raises for a broken contract.

    All checks run in one call (the common case: no failure). Each failure is put down to
    the check that reports it: schemathesis says so on its failure classes (recent
    releases); where it does not, the checks run again one by one. The check decides
    whether it is an error or a warning, and names it in a snapshot's contract debt.
    """
    warn_checks = [name for name in settings.warn_checks if name not in settings.checks]
    names = [*settings.checks, *warn_checks]
    if not names:
        return []
    converted = as_schemathesis(response)
    found = _run(case, converted, names)
    if not found:
        return []
    checks: dict[tuple[str, str, str], str] = {}
    for failure in found:
        reported_by = getattr(type(failure), "checks", ()) or ()
        name = next((n for n in names if n in reported_by), None)
        if name is not None:
            checks[_key(failure)] = name
    if len(checks) < len({_key(f) for f in found}):
        for name in names:
            for failure in _run(case, converted, [name]):
                checks.setdefault(_key(failure), name)
    failures = []
    for failure in found:
        check = checks.get(_key(failure), "")
        failures.append(
            CheckFailure(
                code=str(getattr(failure, "code", "") or ""),
                title=str(getattr(failure, "title", type(failure).__name__)),
                message=str(getattr(failure, "message", "")),
                error=check not in warn_checks or settings.strict,
                server=isinstance(failure, ServerError),
                check=check,
            )
        )
    return sorted(failures, key=lambda f: (not f.error, f.code, f.title, f.message))


def _key(failure: Failure) -> tuple[str, str, str]:
    return (
        type(failure).__name__,
        str(getattr(failure, "title", "")),
        str(getattr(failure, "message", "")),
    )


@functools.cache
def _functions(names: tuple[str, ...]) -> list[CheckFunction]:
    known_checks()  # registers every check first
    # The registry holds check classes too; the settings name only response checks, functions.
    return [check for check in CHECKS.get_by_names(list(names)) if not isinstance(check, type)]


def as_schemathesis(response: httpx.Response) -> Response:
    """The response as schemathesis' ``Response``, built with its public constructor.

    ``validate_response`` would convert an httpx response itself, by *preparing* a new
    ``requests`` request from it (URL parsing and re-encoding): half the cost of checking a
    response. The response checks read that request only to describe it, so its four
    public attributes are filled in directly, with the values the conversion would give.
    """
    request = requests.PreparedRequest()
    request.method = response.request.method
    request.url = str(response.request.url)
    request.headers = CaseInsensitiveDict(response.request.headers)
    request.body = response.request.content or None
    return Response(
        status_code=response.status_code,
        headers={key: [value] for key, value in response.headers.items()},
        content=response.content,
        request=request,
        elapsed=response.elapsed.total_seconds(),
        verify=True,
        message=response.reason_phrase,
        encoding=response.encoding,
        http_version=response.http_version,
    )


def _run(case: OpenApiCase, response: Response, names: list[str]) -> list[Failure]:
    try:
        case.validate_response(response, checks=_functions(tuple(names)))
    except FailureGroup as group:  # a BaseExceptionGroup, not an Exception
        return list(group.exceptions)
    return []
