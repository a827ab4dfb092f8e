"""Reach: the share of operations whose snapshots hold a 2xx answer, in their own file or
in a scenario step. Said at the end of every run, each operation without one named with
why; `min_reach` gates on it."""

from __future__ import annotations

from typing import Any

from .conftest import Project

CREATE_THEN_READ = {
    "name": "hero-is-read",
    "steps": [
        {"operation": "POST /heroes/", "status": 201},
        {
            "operation": "GET /heroes/{hero_id}",
            "parameters": {"hero_id": "$response.body#/id"},
        },
    ],
}


def _heroes(project: Project, **settings: Any) -> None:
    project.add_app("sqlite_file")
    project.configure(app="app_module:app", setup="app_module:reset", **settings)


def test_the_summary_says_the_reach_and_why_an_operation_has_no_2xx(project: Project) -> None:
    _heroes(project)
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "operation * snapshot * 2xx * reached * not reached",
            "GET /heroes/{hero_id} * yes * no * 404 *",
            "reach: 2 of 3 operations answered 2xx (67%); without one:",
            "  GET /heroes/{hero_id}: only 404s: no case names a resource that exists; a "
            "scenario from the operation that creates it, or `examples` with ids that exist",
        ]
    )


def test_a_scenario_step_that_answers_2xx_counts(project: Project) -> None:
    _heroes(project, scenarios=[CREATE_THEN_READ])
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "GET /heroes/{hero_id} * yes * yes * 200 404 *",
            "reach: 3 of 3 operations answered 2xx (100%)",
        ]
    )
    gate = project.run()
    gate.assert_outcomes(passed=4)
    gate.stdout.fnmatch_lines(["reach: 3 of 3 operations answered 2xx (100%)"])


def test_min_reach_fails_a_run_below_it(project: Project) -> None:
    _heroes(project, min_reach=90)
    project.run("--snapshot-update")
    gate = project.run()
    gate.assert_outcomes(passed=3, failed=1)
    gate.stdout.fnmatch_lines(
        [
            "reach 67% is below `min_reach` = 90: 1 of 3 operations answered no 2xx "
            "(GET /heroes/{hero_id}); the coverage summary says why for each",
        ]
    )
    project.configure(
        app="app_module:app", setup="app_module:reset", min_reach=90, scenarios=[CREATE_THEN_READ]
    )
    project.run("--snapshot-update").assert_outcomes(passed=4)
    project.run().assert_outcomes(passed=4)
