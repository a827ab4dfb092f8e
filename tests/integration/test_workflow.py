"""The record -> gate -> change -> fail -> update -> pass cycle, in real pytest sessions."""

from __future__ import annotations

import io
import json
from typing import Any

from .conftest import Project

FEATURES_STEMS = {
    "DELETE_orders_{order_id}.json",
    "GET_boom.json",
    "GET_export.json",
    "GET_health.json",
    "GET_me.json",
    "GET_orders.json",
    "GET_orders_{order_id}.json",
    "GET_orders_{order_id}_lines_{line_no}.json",
    "POST_login.json",
    "POST_orders.json",
}
# /boom raises by design; its contract failure is checked in test_contract_checks.py.
NO_BOOM = ["--contractsnap-op", "path:/[!b]*"]


def features(project: Project, **settings: Any) -> None:
    project.add_app("features")
    project.configure(app="app_module:app", setup="app_module:reset", **settings)


class TestRecordAndReplay:
    def test_update_writes_one_file_per_operation(self, project: Project) -> None:
        """--snapshot-update with only [tool.contractsnap] records every operation."""
        features(project, exclude=["GET /boom"])
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=9)
        assert set(project.snapshots()) == FEATURES_STEMS - {"GET_boom.json"}
        document = project.snapshot("GET_orders_{order_id}.json")
        assert document["format"] == "contractsnap/2"
        assert document["operation"]["operationId"] == "get_order"
        assert all({"id", "source", "request", "response"} <= set(c) for c in document["cases"])

    def test_gate_passes_and_update_is_byte_identical(self, project: Project) -> None:
        """A plain run passes; a second update rewrites nothing."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        first = project.snapshots()
        project.run().assert_outcomes(passed=9)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        assert project.snapshots() == first

    def test_changed_field_fails_only_that_operation(self, project: Project) -> None:
        """One changed response field fails its operation with a readable diff; nothing written."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        before = project.snapshots()
        project.edit("app_module", 'token=f"token-{username}"', 'token=f"tkn-{username}"')
        result = project.run()
        result.assert_outcomes(passed=8, failed=1)
        result.stdout.fnmatch_lines(
            [
                "POST /login: 3 of 3 cases answered differently from snapshots/POST_login.json "
                "(- snapshot, + received)",
                "",
                "case 1/3 [[]*[]] *: *",
                "  POST /login",
                "    body (application/x-www-form-urlencoded): {*}",
                '  -    "token": "token-*",',
                '  +    "token": "tkn-*",',
                "*",
                "2 more cases changed the same fields (2, 3); `pytest -v` shows every diff",
                "",
                "Accept it, if intended: pytest --snapshot-update --contractsnap-op 'POST /login'",
                "The new result is in snapshots/POST_login.json.pending: `contractsnap review` "
                "accepts or rejects it.",
                "*FAILED contractsnap::test_contract[[]POST /login[]]*",
            ]
        )
        # The snapshots are untouched; outside CI the new result waits beside them for review.
        after = project.snapshots()
        assert {k: v for k, v in after.items() if not k.endswith(".pending")} == before
        assert [k for k in after if k.endswith(".pending")] == ["POST_login.json.pending"]
        project.run("--snapshot-update", "--contractsnap-op", "POST /login")
        project.run().assert_outcomes(passed=9)
        changed = {k for k, v in project.snapshots().items() if before[k] != v}
        assert changed == {"POST_login.json"}

    def test_missing_snapshot_fails_with_the_record_command(self, project: Project) -> None:
        """A plain run without a snapshot file fails and says how to record it."""
        features(project, include=["GET /health"])
        project.run("--snapshot-update").assert_outcomes(passed=1)
        features(project, include=["GET /health", "GET /orders"])
        result = project.run()
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "GET /orders: no snapshot file snapshots/GET_orders.json; record it with:",
                "  pytest --snapshot-update --contractsnap-op 'GET /orders'",
            ]
        )
        assert "GET_orders.json" not in project.snapshots()

    def test_nothing_recorded_says_so_once(self, project: Project) -> None:
        """A first gate before any recording: one message, the other tests skip."""
        features(project, exclude=["GET /boom"])
        result = project.run()
        result.assert_outcomes(failed=1, skipped=8)
        output = result.stdout.str()
        assert output.count("no snapshot is recorded in snapshots/ yet") == 1
        result.stdout.fnmatch_lines(
            [
                "no snapshot is recorded in snapshots/ yet, so no contract test has anything to "
                "compare with. Record them all with:",
                "  pytest --snapshot-update",
                "then review the new files in snapshots/ and commit them; plain `pytest` is "
                "the gate",
                "SKIPPED [[]8[]] *: no snapshot recorded in snapshots/ yet (see the failure above)",
            ]
        )
        assert "openapi.json" not in output
        assert project.snapshots() == {}


