"""The names of the contract checks: what the settings may name, known before any check runs."""

from __future__ import annotations

import functools

from schemathesis.checks import CHECKS, load_all_checks

#: Checks that judge one response on its own. The others re-send requests, need the
#: generator's metadata or real credentials, none of which a replayed frozen case has.
RESPONSE_CHECKS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "allow_header_conformance",
    }
)


@functools.cache
def known_checks() -> frozenset[str]:
    """Names of every check schemathesis registers."""
    load_all_checks()
    return frozenset(CHECKS.get_all_names())
