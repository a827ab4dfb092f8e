"""The one test function that checks an operation, parametrized over the schema."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from ._errors import ContractFailure, ContractsnapError
from ._probes import Probe
from ._runner import Setup, Suite
from ._scenarios import Scenario
from ._schema import Operation

#: The attribute that marks a function as a contract test and holds its settings.
MARK = "__contractsnap__"


def contract_test(**settings: Any) -> Any:
    """A test function that checks every operation of an app against its snapshots.

    Assign it in a test module; keyword arguments take the place of ``[tool.contractsnap]``
    keys (and override them)::

        from contractsnap import contract_test

        test_bookstore = contract_test(app="bookstore:app", redact=["uuid"])

    Called with no arguments, it uses ``[tool.contractsnap]`` as is.
    """

    @pytest.mark.anyio
    @pytest.mark.contractsnap
    async def test_contract(
        contractsnap_operation: Operation | Scenario,
        contractsnap_suite: Suite,
        contractsnap_app: Any,
        contractsnap_auth_headers: Mapping[str, str],
        contractsnap_setup: Setup | None,
        contractsnap_probes: Mapping[str, Probe],
        contractsnap_auth_params: Mapping[str, str],
        snapshot: Any,
        request: pytest.FixtureRequest,
        anyio_backend: Any,
    ) -> None:
        suite = contractsnap_suite
        if contractsnap_app is not suite.app:
            pytest.fail(
                "contractsnap_app returned another app object than the one the suite started; "
                "customise the configured app in place (e.g. app.dependency_overrides) and "
                'return it, or point `app` at a factory ("module:create_app()")',
                pytrace=False,
            )
        target = contractsnap_operation
        scenario = isinstance(target, Scenario)
        assertion = snapshot.use_extension(
            suite.scenario_extension if scenario else suite.extension
        )

        def assert_snapshot(document: Mapping[str, Any]) -> bool:
            return bool(document == assertion(name=target.file_stem))

        failure = None
        try:
            await suite.check(
                target,
                assert_snapshot=assert_snapshot,
                update=bool(request.config.getoption("update_snapshots", False)),
                regenerate=bool(request.config.getoption("contractsnap_regenerate", False)),
                auth_headers=contractsnap_auth_headers,
                setup=contractsnap_setup,
                probes=contractsnap_probes,
                auth_params=contractsnap_auth_params,
            )
        except (ContractFailure, ContractsnapError) as exc:
            failure = str(exc)
        if failure is not None:
            # The message says everything; a traceback into contractsnap would only hide it.
            pytest.fail(failure, pytrace=False)

    setattr(test_contract, MARK, dict(settings) if settings else None)
    return test_contract
