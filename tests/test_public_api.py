"""The public facade: ``contractsnap.__all__`` lists exactly what the package exports."""

from __future__ import annotations

import inspect
import types
from importlib.metadata import version

import contractsnap
from contractsnap._config import _OP_KINDS, _TOP_KINDS
from contractsnap._testfunc import MARK


def public_names() -> set[str]:
    """Names bound in the package namespace that are public API.

    Submodules (``contractsnap.cli``, ``contractsnap.plugin``, ...) are attributes once
    imported but are not part of ``__all__``; neither is the ``annotations`` feature object
    that ``from __future__ import annotations`` binds. Names loaded on first use are public
    too: they are in ``dir()``.
    """
    found = {name: getattr(contractsnap, name) for name in dir(contractsnap)}
    return {
        name
        for name, value in found.items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and type(value).__module__ != "__future__"
    }


class TestAll:
    """``__all__`` is sorted, complete and resolvable."""

    def test_sorted(self) -> None:
        """``__all__`` is in sorted order, without duplicates."""
        assert contractsnap.__all__ == sorted(set(contractsnap.__all__))

    def test_matches_namespace(self) -> None:
        """``__all__`` holds every public name of the namespace, plus ``__version__``."""
        assert set(contractsnap.__all__) == public_names() | {"__version__"}

    def test_every_name_resolves(self) -> None:
        """Every name in ``__all__`` is an attribute of the package."""
        missing = [name for name in contractsnap.__all__ if not hasattr(contractsnap, name)]
        assert missing == []

    def test_exact_exports(self) -> None:
        """The exported names are the documented ones."""
        assert contractsnap.__all__ == [
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

    def test_version(self) -> None:
        """``__version__`` is the installed distribution's version."""
        assert contractsnap.__version__ == version("contractsnap")


class TestErrorTree:
    """The exported exceptions form the documented hierarchy."""

    def test_usage_errors(self) -> None:
        """Configuration, app, schema and file errors share ContractsnapError."""
        for error in (
            contractsnap.ConfigError,
            contractsnap.AppLoadError,
            contractsnap.SchemaError,
            contractsnap.SnapshotFileError,
        ):
            assert error.__bases__ == (contractsnap.ContractsnapError,)
        assert contractsnap.ContractsnapError.__bases__ == (Exception,)

    def test_test_failures(self) -> None:
        """Test outcomes are ContractFailure, an AssertionError: pytest shows plain failures."""
        for failure in (
            contractsnap.SnapshotMismatch,
            contractsnap.MissingSnapshot,
            contractsnap.StaleCases,
            contractsnap.FlakyResponse,
            contractsnap.ContractViolation,
        ):
            assert failure.__bases__ == (contractsnap.ContractFailure,)
        assert contractsnap.ContractFailure.__bases__ == (AssertionError,)


class TestContractTest:
    """``contract_test`` takes the keys of ``[tool.contractsnap]`` as typed keywords."""

    def test_one_keyword_per_setting(self) -> None:
        """Every setting has its keyword, and there is no keyword without a setting."""
        parameters = inspect.signature(contractsnap.contract_test).parameters
        assert set(parameters) == {*_TOP_KINDS, *_OP_KINDS, "operations", "scenarios"}
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters.values())

    def test_only_the_keywords_given_override(self) -> None:
        """Keywords left out keep the values of ``[tool.contractsnap]``."""
        test = contractsnap.contract_test(redact=["uuid"], fuzz=0)
        assert getattr(test, MARK) == {"redact": ["uuid"], "fuzz": 0}

    def test_no_keyword_uses_the_table_as_is(self) -> None:
        assert getattr(contractsnap.contract_test(), MARK) is None
