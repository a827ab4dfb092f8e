"""The exception tree.

Every error says what went wrong, where (file, key, operation, case) and how to fix it.

    ContractsnapError
    ├── ConfigError            bad [tool.contractsnap] settings (a usage error)
    ├── AppLoadError           the app cannot be imported, built or started
    ├── SchemaError            the OpenAPI document cannot be fetched or read
    ├── SnapshotFileError      a snapshot file is corrupt, hand-broken or too new
    └── ProbeError             a state probe raised or returned state that is not JSON

Test outcomes that are not crashes are reported as ``ContractFailure`` (an
``AssertionError``, so pytest shows them as ordinary test failures):

    ContractFailure
    ├── SnapshotMismatch       a response differs from its snapshot
    ├── MissingSnapshot        an operation has no snapshot file yet
    ├── StaleCases             the operation's request schema changed since recording
    ├── FlakyResponse          two sends of the same case gave different responses
    └── ContractViolation      a response breaks the documented contract

A test with nothing of its own to check raises ``NotChecked`` (pytest shows it as skipped):
when no snapshot is recorded at all, the first test says so once and the others skip.
"""

from __future__ import annotations


class ContractsnapError(Exception):
    """Base class of every error contractsnap raises on bad input."""


class ConfigError(ContractsnapError):
    """The configuration is invalid: an unknown key, a wrong type or a bad value."""


class AppLoadError(ContractsnapError):
    """The app named in the configuration cannot be imported, built or started."""


class LifespanError(AppLoadError):
    """The app was imported, but its lifespan start-up raised."""


class SchemaError(ContractsnapError):
    """The app's OpenAPI document cannot be fetched, parsed or understood."""


class SnapshotFileError(ContractsnapError):
    """A snapshot file cannot be read: corrupt JSON, missing fields or a newer format."""


class ContractFailure(AssertionError):
    """A contract test failed for a reason the user must look at."""


class SnapshotMismatch(ContractFailure):
    """At least one response differs from the recorded snapshot."""


class MissingSnapshot(ContractFailure):
    """The operation has no snapshot file yet."""


class StaleCases(ContractFailure):
    """The frozen cases no longer match the operation's request schema."""


class FlakyResponse(ContractFailure):
    """The same request gave two different normalised responses while recording."""


class ContractViolation(ContractFailure):
    """A response breaks the documented contract (server error, wrong schema, ...)."""


class NotChecked(Exception):
    """The test has nothing to check; another test's failure says why, once."""


class SetupError(ContractsnapError):
    """The ``setup`` (or the ``contractsnap_setup`` fixture's function) raised."""


class ProbeError(ContractsnapError):
    """A state probe raised, or returned state that cannot be stored as JSON."""


def a_kind(value: object) -> str:
    """``"a dict"``, ``"an int"``: the type of ``value``, as a message names it."""
    name = type(value).__name__
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
