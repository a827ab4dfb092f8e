"""Contract checks: schemathesis' own checks, run on the httpx response of each case.

Each failure is classified as an error (fails the test) or a warning (listed in the run's
summary), by the ``checks`` and ``warn_checks`` settings; ``strict`` turns warnings into errors.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import httpx
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup

from ._config import OperationSettings


@functools.cache
def known_checks() -> frozenset[str]:
    """Names of every check schemathesis registers."""
    load_all_checks()
    return frozenset(CHECKS.get_all_names())


@dataclasses.dataclass(frozen=True)
class CheckFailure:
    """One broken rule of the contract, for one case."""

    code: str
    title: str
    message: str
    error: bool

    def render(self) -> str:
        level = "error" if self.error else "warning"
        detail = " ".join(self.message.split())
        return f"[{level}] {self.code} {self.title}" + (f": {detail}" if detail else "")


def run_checks(
    case: Any, response: httpx.Response, settings: OperationSettings
) -> list[CheckFailure]:
    """Run the configured checks on one response; never raises for a broken contract."""
    names = [*settings.checks, *(n for n in settings.warn_checks if n not in settings.checks)]
    if not names:
        return []
    load_all_checks()
    checks = CHECKS.get_by_names(names)
    try:
        case.validate_response(response, checks=checks)
    except FailureGroup as group:  # a BaseExceptionGroup, not an Exception
        failures = []
        for failure in group.exceptions:
            reported_by = set(getattr(type(failure), "checks", ()) or ())
            error = (
                settings.strict
                or bool(reported_by & set(settings.checks))
                or not (reported_by & set(settings.warn_checks))
            )
            failures.append(
                CheckFailure(
                    code=str(getattr(failure, "code", "")),
                    title=str(getattr(failure, "title", type(failure).__name__)),
                    message=str(getattr(failure, "message", "")),
                    error=error,
                )
            )
        return sorted(failures, key=lambda f: (not f.error, f.code, f.title, f.message))
    return []
