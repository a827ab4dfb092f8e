"""Fixtures for the contract suite of the bundled demo app (see [tool.contractsnap])."""

from __future__ import annotations

from collections.abc import Mapping

import pytest


@pytest.fixture
def contractsnap_auth_headers() -> Mapping[str, str]:
    """Credentials of the demo: an API key for writes, a bearer token for /me."""
    return {"X-API-Key": "demo-secret-key", "Authorization": "Bearer reader-token-v1"}
