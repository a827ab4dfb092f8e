"""Same cases, same bytes: across processes, hash seeds, async backends and both routes."""

from __future__ import annotations

import pytest

from .conftest import Project

CODE_ROUTE = """
from contractsnap import contract_test

test_features = contract_test(app="app_module:app", setup="app_module:reset",
                              exclude=["GET /boom"], backend="{backend}")
"""


class TestDeterminism:
    def test_hash_seeds_give_identical_files(self, project: Project) -> None:
        """Recording in new interpreters with different PYTHONHASHSEEDs writes the same bytes."""
        project.add_app("features")
        project.configure(
            app="app_module:app", setup="app_module:reset", exclude=["GET /boom"], fuzz=3
        )
        project.run_subprocess("--snapshot-update", env={"PYTHONHASHSEED": "1"}).assert_outcomes(
            passed=9
        )
        first = project.snapshots()
        for name in first:
            (project.path / "snapshots" / name).unlink()
        project.run_subprocess("--snapshot-update", env={"PYTHONHASHSEED": "4242"}).assert_outcomes(
            passed=9
        )
        assert project.snapshots() == first
        project.run_subprocess(env={"PYTHONHASHSEED": "random"}).assert_outcomes(passed=9)

    def test_asyncio_and_trio_write_the_same_bytes(self, project: Project) -> None:
        """The suite runs on both backends and they agree byte for byte."""
        project.add_app("features")
        project.configure(
            app="app_module:app", setup="app_module:reset", exclude=["GET /boom"], backend="asyncio"
        )
        project.run("--snapshot-update").assert_outcomes(passed=9)
        on_asyncio = project.snapshots()
        project.configure(
            app="app_module:app", setup="app_module:reset", exclude=["GET /boom"], backend="trio"
        )
        result = project.run("-v")
        result.assert_outcomes(passed=9)
        result.stdout.fnmatch_lines(
            ["contractsnap: app app_module:app, snapshots snapshots/, backend trio"]
        )
        for name in on_asyncio:
            (project.path / "snapshots" / name).unlink()
        project.run("--snapshot-update").assert_outcomes(passed=9)
        assert project.snapshots() == on_asyncio

    @pytest.mark.parametrize("backend", ["asyncio", "trio"])
    def test_code_route_matches_pyproject_route(self, project: Project, backend: str) -> None:
        """A one-line test module gives the same files as [tool.contractsnap]."""
        project.add_app("features")
        project.configure(app="app_module:app", setup="app_module:reset", exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        from_pyproject = project.snapshots()
        project.configure()
        project.pytester.makepyfile(test_api=CODE_ROUTE.format(backend=backend))
        for name in from_pyproject:
            (project.path / "snapshots" / name).unlink()
        result = project.run("--snapshot-update", "-v")
        result.assert_outcomes(passed=9)
        result.stdout.fnmatch_lines(["test_api.py::test_features[[]GET /orders[]] PASSED*"])
        assert project.snapshots() == from_pyproject