class TestOrphans:
    def test_removed_operation_is_orphaned_then_deleted(self, project: Project) -> None:
        """A removed operation's file fails a plain run and is deleted by a full update."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        project.edit(
            "app_module", '@router.get("/health"', '@router.get("/health", include_in_schema=False'
        )
        result = project.run()
        # the removed operation's test (listed from the stored document) says it is gone;
        # its file fails the run (the document is only said)
        result.assert_outcomes(passed=8, skipped=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "orphaned snapshot file snapshots/GET_health.json: its operation is not in the "
                "schema; `pytest --snapshot-update` (a full run) deletes it",
                "*short test summary info*",
                "FAILED contractsnap::end_of_run[[]snapshots/GET_health.json[]] - orphaned *",
                "*= 1 failed, 8 passed, 1 skipped in *",
            ]
        )
        result = project.run("--snapshot-update")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["deleted orphaned snapshot file snapshots/GET_health.json"])
        assert "GET_health.json" not in project.snapshots()
        assert project.run().ret == 0

    def test_partial_runs_never_flag_or_delete(self, project: Project) -> None:
        """-k, --contractsnap-op and -x runs leave orphans alone and do not fail on them."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        project.edit(
            "app_module", '@router.get("/health"', '@router.get("/health", include_in_schema=False'
        )
        for args in (["-k", "orders"], ["--contractsnap-op", "GET /orders"], ["-k", "not login"]):
            result = project.run("--snapshot-update", *args)
            assert "orphaned" not in result.stdout.str()
            assert "GET_health.json" in project.snapshots()
            assert project.run(*args).ret in (0, 5)

    def test_excluded_operations_keep_their_files(self, project: Project) -> None:
        """Leaving an operation out with `exclude` never makes its file an orphan."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        features(project, exclude=["GET /boom", "GET /health"])
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=8)
        assert "orphaned" not in result.stdout.str()
        assert "GET_health.json" in project.snapshots()

    def test_op_option_runs_only_contract_tests(self, project: Project) -> None:
        """The printed accept command never touches the project's other tests."""
        features(project, exclude=["GET /boom"])
        project.pytester.makepyfile(test_other="def test_other():\n    assert False\n")
        result = project.run("--snapshot-update", "--contractsnap-op", "GET /health")
        result.assert_outcomes(passed=1, deselected=9)

    def test_files_that_are_not_snapshots_are_left_alone(self, project: Project) -> None:
        """A README or foreign JSON in the snapshot directory is never flagged or deleted."""
        features(project, include=["GET /health"])
        (project.path / "snapshots").mkdir()
        (project.path / "snapshots" / "README.md").write_text("reviewed weekly\n")
        (project.path / "snapshots" / "other.json").write_text('{"a": 1}\n')
        project.run("--snapshot-update").assert_outcomes(passed=1)
        assert project.run().ret == 0
        assert {"README.md", "other.json"} <= set(project.snapshots())


class TestStaleCases:
    def test_changed_parameters_are_stale_and_regenerated_alone(self, project: Project) -> None:
        """A new query parameter makes only that operation stale; update regenerates it alone."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        before = project.snapshots()
        project.edit(
            "app_module",
            "    priority: Priority | None = None,\n) -> list[Order]:",
            "    priority: Priority | None = None,\n    limit: int = 10,\n) -> list[Order]:",
        )
        result = project.run()
        result.assert_outcomes(passed=8, failed=1)  # stale (the document is only said)
        result.stdout.fnmatch_lines(
            [
                "GET /orders: its definition changed: parameter `limit` (query) added "
                "(since snapshots/GET_orders.json was recorded: fingerprint * -> *); its frozen "
                "cases are stale. Record it again (the cases that still fit are kept as they "
                "are) with:",
                "  pytest --snapshot-update --contractsnap-op 'GET /orders'",
            ]
        )
        old_cases = json.loads(before["GET_orders.json"])["cases"]
        project.run("--snapshot-update").assert_outcomes(passed=9)
        after = project.snapshots()
        assert {k for k in after if after[k] != before[k]} == {"GET_orders.json"}
        new_cases = project.snapshot("GET_orders.json")["cases"]
        # No reshuffle: every old case is still there, first and in order, byte for byte;
        # the added ones are about the new parameter.
        assert new_cases[: len(old_cases)] == old_cases
        added = new_cases[len(old_cases) :]
        assert added
        assert all("limit" in c["request"].get("query", {}) for c in added)
        project.run().assert_outcomes(passed=9)


ECHO_APP = """
from fastapi import FastAPI, Request
from pydantic import BaseModel

