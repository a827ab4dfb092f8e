"""An app whose served OpenAPI document changes on every start (a start time in its version,
a default computed at import, an enum built from a set) and which answers a list in set
order: recording refuses what would fail every gate and prints the lines that fix it; with
them, gates in new processes (other hash seeds) are clean."""

from __future__ import annotations

from typing import Any

from .conftest import Project

SCHEMA_RULES: dict[str, Any] = {
    "schema_redact": ["$.components.schemas.Paint.properties.mixed_at.default", "$.info.version"],
    "schema_unordered": ["$.components.schemas.Colour.enum"],
}


def test_recording_refuses_a_document_that_differs_in_a_second_process(
    project: Project,
) -> None:
    project.add_app("unstable_schema")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "the OpenAPI document is not the same when the app starts again (another process, "
            "another hash seed), so every gate would find it changed; snapshots/openapi.json "
            "was not recorded:",
            "  $.components.schemas.Paint.properties.mixed_at.default: * then *",
            "  $.info.version: * then *",
            "  $.components.schemas.Colour.enum: the same items in another order",
            "",
            "Values computed at import or start-up *",
            "  [[]tool.contractsnap[]]",
            '  schema_redact = ["$.components.schemas.Paint.properties.mixed_at.default", '
            '"$.info.version"]',
            '  schema_unordered = ["$.components.schemas.Colour.enum"]',
        ]
    )
    assert not (project.path / "snapshots" / "openapi.json").exists()


def test_with_the_printed_lines_gates_in_new_processes_are_clean(project: Project) -> None:
    project.add_app("unstable_schema")
    project.configure(app="app_module:app", unordered=["$"], **SCHEMA_RULES)
    project.run("--snapshot-update").assert_outcomes(passed=2)
    assert (project.path / "snapshots" / "openapi.json").exists()
    recorded = project.snapshots()
    for seed in ("1", "2", "3"):
        result = project.run_subprocess(env={"PYTHONHASHSEED": seed})
        result.assert_outcomes(passed=2)
        assert "the OpenAPI document differs" not in result.stdout.str()
    assert project.snapshots() == recorded
    colours = project.snapshot("GET_colours.json")["cases"][0]["response"]["body"]
    assert colours == sorted(colours)


def test_a_list_in_set_order_is_named_with_its_rule_not_offered_for_acceptance(
    project: Project,
) -> None:
    project.add_app("unstable_schema")
    project.configure(app="app_module:app", **SCHEMA_RULES)
    project.run("--snapshot-update").assert_outcomes(passed=2)
    result = project.run_subprocess(env={"PYTHONHASHSEED": "7"})
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "GET /colours: 1 of 1 case answered differently *",
            "*",
            "Only the order of a list changed: it follows something that differs from one "
            "process to another (a set, a dict of sets: the hash seed), so accepting fails "
            "again next run. *",
            "  [[]tool.contractsnap[]]",
            '  unordered = ["$"]',
        ]
    )
    assert "Accept it, if intended" not in result.stdout.str()


def test_a_start_time_in_a_request_default_without_rules_is_stale_at_the_gate(
    project: Project,
) -> None:
    """What the refusal prevents: the fingerprint follows the volatile default."""
    project.add_app("unstable_schema")
    project.configure(app="app_module:app", schema_unordered=SCHEMA_RULES["schema_unordered"])
    project.run("--snapshot-update")
    result = project.run_subprocess(env={"PYTHONHASHSEED": "3"})
    result.stdout.fnmatch_lines(["POST /paints: its parameters, request body, *stale*"])
    result.stdout.fnmatch_lines(
        ["snapshots/openapi.json is not recorded yet; `pytest --snapshot-update` records it"]
    )
