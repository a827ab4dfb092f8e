"""State probes (what each case wrote to the database) and the coverage summary."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Project

SETTINGS = {"app": "app_module:app", "setup": "app_module:reset", "probes": ["app_module:items"]}
#: Invalid bodies too, so that some cases are rejected (422) and write nothing.
NEGATIVE = {"POST /items": {"negative": True}}


def _cases(project: Project, name: str, status: int | None = None) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = project.snapshot(name)["cases"]
    return [c for c in cases if status is None or c["response"]["status"] == status]


@pytest.fixture
def stateful(project: Project) -> Project:
    project.add_app("stateful")
    project.configure(NEGATIVE, **SETTINGS)
    return project


class TestStateProbes:
    def test_each_case_stores_what_it_wrote(self, stateful: Project) -> None:
        """Creates store the added row, deletes the removed one, reads store nothing."""
        stateful.run("--snapshot-update").assert_outcomes(passed=3)
        created = _cases(stateful, "POST_items.json", 201)
        assert created
        for case in created:
            body = case["response"]["body"]
            row = {"id": body["id"], "name": body["name"], "stock": body["stock"]}
            assert case["state"] == {"items": {"added": {str(body["id"]): row}}}
        rejected = _cases(stateful, "POST_items.json", 422)
        assert rejected
        assert all("state" not in c for c in rejected)
        deleted = _cases(stateful, "DELETE_items_{item_id}.json", 204)
        assert [c["state"] for c in deleted] == [
            {"items": {"removed": {"1": {"id": 1, "name": "desk", "stock": 1}}}}
        ]
        assert all("state" not in c for c in _cases(stateful, "GET_items_{item_id}.json"))
        stateful.run().assert_outcomes(passed=3)

    def test_a_wrong_row_behind_the_same_response_fails_the_gate(self, stateful: Project) -> None:
        """The response is unchanged; the state diff names the operation, case and probe."""
        stateful.run("--snapshot-update").assert_outcomes(passed=3)
        before = stateful.snapshots()
        stateful.edit("app_module", "stored_stock = item.stock", "stored_stock = item.stock + 1")
        result = stateful.run()
        result.assert_outcomes(passed=2, failed=1)
        output = result.stdout.str()
        result.stdout.fnmatch_lines(
            [
                "*POST /items: * of * cases answered differently from snapshots/POST_items.json "
                "(- snapshot, + received)",
                "*state (probe items):",
            ]
        )
        assert '    -      "stock": 3\n    +      "stock": 4' in output
        assert "FAILED contractsnap::GET /items/{item_id}" not in output
        assert stateful.snapshots() == {
            **before,
            "POST_items.json.pending": stateful.snapshots()["POST_items.json.pending"],
        }

    def test_probes_from_a_fixture(self, project: Project) -> None:
        """`contractsnap_probes` in conftest.py adds probes without configuration."""
        project.add_app("stateful")
        project.configure(app="app_module:app", setup="app_module:reset")
        project.pytester.makeconftest(
            """
            import pytest
            import app_module

            @pytest.fixture
            def contractsnap_probes(contractsnap_probes):
                async def count(app):
                    async with app.state.db.execute("SELECT COUNT(*) FROM items") as cursor:
                        return (await cursor.fetchone())[0]
                return {**contractsnap_probes, "count": count}
            """
        )
        project.run("--snapshot-update").assert_outcomes(passed=3)
        states = [c.get("state") for c in _cases(project, "POST_items.json")]
        assert {"count": {"before": 1, "after": 2}} in states

    def test_a_broken_probe_is_named(self, stateful: Project) -> None:
        """A probe that raises fails the tests with its name and the operation."""
        stateful.edit("app_module", '"SELECT id, name, stock FROM items"', '"SELECT * FROM nope"')
        result = stateful.run("--snapshot-update")
        result.assert_outcomes(failed=3)
        result.stdout.fnmatch_lines(
            ["*probe 'items' raised OperationalError: no such table: nope (GET /items/{item_id}*"]
        )
        assert stateful.snapshots() == {}

    def test_a_probe_module_that_raises_is_named(self, stateful: Project) -> None:
        """A probe module raising on import is one line naming it, not a traceback."""
        stateful.pytester.makepyfile(probes_module="raise RuntimeError('no database url')")
        stateful.configure(NEGATIVE, **{**SETTINGS, "probes": ["probes_module:rows"]})
        result = stateful.run("--snapshot-update")
        assert result.ret != 0
        result.stdout.fnmatch_lines(
            [
                "*`probes` = 'probes_module:rows': importing 'probes_module' raised "
                "RuntimeError: no database url; fix the module*"
            ]
        )
        assert "Traceback" not in result.stdout.str()

    def test_an_unimportable_probe_is_a_usage_error(self, stateful: Project) -> None:
        """A wrong import path in `probes` names the key and the path."""
        stateful.configure(NEGATIVE, **{**SETTINGS, "probes": ["app_module:nope"]})
        result = stateful.run("--snapshot-update")
        assert result.ret != 0
        result.stdout.fnmatch_lines(["*`probes` = 'app_module:nope' cannot be imported*"])


class TestCoverage:
    def test_summary_table_at_the_end_of_a_run(self, stateful: Project) -> None:
        """Every run ends with the operations and the documented statuses they reached."""
        stateful.run("--snapshot-update").assert_outcomes(passed=3)
        result = stateful.run()
        result.assert_outcomes(passed=3)
        result.stdout.fnmatch_lines(
            [
                "*contractsnap coverage: snapshots/*",
                "3 of 3 operations have snapshots; * of * documented statuses reached",
                "operation * snapshot * reached * not reached",
                "POST /items * yes * 201 405 422 * -",
                "DELETE /items/{item_id} * yes * 204 404 * 422",
                "GET /items/{item_id} * yes * 200 * 404 422",
            ]
        )

    def test_the_snapshot_column_is_about_files(self, stateful: Project) -> None:
        """An operation whose file is stale still has a snapshot; one never recorded has none."""
        stateful.configure(NEGATIVE, **SETTINGS, exclude=["DELETE /items/{item_id}"])
        stateful.run("--snapshot-update").assert_outcomes(passed=2)
        stateful.configure(NEGATIVE, **SETTINGS)
        stateful.edit(
            "app_module", "stock: int = Field(ge=0, le=100", "stock: int = Field(ge=0, le=99"
        )
        result = stateful.run()
        result.assert_outcomes(passed=1, failed=2)  # a stale, a missing file
        result.stdout.fnmatch_lines(
            [
                "2 of 3 operations have snapshots; * documented statuses reached",
                "POST /items * yes * - * 201 422",
                "DELETE /items/{item_id} * no * - * 204 404 422",
            ]
        )

    def test_uncovered_statuses_can_fail_the_gate(self, stateful: Project) -> None:
        """With the option, a documented status no case reached fails and is named."""
        stateful.edit(
            "app_module",
            '@app.post("/items", status_code=201)',
            '@app.post("/items", status_code=201, responses={409: {"description": "Duplicate"}})',
        )
        stateful.run("--snapshot-update").assert_outcomes(passed=3)
        result = stateful.run("--contractsnap-fail-uncovered")
        result.assert_outcomes(passed=3, failed=3)  # each operation that missed a status
        result.stdout.fnmatch_lines(
            [
                "*POST /items: no case reached documented status 409 (`fail_uncovered`)*",
                "FAILED contractsnap::end_of_run[[]coverage of POST /items[]] - POST /items: *",
            ]
        )
        stateful.configure(NEGATIVE, **SETTINGS, fail_uncovered=True)
        assert stateful.run().ret == 1
        stateful.configure(NEGATIVE, **SETTINGS)
        assert stateful.run().ret == 0

    def test_the_report_has_the_coverage(self, stateful: Project) -> None:
        """`contractsnap report` adds the coverage of the head to Markdown and JSON."""
        stateful.run("--snapshot-update").assert_outcomes(passed=3)
        git = stateful.pytester.run
        for args in (
            ("git", "init", "-q", "-b", "main"),
            ("git", "add", "-A"),
            ("git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "base"),
        ):
            assert git(*args).ret == 0
        from contractsnap.cli import main

        stateful.monkeypatch.chdir(stateful.path)
        stateful.monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        import io

        out = io.StringIO()
        assert main(["report", "--base", "main", "--format", "json"], stdout=out) == 0
        data = json.loads(out.getvalue())
        assert data["coverage"]["totals"]["operations"] == 3
        rows = {row["operation"]: row for row in data["coverage"]["operations"]}
        assert rows["GET /items/{item_id}"]["reached"] == [200]
        assert rows["GET /items/{item_id}"]["missing"] == ["404", "422"]
        out = io.StringIO()
        assert main(["report", "--base", "main"], stdout=out) == 0
        assert "| `GET /items/{item_id}` | yes | yes | 200 | 404 422 |" in out.getvalue()
        assert "reach: 3 of 3 operations answered 2xx (100%)" in out.getvalue()
        # Operations the project leaves out are left out of the report's coverage too.
        stateful.configure(NEGATIVE, **SETTINGS, exclude=["GET /items/{item_id}"])
        out = io.StringIO()
        assert main(["report", "--base", "main", "--format", "json"], stdout=out) == 0
        kept = {row["operation"] for row in json.loads(out.getvalue())["coverage"]["operations"]}
        assert kept == {"POST /items", "DELETE /items/{item_id}"}


def _coverage_section(output: str) -> list[str]:
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if "contractsnap coverage:" in line)
    end = next(i for i in range(start + 1, len(lines)) if lines[i].startswith(("=", "-")))
    return lines[start + 1 : end]


def test_workers_report_the_serial_coverage_and_state(stateful: Project) -> None:
    """Under pytest-xdist, the files and the coverage table are those of a serial run."""
    stateful.run("--snapshot-update").assert_outcomes(passed=3)
    serial_files = stateful.snapshots()
    serial = _coverage_section(stateful.run().stdout.str())
    for path in (stateful.path / "snapshots").glob("*.json"):
        path.unlink()
    stateful.run("--snapshot-update", "-n", "2").assert_outcomes(passed=3)
    assert stateful.snapshots() == serial_files
    parallel = stateful.run("-n", "2")
    parallel.assert_outcomes(passed=3)
    assert _coverage_section(parallel.stdout.str()) == serial
    assert len(serial) == 6  # headline, header, three operations, reach
