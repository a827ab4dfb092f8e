"""Values read from the clock (a JWT with `iat`/`exp`, epoch seconds, a timestamp of now)
agree between recording's two sends, which fall within one second, and fail the next run:
recording refuses them with the `redact` line; a gate whose every changed value looks
volatile says so instead of offering to accept it."""

from __future__ import annotations

import time

from .conftest import Project


def test_recording_names_clock_values_and_the_redact_line(project: Project) -> None:
    project.add_app("clock_tokens")
    # The clock pinned to this test's now, so the two sends agree even when a loaded
    # machine puts them in two seconds (then they differ, and the message is another).
    project.edit("app_module", "CLOCK = time.time", f"CLOCK = lambda: {int(time.time())}.0")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update", "-k", "login or session")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "POST /login: responses hold values read from the clock; both sends fell within "
            "the same second, the next run will not, so snapshots/POST_login.json was not "
            "written:",
            "*",
            "  $.access_token: a JWT whose iat, exp hold the time",
            "  $.issued: epoch seconds of now (*)",
            "*",
            '  redact = ["jwt", "epoch"]',
        ]
    )
    result.stdout.fnmatch_lines(["  $.started: a timestamp of now (*)", '  redact = ["timestamp"]'])
    assert not (project.path / "snapshots" / "POST_login.json").exists()


def test_a_uuid4_hex_is_a_volatile_value_with_its_detector(project: Project) -> None:
    project.add_app("clock_tokens")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update", "-k", "trace")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(['  $.request_id: "*" then "*"', "*", '  redact = ["uuid"]'])


def test_with_the_rules_per_operation_later_runs_are_clean(project: Project) -> None:
    project.add_app("clock_tokens")
    project.configure(
        {"POST /login": {"redact": ["jwt", "epoch"]}},
        app="app_module:app",
        redact=["timestamp", "uuid"],
    )
    project.run("--snapshot-update").assert_outcomes(passed=3)
    body = project.snapshot("POST_login.json")["cases"][0]["response"]["body"]
    assert body == {"access_token": "<jwt:1>", "issued": "<epoch:1>", "token_type": "bearer"}
    recorded = project.snapshots()
    for _ in range(3):
        time.sleep(1.1)  # another clock second
        project.run().assert_outcomes(passed=3)
    assert project.snapshots() == recorded


def test_a_token_pinned_in_the_past_is_recorded_as_is(project: Project) -> None:
    """Only values of now are clock readings: a fixed token is part of the contract."""
    project.add_app("clock_tokens")
    project.edit("app_module", "CLOCK = time.time", "CLOCK = lambda: 1_000_000_000.0")
    project.configure(app="app_module:app", include=["POST /login"])
    project.run("--snapshot-update").assert_outcomes(passed=1)
    body = project.snapshot("POST_login.json")["cases"][0]["response"]["body"]
    assert body["issued"] == 1_000_000_000
    assert body["access_token"].startswith("eyJ")


def test_a_gate_whose_changes_all_look_volatile_offers_the_rule_not_acceptance(
    project: Project,
) -> None:
    project.add_app("clock_tokens")
    project.edit("app_module", "uuid.uuid4().hex", '"0123456789ab4def8123456789abcdef"')
    project.configure(app="app_module:app", include=["GET /trace"])
    project.run("--snapshot-update").assert_outcomes(passed=1)
    project.edit("app_module", '"0123456789ab4def8123456789abcdef"', "uuid.uuid4().hex")
    result = project.run()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "Every changed value looks volatile (uuid): a new one on every run, so "
            "accepting fails again next run. *",
            "  [[]tool.contractsnap[]]",
            '  redact = ["uuid"]',
        ]
    )
    assert "Accept it, if intended" not in result.stdout.str()
