"""The package's layers, as ARCHITECTURE.md lists them: each module imports only from its
own layer or below, never in a loop, and not from inside a function.

Every import of the package's own modules counts: at the top of a module, under
``if TYPE_CHECKING:``, or inside a function (which is also refused, unless
``FUNCTION_LEVEL`` says why).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

PACKAGE = "contractsnap"
SOURCE = Path(__file__).resolve().parents[2] / "src" / PACKAGE

#: Bottom-up; a module may import modules of its own layer and of the layers before it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "leaf helpers",
        frozenset(
            {"_errors", "_naming", "_canonical", "_documents", "_pointer", "_selectors"}
            | {"_expressions", "_openapi", "_checknames", "_volatile", "_exit"}
        ),
    ),
    ("configuration", frozenset({"_config", "_options"})),
    (
        "schema, cases, checks, normalisation, snapshot codec",
        frozenset(
            {"_schema", "_cases", "_checks", "_normalize", "_snapshot", "_scenarios", "_probes"}
            | {"_inference", "_coverage", "_schemadiff", "_report", "_pending"}
        ),
    ),
    ("one exchange", frozenset({"_client", "_credentials", "_exchange", "_app"})),
    ("the record-or-replay verdict", frozenset({"_messages", "_verdict"})),
    ("targets", frozenset({"_targets", "_scenario_target"})),
    ("the suite", frozenset({"_outcome", "_suite"})),
    (
        "session, plugin, CLI",
        frozenset(
            {"_session", "_testfunc", "_contract_suite", "plugin", "_diffreport", "cli", "_init"}
            | {"_commands", "_htmlreport", "__init__", "__main__"}
        ),
    ),
)

#: Imports of the package's own modules made inside a function, with the reason.
FUNCTION_LEVEL: Mapping[tuple[str, str], str] = {
    ("cli", "_commands"): "`contractsnap run` starts pytest without importing schemathesis, "
    "httpx and tomlkit, which only the other commands use",
}


@dataclasses.dataclass(frozen=True)
class Import:
    module: str
    imported: str
    line: int
    in_function: bool


def imports(module: str, source: str) -> Iterator[Import]:
    """The package modules ``module`` imports (``from . import _a`` names ``_a``)."""
    tree = ast.parse(source)
    functions = {
        id(node)
        for function in ast.walk(tree)
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for node in ast.walk(function)
        if node is not function
    }
    for node in ast.walk(tree):
        nested = id(node) in functions
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == PACKAGE:
                    yield Import(
                        module, parts[1] if len(parts) > 1 else "__init__", node.lineno, nested
                    )
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level == 0 and base.split(".")[0] != PACKAGE:
                continue
            parts = base.split(".")[1:] if node.level == 0 else [p for p in base.split(".") if p]
            if parts:
                yield Import(module, parts[0], node.lineno, nested)
            else:  # ``from . import _a, _b`` or ``from contractsnap import name``
                for alias in node.names:
                    name = alias.name if alias.name.startswith("_") else "__init__"
                    yield Import(module, name, node.lineno, nested)


def layer_of(module: str) -> int:
    found = [n for n, (_, members) in enumerate(LAYERS) if module in members]
    if len(found) != 1:
        raise LookupError(f"{module} is in {len(found)} layers of LAYERS; put it in one")
    return found[0]


def problems(sources: Mapping[str, str]) -> list[str]:
    """Every upward, looping or function-level import among ``sources`` (module -> text)."""
    found: list[str] = []
    graph: dict[str, set[str]] = {module: set() for module in sources}
    for module, source in sorted(sources.items()):
        for item in imports(module, source):
            if item.imported == module or item.imported not in sources:
                continue
            graph[module].add(item.imported)
            where = f"{module}.py:{item.line}"
            below, above = layer_of(item.imported), layer_of(module)
            if below > above:
                found.append(
                    f"{where} imports {item.imported} ({LAYERS[below][0]}), a layer above "
                    f"{module} ({LAYERS[above][0]})"
                )
            if item.in_function and (module, item.imported) not in FUNCTION_LEVEL:
                found.append(f"{where} imports {item.imported} inside a function")
    found += [f"import loop: {' -> '.join(cycle)}" for cycle in _cycles(graph)]
    return found


def _cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """One loop per strongly connected component with more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    loops: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                loops.append([*sorted(component), sorted(component)[0]])

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return loops


def package_sources() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in SOURCE.glob("*.py")}


class TestThePackage:
    def test_every_module_has_one_layer(self) -> None:
        """A new module must be placed in a layer before it can be imported anywhere."""
        for module in package_sources():
            layer_of(module)

    def test_no_upward_import_no_loop_no_function_level_import(self) -> None:
        assert problems(package_sources()) == []

    def test_few_function_level_imports_are_allowed(self) -> None:
        assert len(FUNCTION_LEVEL) <= 3

    def test_the_architecture_document_lists_the_layers(self) -> None:
        """ARCHITECTURE.md names every layer's modules, in this order."""
        text = (SOURCE.parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")
        positions = []
        for name, members in LAYERS:
            assert name in text, name
            positions.append(text.index(name))
            for module in members:
                assert f"`{module}`" in text, module
        assert positions == sorted(positions)


class TestTheChecker:
    """The checker itself fails on what it must refuse."""

    def test_an_upward_import_is_refused(self) -> None:
        sources = {"_config": "from ._suite import Suite\n", "_suite": ""}
        assert problems(sources) == [
            "_config.py:1 imports _suite (the suite), a layer above _config (configuration)"
        ]

    def test_a_loop_within_a_layer_is_refused(self) -> None:
        sources = {"_schema": "from . import _cases\n", "_cases": "from ._schema import X\n"}
        assert problems(sources) == ["import loop: _cases -> _schema -> _cases"]

    def test_an_import_inside_a_function_is_refused(self) -> None:
        sources = {
            "_suite": "def f():\n    from ._config import Settings\n",
            "_config": "",
        }
        assert problems(sources) == ["_suite.py:2 imports _config inside a function"]

    def test_type_checking_imports_count(self) -> None:
        sources = {
            "_config": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from contractsnap._suite import Suite\n",
            "_suite": "",
        }
        assert len(problems(sources)) == 1

    def test_an_unplaced_module_is_named(self) -> None:
        with pytest.raises(LookupError, match="_new is in 0 layers"):
            problems({"_new": "from . import _errors\n", "_errors": ""})
