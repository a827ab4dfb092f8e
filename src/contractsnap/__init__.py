"""contractsnap: contract and regression snapshot tests for ASGI HTTP APIs.

Requests are generated from the app's OpenAPI schema with schemathesis, frozen into one
snapshot file per operation, replayed in-process with httpx, and compared with syrupy.
"""

from __future__ import annotations

from importlib.metadata import version as _version

from ._errors import (
    AppLoadError,
    ConfigError,
    ContractFailure,
    ContractsnapError,
    ContractViolation,
    FlakyResponse,
    MissingSnapshot,
    SchemaError,
    SnapshotFileError,
    SnapshotMismatch,
    StaleCases,
)
from ._scenarios import Scenario
from ._schema import Operation
from ._testfunc import contract_test

__version__ = _version("contractsnap")

__all__ = [
    "AppLoadError",
    "ConfigError",
    "ContractFailure",
    "ContractViolation",
    "ContractsnapError",
    "FlakyResponse",
    "MissingSnapshot",
    "Operation",
    "Scenario",
    "SchemaError",
    "SnapshotFileError",
    "SnapshotMismatch",
    "StaleCases",
    "__version__",
    "contract_test",
]
