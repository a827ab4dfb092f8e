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
    _heroes(project)  # without inferred scenarios: nothing creates a hero before the read
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(
        [
            "operation * snapshot * 2xx * reached * not reached",
            "GET /heroes/{hero_id} * yes * no * 404 *",
            "reach: 2 of 3 operations answered 2xx (67%); without one:",
            "  GET /heroes/{hero_id}: only 404s: no scenario reaches it (`infer_scenarios = "
            "false`: none is inferred from the operation that creates what it reads); a known "
            'value, `[tool.contractsnap.parameters] hero_id = "..."` with one that exists '
            "after `setup`, or `examples` with ids that exist",
        ]
    )


def test_the_scenario_inferred_from_the_create_reaches_the_read(project: Project) -> None:
    _heroes(project, infer_scenarios=True)
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "GET /heroes/{hero_id} * yes * yes * 200 404 *",
            "reach: 3 of 3 operations answered 2xx (100%)",
        ]
    )
    assert "scenarios/POST_heroes_-263ce2cd_inferred.json" in project.snapshots()


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


def test_a_known_value_reaches_a_seeded_resource(project: Project) -> None:
    """A resource that exists only because it is seeded: no generated slug finds it; the
    one `parameters` line does, in a case put before the generated ones."""
    project.add_app("seeded")
    project.configure(app="app_module:app")
    project.run("--snapshot-update").stdout.fnmatch_lines(
        ["reach: 0 of 2 operations answered 2xx (0%); without one:"]
    )
    (project.path / "pyproject.toml").write_text(
        '[tool.contractsnap]\napp = "app_module:app"\n\n'
        '[tool.contractsnap.parameters]\nslug = "acme"\n'
    )
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["reach: 2 of 2 operations answered 2xx (100%)"])
    # The files existed: the new case goes first, the stored ones follow in their order.
    first = project.snapshot("GET_tenants_{slug}.json")["cases"][0]
    assert first["description"] == "Known values: slug=acme"
    assert first["request"]["path"] == "/tenants/acme"
    assert first["response"]["status"] == 200
    recorded = project.snapshots()
    for seed in ("1", "2"):
        project.run_subprocess(env={"PYTHONHASHSEED": seed}).assert_outcomes(passed=2)
    assert project.snapshots() == recorded


def test_known_values_per_operation_and_by_place(project: Project) -> None:
    """A fresh recording puts the known values' case first."""
    project.add_app("seeded")
    (project.path / "pyproject.toml").write_text(
        '[tool.contractsnap]\napp = "app_module:app"\n\n'
        '[tool.contractsnap.operations."GET /tenants/{slug}/usage"]\n'
        'parameters = { "path.slug" = "acme", "query.month" = "2026-02" }\n'
    )
    project.run("--snapshot-update").assert_outcomes(passed=2)
    usage = project.snapshot("GET_tenants_{slug}_usage.json")["cases"][0]
    assert usage["source"] == "parameters"
    assert usage["request"]["path"] == "/tenants/acme/usage"
    assert usage["request"]["query"] == {"month": "2026-02"}
    assert project.snapshot("GET_tenants_{slug}.json")["cases"][0]["source"] != "parameters"


def test_an_operation_whose_recording_was_refused_is_not_reached(project: Project) -> None:
    """The create answers 201 to both sends, with ids that grow (no `setup`): its file is
    not written, so no snapshot holds its 2xx and the reach does not count it."""
    project.add_app("sqlite_file")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "POST /heroes/ * no * no *",
            "reach: 1 of 3 operations answered 2xx (33%); without one:",
        ]
    )