app = FastAPI()


class Item(BaseModel):
    zeta: str = "z"
    alpha: int = 1


@app.post("/echo", operation_id="echo")
async def echo(item: Item, request: Request) -> dict[str, str]:
    return {"raw": (await request.body()).decode()}
"""


class TestReplayFidelity:
    def test_replay_sends_the_bytes_that_were_recorded(self, project: Project) -> None:
        """An app that echoes its raw request body answers the same on record and replay."""
        project.pytester.makepyfile(app_module=ECHO_APP)
        project.configure(app="app_module:app")
        project.run("--snapshot-update").assert_outcomes(passed=1)
        project.run().assert_outcomes(passed=1)
        raws = [c["response"]["body"]["raw"] for c in project.snapshot("POST_echo.json")["cases"]]
        assert raws
        both = [raw for raw in raws if '"alpha"' in raw and '"zeta"' in raw]
        assert both
        assert all(raw.index('"alpha"') < raw.index('"zeta"') for raw in both)


class TestStoredSchema:
    def test_a_partial_update_records_the_document_too(self, project: Project) -> None:
        """`--contractsnap-op` writes one operation from the newer document: it is stored."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        stored = project.path / "snapshots" / "openapi.json"
        project.edit(
            "app_module", '@router.get("/health"', '@router.get("/health", deprecated=True'
        )
        project.run("--snapshot-update", "--contractsnap-op", "GET /health").assert_outcomes(
            passed=1
        )
        assert json.loads(stored.read_text())["paths"]["/health"]["get"]["deprecated"] is True
        project.run().assert_outcomes(passed=9)

    def test_accept_records_the_document_a_gate_saw(self, project: Project) -> None:
        """A gate leaves the newer document pending beside its changes; accept stores both."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        stored = project.path / "snapshots" / "openapi.json"
        project.edit("app_module", 'token=f"token-{username}"', 'token=f"tkn-{username}"')
        project.edit(
            "app_module", '@router.get("/health"', '@router.get("/health", deprecated=True'
        )
        project.run().assert_outcomes(passed=8, failed=1)
        assert (project.path / "snapshots" / "openapi.json.pending").exists()
        assert "deprecated" not in stored.read_text()
        from contractsnap.cli import main

        out = io.StringIO()
        dir_args = ["--dir", str(project.path / "snapshots")]
        assert main([*dir_args, "pending"], stdout=out) == 0
        assert all(line.startswith("POST /login#") for line in out.getvalue().splitlines())
        assert main([*dir_args, "accept"], stdout=out) == 0
        assert "recorded the newer OpenAPI document in snapshots/openapi.json" in out.getvalue()
        assert json.loads(stored.read_text())["paths"]["/health"]["get"]["deprecated"] is True
        assert not (project.path / "snapshots" / "openapi.json.pending").exists()
        project.run().assert_outcomes(passed=9)

    def test_schema_is_recorded_and_a_change_that_stales_nothing_is_said(
        self, project: Project
    ) -> None:
        """Updates store openapi.json; a plain run says how the document changed, and fails
        only where an operation's requests changed (stale), not for the document itself."""
        features(project, exclude=["GET /boom"])
        project.run("--snapshot-update").assert_outcomes(passed=9)
        stored = project.path / "snapshots" / "openapi.json"
        assert json.loads(stored.read_text())["paths"]["/health"]
        project.edit(
            "app_module", '@router.get("/health"', '@router.get("/health", deprecated=True'
        )
        result = project.run()
        result.assert_outcomes(passed=9)
        result.stdout.fnmatch_lines(
            [
                "*the OpenAPI document differs from snapshots/openapi.json in 1 place (operations "
                "whose requests it changes are reported as stale)*",
                '*  $.paths[[]"/health"[]].get.deprecated: "<absent>" then true',
            ]
        )
        assert (project.path / "snapshots" / "openapi.json.pending").exists()
        project.run("--snapshot-update").assert_outcomes(passed=9)
        assert json.loads(stored.read_text())["paths"]["/health"]["get"]["deprecated"] is True
        assert project.run().ret == 0
