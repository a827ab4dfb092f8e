"""Contract checks: errors apart from snapshot diffs, warnings in the summary, configuration."""

from __future__ import annotations

from .conftest import Project


class TestContractChecks:
    def test_server_error_is_snapshotted_and_reported_as_a_violation(
        self, project: Project
    ) -> None:
        """A raising endpoint records its 500 and fails as a contract violation, not a diff."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["GET /boom", "GET /health"])
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=1, failed=1)
        assert project.snapshot("GET_boom.json")["cases"][0]["response"]["status"] == 500
        result.stdout.fnmatch_lines(
            [
                "GET /boom: the app failed on 1 of 1 case (answered 500): "
                "a server error to fix, not a change to accept",
                "",
                "case 1/1 [[]*[]] coverage: Default positive test case",
                "  GET /boom",
                "  -> 500",
                "  Traceback (most recent call last):",
                '*File "*app_module.py", line *, in boom',
                "  RuntimeError: boom",
                "*contractsnap: snapshots/*",
                "contract violations: 1 failure in 1 operation",
                "  GET /boom",
                "    [[]error[]]*Server error*",
            ]
        )
        gate = project.run()
        gate.assert_outcomes(passed=1, failed=1)
        assert "answered differently" not in gate.stdout.str()
        assert "  RuntimeError: boom" in gate.stdout.lines

    def test_a_new_server_error_is_shown_first_not_as_a_change_to_accept(
        self, project: Project
    ) -> None:
        """An endpoint that starts failing after recording: what the app raised comes first,
        with no accept hint for it, and the other contract failures of the same pass too."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["GET /health"])
        project.run("--snapshot-update").assert_outcomes(passed=1)
        project.edit(
            "app_module",
            '@router.get("/health"',
            "def failing_lookup() -> str:\n    raise LookupError('the cache is gone')\n\n\n"
            '@router.get("/health"',
        )
        project.edit("app_module", '    return "ok"', "    return failing_lookup()")
        gate = project.run()
        gate.assert_outcomes(failed=1)
        gate.stdout.fnmatch_lines(
            [
                "GET /health: the app failed on 1 of 1 case (answered 500): "
                "a server error to fix, not a change to accept",
                "",
                "case 1/1 [[]*[]] coverage: Default positive test case",
                "  GET /health",
                "  -> 500",
                "  Traceback (most recent call last):",
                "*in failing_lookup",
                "  LookupError: the cache is gone",
                "*contractsnap: snapshots/*",
            ]
        )
        # Nothing to accept: no diff, no accept command, no pending file offering the 500.
        assert "answered differently" not in gate.stdout.str()
        assert "Accept it" not in gate.stdout.str()
        assert "GET_health.json.pending" not in project.snapshots()
        # In CI pytest's short summary shows each failure whole: here only its first line.
        project.monkeypatch.setenv("CI", "true")
        ci = project.run()
        assert (
            "FAILED contractsnap::test_contract[GET /health] - Failed: GET /health: the app "
            "failed on 1 of 1 case (answered 500): a server error to fix, not a change to accept"
        ) in ci.stdout.lines
        assert len(ci.stdout.str()) < len(gate.stdout.str()) + 500

    def test_checks_are_configurable_per_operation(self, project: Project) -> None:
        """An operations table can switch a check off for one operation."""
        project.add_app("features")
        project.configure(
            app="app_module:app", include=["GET /boom"], operations={"GET /boom": {"checks": []}}
        )
        project.run("--snapshot-update").assert_outcomes(passed=1)
        project.run().assert_outcomes(passed=1)

    def test_undocumented_status_warns_unless_strict(self, project: Project) -> None:
        """A status code the schema does not declare is a warning; strict mode fails on it."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["GET /orders/{order_id}"], negative=True)
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=1)
        result.stdout.fnmatch_lines(
            [
                "contract warnings: * in 1 operation (set `strict = true` to fail on them)",
                "  GET /orders/{order_id}",
                "    [[]warning[]]*Undocumented*status code*",
            ]
        )
        project.configure(
            app="app_module:app", include=["GET /orders/{order_id}"], negative=True, strict=True
        )
        strict = project.run()
        strict.assert_outcomes(failed=1)
        strict.stdout.fnmatch_lines(["*[[]error[]]*Undocumented*status code*"])

    def test_body_that_breaks_the_response_schema_fails(self, project: Project) -> None:
        """A body that comes to break the declared response model is an error."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["GET /me"])
        project.run("--snapshot-update").assert_outcomes(passed=1)
        project.edit(
            "app_module",
            "    return Me(client_version=x_client_version, session=session)",
            "    return {'client_version': 1}  # type: ignore[return-value]",
        )
        project.edit(
            "app_module",
            '@router.get("/me", operation_id="get_me")',
            '@router.get("/me", operation_id="get_me", response_model=None,'
            " responses={200: {'model': Me}})",
        )
        result = project.run()
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*[[]error[]]*Response violates schema*"])


WRONG_TYPE_APP = """
from fastapi import FastAPI, Response

app = FastAPI()


@app.get("/report", operation_id="report", response_model=dict[str, str])
async def report() -> Response:
    return Response("not json", media_type="text/csv")
"""


class TestContentType:
    def test_undeclared_content_type_fails(self, project: Project) -> None:
        """A response whose content type the operation does not declare is an error (with
        ``strict``; else it is recorded as debt, see test_contract_debt)."""
        project.pytester.makepyfile(app_module=WRONG_TYPE_APP)
        project.configure(app="app_module:app", strict=True)
        result = project.run("--snapshot-update")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["*[[]error[]]*Undocumented Content-Type*"])
        assert project.snapshot("GET_report.json")["cases"][0]["response"]["text"] == "not json"
