"""The contract test collected for ``[tool.contractsnap]`` in pyproject.toml."""

from contractsnap._testfunc import contract_test

test_contract = contract_test()
