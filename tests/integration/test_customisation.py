"""Fixtures overridden in conftest.py, the lifespan switch, selection and case sources."""

from __future__ import annotations

import json

from .conftest import Project

DEPENDENCY_APP = """
from fastapi import Depends, FastAPI

app = FastAPI()


def greeting() -> str:
    return "hello from production"


@app.get("/greet", operation_id="greet")
async def greet(text: str = Depends(greeting)) -> dict[str, str]:
    return {"text": text}
"""


class TestFixtures:
    def test_app_fixture_customises_the_app_in_place(self, project: Project) -> None:
        """contractsnap_app can set dependency_overrides before requests are sent."""
        project.pytester.makepyfile(app_module=DEPENDENCY_APP)
        project.configure(app="app_module:app")
        project.pytester.makeconftest("""
import pytest
from app_module import greeting

@pytest.fixture
def contractsnap_app(contractsnap_app):
    contractsnap_app.dependency_overrides[greeting] = lambda: "hello from the test"
    return contractsnap_app
""")
        project.run("--snapshot-update").assert_outcomes(passed=1)
        body = project.snapshot("GET_greet.json")["cases"][0]["response"]["body"]
        assert body == {"text": "hello from the test"}

    def test_setup_fixture_runs_before_each_pass(self, project: Project) -> None:
        """contractsnap_setup runs before both recording passes and before each replay."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["GET /health", "POST /orders"])
        project.pytester.makeconftest("""
import pytest
import app_module

CALLS = []

@pytest.fixture
def contractsnap_setup():
    async def setup(operation):
        CALLS.append(operation.label)
        app_module.reset()
    return setup

def pytest_unconfigure(config):
    print("SETUP CALLS", sorted(CALLS))
""")
        result = project.run("--snapshot-update", "-s")
        result.assert_outcomes(passed=2)
        # Twice per operation, and once more for the read sent again at the end.
        calls = (
            "SETUP CALLS ['GET /health', 'GET /health', 'GET /health', 'POST /orders', "
            "'POST /orders']"
        )
        assert calls in result.stdout.str()
        result = project.run("-s")
        assert "SETUP CALLS ['GET /health', 'POST /orders']" in result.stdout.str()
        ids = [
            c["response"]["body"]["id"]
            for c in project.snapshot("POST_orders.json")["cases"]
            if c["response"]["status"] == 201
        ]
        assert ids == list(range(3, 3 + len(ids)))  # the seed has orders 1 and 2

    def test_lifespan_can_be_switched_off(self, project: Project) -> None:
        """With lifespan = false, start-up never runs (so its route and state are missing)."""
        project.add_app("startup_routes")
        project.configure(app="app_module:app", lifespan=False)
        result = project.run("--snapshot-update")
        result.assert_outcomes(failed=1)
        assert set(project.snapshots()) == {"GET_greeting.json"}
        assert project.snapshot("GET_greeting.json")["cases"][0]["response"]["status"] == 500


class TestSelection:
    def test_include_and_exclude_selectors(self, project: Project) -> None:
        """include/exclude select by label glob, tag, operationId, method and path."""
        project.add_app("features")
        project.configure(
            app="app_module:app",
            setup="app_module:reset",
            include=["path:/orders*", "id:login"],
            exclude=["method:DELETE", "GET /orders/*/lines/*"],
        )
        project.run("--snapshot-update").assert_outcomes(passed=4)
        assert set(project.snapshots()) == {
            "GET_orders.json",
            "GET_orders_{order_id}.json",
            "POST_orders.json",
            "POST_login.json",
        }

    def test_op_option_selects_for_one_run(self, project: Project) -> None:
        """--contractsnap-op deselects the other operations of the run."""
        project.add_app("features")
        project.configure(app="app_module:app", exclude=["GET /boom"])
        result = project.run(
            "--snapshot-update",
            "--contractsnap-op",
            "id:get_me",
            "--contractsnap-op",
            "GET /health",
        )
        result.assert_outcomes(passed=2, deselected=7)
        assert set(project.snapshots()) == {"GET_me.json", "GET_health.json"}

    def test_bad_selector_is_a_usage_error(self, project: Project) -> None:
        """An invalid selector stops the run before any request, naming the fix."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["books"])
        result = project.run()
        assert result.ret == 4
        result.stderr.fnmatch_lines(
            [
                "ERROR: contractsnap: pyproject.toml [[]tool.contractsnap[]]: "
                "invalid operation selector 'books'; use*"
            ]
        )


class TestSources:
    def sources(self, project: Project, name: str) -> list[str]:
        return [c["source"] for c in project.snapshot(name)["cases"]]

    def test_examples_only(self, project: Project) -> None:
        """coverage = false keeps schema examples (or the simplest request) only."""
        project.add_app("features")
        project.configure(
            app="app_module:app", setup="app_module:reset", include=["POST /orders"], coverage=False
        )
        project.run("--snapshot-update").assert_outcomes(passed=1)
        assert self.sources(project, "POST_orders.json") == ["simplest"]

    def test_fuzz_cases_are_seeded_and_negative_is_opt_in(self, project: Project) -> None:
        """fuzz = N adds N seeded cases; negative = true adds invalid ones; both are stable."""
        project.add_app("features")
        project.configure(
            app="app_module:app",
            setup="app_module:reset",
            include=["GET /orders"],
            coverage=False,
            fuzz=4,
        )
        project.run("--snapshot-update").assert_outcomes(passed=1)
        sources = self.sources(project, "GET_orders.json")
        assert "fuzz" in sources
        assert "negative" not in sources
        first = project.snapshots()
        project.run("--snapshot-update", "--contractsnap-regenerate").assert_outcomes(passed=1)
        assert project.snapshots() == first
        project.configure(
            app="app_module:app",
            setup="app_module:reset",
            include=["GET /orders"],
            coverage=False,
            fuzz=4,
            negative=True,
        )
        stale = project.run()
        stale.assert_outcomes(failed=1)
        stale.stdout.fnmatch_lines(["*its frozen cases are stale*"])
        project.run("--snapshot-update").assert_outcomes(passed=1)
        assert "negative" in self.sources(project, "GET_orders.json")
        requests = [json.dumps(c["request"]) for c in project.snapshot("GET_orders.json")["cases"]]
        assert len(requests) == len(set(requests))
