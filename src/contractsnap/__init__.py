"""contractsnap: contract and regression snapshot tests for ASGI HTTP APIs.

Requests are generated from the app's OpenAPI schema with schemathesis, frozen into one
snapshot file per operation, replayed in-process with httpx, and compared with syrupy.
"""

from __future__ import annotations

import importlib
import typing
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

if typing.TYPE_CHECKING:
    from ._scenarios import Scenario
    from ._schema import Operation
    from ._testfunc import contract_test

__version__ = _version("contractsnap")

#: Names whose modules import schemathesis and syrupy, loaded when first used: the
#: ``contractsnap`` command (``run`` starts pytest, which imports them itself; ``pending``,
#: ``report``) then starts in a fraction of the time.
_LAZY = {"Scenario": "._scenarios", "Operation": "._schema", "contract_test": "._testfunc"}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


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
