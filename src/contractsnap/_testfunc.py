"""The one test function that checks an operation, parametrized over the schema."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Literal, cast

import pytest
from syrupy.assertion import SnapshotAssertion

from ._documents import Document
from ._errors import ContractFailure, ContractsnapError, NotChecked
from ._exchange import Setup
from ._probes import Probe
from ._suite import Suite, Test

#: The attribute that marks a function as a contract test and holds its settings.
MARK = "__contractsnap__"

#: A contract test, as pytest calls it (with its fixtures).
ContractTest = Callable[..., Awaitable[None]]


def contract_test(
    *,
    app: str | None = None,
    base_url: str | None = None,
    schema: str | None = None,
    schema_path: str | None = None,
    base_path: str | None = None,
    snapshot_dir: str | None = None,
    backend: Literal["asyncio", "trio"] | None = None,
    lifespan: bool | None = None,
    setup: str | None = None,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    redact: Sequence[str] | None = None,
    unordered: Sequence[str] | None = None,
    schema_redact: Sequence[str] | None = None,
    schema_unordered: Sequence[str] | None = None,
    headers: Sequence[str] | None = None,
    secrets: Sequence[str] | None = None,
    probes: Sequence[str] | None = None,
    fail_uncovered: bool | None = None,
    min_reach: int | None = None,
    links: bool | None = None,
    infer_scenarios: bool | None = None,
    max_body_size: int | None = None,
    max_read_size: int | None = None,
    checks: Sequence[str] | None = None,
    warn_checks: Sequence[str] | None = None,
    strict: bool | None = None,
    timeout: float | None = None,
    examples: bool | None = None,
    coverage: bool | None = None,
    fuzz: int | None = None,
    negative: bool | None = None,
    max_cases: int | None = None,
    parameters: Mapping[str, str | int | float | bool] | None = None,
    operations: Mapping[str, Mapping[str, object]] | None = None,
    scenarios: Sequence[Mapping[str, object]] | None = None,
) -> ContractTest:
    """A test function that checks every operation of an app against its snapshots.

    Assign it in a test module; keyword arguments take the place of ``[tool.contractsnap]``
    keys, with the same names and meanings (and override them); a keyword left out (or
    ``None``) keeps the value of ``[tool.contractsnap]``::

        from contractsnap import contract_test

        test_bookstore = contract_test(app="bookstore:app", redact=["uuid"])

    Called with no arguments, it uses ``[tool.contractsnap]`` as is.
    """
    given = {key: value for key, value in locals().items() if value is not None}
    return _contract_test(given or None)


def _contract_test(settings: Mapping[str, object] | None) -> ContractTest:
    @pytest.mark.anyio
    @pytest.mark.contractsnap
    async def test_contract(
        contractsnap_operation: Test,
        contractsnap_suite: Suite,
        contractsnap_app: object,
        contractsnap_auth_headers: Mapping[str, str],
        contractsnap_setup: Setup | None,
        contractsnap_probes: Mapping[str, Probe],
        contractsnap_auth_params: Mapping[str, str],
        snapshot: SnapshotAssertion,
        anyio_backend: str,
    ) -> None:
        suite = contractsnap_suite
        if contractsnap_app is not suite.app:
            pytest.fail(
                "contractsnap_app returned another app object than the one the suite started; "
                "customise the configured app in place (e.g. app.dependency_overrides) and "
                'return it, or point `app` at a factory ("module:create_app()")',
                pytrace=False,
            )
        failure = None
        try:
            target = suite.current(contractsnap_operation)
            assertion = snapshot.use_extension(suite.extension_for(target))

            def assert_snapshot(document: Document) -> bool:
                return bool(document == assertion(name=target.file_stem))

            await suite.check(
                target,
                assert_snapshot=assert_snapshot,
                auth_headers=contractsnap_auth_headers,
                setup=contractsnap_setup,
                probes=contractsnap_probes,
                auth_params=contractsnap_auth_params,
            )
        except (ContractFailure, ContractsnapError) as exc:
            failure = str(exc)
        except NotChecked as exc:
            pytest.skip(str(exc))
        if failure is not None:
            # The message says everything; a traceback into contractsnap would only hide it.
            pytest.fail(failure, pytrace=False)

    setattr(test_contract, MARK, dict(settings) if settings else None)
    return cast("ContractTest", test_contract)  # pytest's mark decorators are untyped here
