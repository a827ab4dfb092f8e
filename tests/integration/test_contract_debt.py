"""Contract debt, as mypy baselines do it: recording keeps each case's known violations in
its snapshot; a gate fails on new ones only and reports the known ones; fixing one is a
change to accept; `strict = true` fails on the debt again."""

from __future__ import annotations

import io
import subprocess

from contractsnap.cli import main

from .conftest import Project

DEBT = [
    "contract debt: 2 known violations in 2 operations, recorded in the snapshots (new ones "
    "fail; `strict = true` fails on these too)",
    "  GET /export: content_type_conformance 1, e.g. [[]error[]]*Undocumented Content-Type*",
    "  GET /items/1: response_schema_conformance 1, e.g. [[]error[]]*Response violates schema*",
]


def _recorded(project: Project) -> None:
    project.add_app("contract_debt")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(DEBT)


def test_recording_keeps_the_debt_and_the_gate_reports_it(project: Project) -> None:
    _recorded(project)
    case = project.snapshot("GET_items_1.json")["cases"][0]
    assert case["violations"] == ["response_schema_conformance"]
    assert "violations" not in project.snapshot("GET_health.json")["cases"][0]
    gate = project.run()
    gate.assert_outcomes(passed=3)
    gate.stdout.fnmatch_lines(DEBT)


def test_a_new_violation_fails_the_gate(project: Project) -> None:
    _recorded(project)
    project.edit("app_module", 'return {"ok": True}', 'return {"ok": "yes"}')
    gate = project.run()
    gate.assert_outcomes(passed=2, failed=1)
    gate.stdout.fnmatch_lines(["GET /health: *", "*[[]error[]]*Response violates schema*"])
    gate.stdout.fnmatch_lines(DEBT)


def test_fixing_a_violation_is_a_change_to_accept(project: Project) -> None:
    _recorded(project)
    project.edit("app_module", '"price": "9.99"}', '"price": 9.99}')
    gate = project.run()
    gate.assert_outcomes(passed=2, failed=1)
    gate.stdout.fnmatch_lines(
        [
            "GET /items/1: 1 of 1 case answered differently from snapshots/GET_items_1.json *",
            "*",
            "  contract violation fixed: response_schema_conformance",
            "*",
            "Accept it, if intended: pytest --snapshot-update --contractsnap-op 'GET /items/1'",
        ]
    )
    project.run("--snapshot-update", "--contractsnap-op", "GET /items/1")
    assert "violations" not in project.snapshot("GET_items_1.json")["cases"][0]
    project.run().assert_outcomes(passed=3)


def test_strict_fails_on_the_debt(project: Project) -> None:
    _recorded(project)
    project.configure(app="app_module:app", strict=True)
    gate = project.run()
    gate.assert_outcomes(passed=1, failed=2)
    gate.stdout.fnmatch_lines(["contract violations: 2 failures in 2 operations"])


def test_the_report_counts_the_debt_and_names_a_fix(project: Project) -> None:
    _recorded(project)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=project.path, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git(
        "-c",
        "user.email=ci@example.com",
        "-c",
        "user.name=CI",
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        "0",
    )
    git("add", "-A")
    git("-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "snapshots")
    project.edit("app_module", '"price": "9.99"}', '"price": 9.99}')
    project.run("--snapshot-update")
    out = io.StringIO()
    code = main(
        ["--dir", str(project.path / "snapshots"), "report", "--base", "main", "--fail-on", "none"],
        stdout=out,
    )
    text = out.getvalue()
    assert code == 0
    assert (
        "- **contract violation fixed: `response_schema_conformance`**: 1 case in 1 operation"
        in text
    )
    assert "### Contract debt at `working tree`" in text
    assert "| `GET /export` | `content_type_conformance` | 1 |" in text
    assert "GET /items/1` | `response_schema" not in text


#: The token the caller sends; ``debt_values`` answers it where its schema says an integer.
TOKEN = "tok-5f1a9c3e77d2"
AUTH_CONFTEST = f"""
import pytest


@pytest.fixture
def contractsnap_auth_headers():
    return {{"Authorization": "Bearer {TOKEN}"}}
"""


def _debt(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("contract debt:"))
    return lines[start : start + 3]


def test_the_checks_messages_quote_what_the_files_hide(project: Project) -> None:
    """A violation's message quotes the value that broke the schema: a timestamp of now
    that `redact` hides, the caller's own token. The output hides them as the files do, so
    two runs print the same lines and a CI log shows no credential."""
    project.add_app("debt_values")
    project.configure(app="app_module:app", redact=["timestamp"])
    project.pytester.makeconftest(AUTH_CONFTEST)
    recorded = project.run("--snapshot-update")
    recorded.assert_outcomes(passed=2)
    gates = [project.run(), project.run()]
    for gate in gates:
        gate.assert_outcomes(passed=2)
    assert (
        _debt(gates[0].stdout.str()) == _debt(gates[1].stdout.str()) == _debt(recorded.stdout.str())
    )
    # (older schemathesis releases, 4.30 among them, give no failure code: `[error] Response`)
    gates[0].stdout.fnmatch_lines(
        [
            "  GET /events/latest: response_schema_conformance 1, e.g. [[]error[]] *Response "
            'violates schema: "<timestamp:1>" is not a "date-time"*',
            "  GET /me: response_schema_conformance 1, e.g. [[]error[]] *Response violates "
            'schema: "<secret:1>" is not of type "integer"*',
        ]
    )
    # strict: the same violations fail, in full, and still quote no credential
    project.configure(app="app_module:app", redact=["timestamp"], strict=True)
    strict = project.run()
    strict.assert_outcomes(failed=2)
    strict.stdout.fnmatch_lines(['*"<secret:1>" is not of type "integer"*'])
    for result in (recorded, *gates, strict):
        assert TOKEN not in result.stdout.str() + result.stderr.str()
