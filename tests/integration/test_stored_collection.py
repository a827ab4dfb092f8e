"""A gate collects its tests from the stored OpenAPI document (``snapshots/openapi.json``):
`pytest --collect-only`, `-k` and each pytest-xdist worker list the tests without importing
the app. The app's own document is read at the first test and decides what runs: nothing it
serves is left unchecked without a failure that names it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Project

ADDED_ROUTE = """

@app.get("/extra")
async def extra() -> dict[str, str]:
    return {"extra": "yes"}
"""


@pytest.fixture
def counted(project: Project, tmp_path: Path) -> Project:
    """A recorded app that notes each of its imports in ``project.imports``."""
    project.add_app("import_counted")
    project.configure(app="app_module:app")
    project.run("--snapshot-update").assert_outcomes(passed=2)
    assert (project.path / "snapshots" / "openapi.json").exists()
    log = tmp_path / "imports.log"
    project.monkeypatch.setenv("IMPORT_LOG", str(log))
    project.imports = log  # type: ignore[attr-defined]
    return project


def _imports(project: Project) -> int:
    log: Path = project.imports  # type: ignore[attr-defined]
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_collect_only_lists_the_tests_without_importing_the_app(counted: Project) -> None:
    result = counted.run_subprocess("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        [
            "contractsnap::test_contract[[]GET /items[]]",
            "contractsnap::test_contract[[]GET /status[]]",
        ]
    )
    assert _imports(counted) == 0


def test_the_gate_imports_the_app_once_at_its_first_test(counted: Project) -> None:
    result = counted.run_subprocess()
    result.assert_outcomes(passed=2)
    assert _imports(counted) == 1
    assert "differs" not in result.stdout.str()


def test_an_operation_added_since_fails_the_gate_by_name(counted: Project) -> None:
    (counted.path / "app_module.py").write_text(
        (counted.path / "app_module.py").read_text() + ADDED_ROUTE
    )
    result = counted.run_subprocess()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*end_of_run[[]operations added to the app[]]*",
            "the app has 1 operation that snapshots/openapi.json does not list (added since it "
            "was recorded), so this run collected no test for them: GET /extra. Record them, "
            "review the new files and commit them:",
            "  pytest --snapshot-update --contractsnap-op 'GET /extra'",
        ]
    )
    # The command it prints records it, from the app's own document
    counted.run("--snapshot-update", "--contractsnap-op", "GET /extra").assert_outcomes(passed=1)
    counted.run().assert_outcomes(passed=3)


def test_pytest_xdist_workers_name_an_added_operation_once(counted: Project) -> None:
    (counted.path / "app_module.py").write_text(
        (counted.path / "app_module.py").read_text() + ADDED_ROUTE
    )
    result = counted.run_subprocess("-n", "2")
    result.assert_outcomes(passed=2, failed=1)
    assert result.stdout.str().count("collected no test for them: GET /extra.") == 1


def test_an_operation_removed_since_is_an_orphan_as_before(counted: Project) -> None:
    counted.edit("app_module", '@app.get("/status")', '@app.get("/state")')
    result = counted.run_subprocess("-rs")
    result.assert_outcomes(passed=1, skipped=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*GET /status is not in the app's OpenAPI document any more (it was when "
            "snapshots/openapi.json was recorded): its snapshot file is reported at the end "
            "of the run",
        ]
    )
    result.stdout.fnmatch_lines(
        ["orphaned snapshot file snapshots/GET_status.json: its operation is not in the schema*"]
    )
    assert "GET /state" in result.stdout.str()  # added, and named as such


def test_recording_reads_the_apps_own_document(counted: Project) -> None:
    """An update records what the app serves now, whatever the stored document lists."""
    (counted.path / "app_module.py").write_text(
        (counted.path / "app_module.py").read_text() + ADDED_ROUTE
    )
    counted.run("--snapshot-update").assert_outcomes(passed=3)
    assert "/extra" in (counted.path / "snapshots" / "openapi.json").read_text()


def test_a_stored_document_that_does_not_load_is_read_from_the_app(counted: Project) -> None:
    (counted.path / "snapshots" / "openapi.json").write_text("{not json")
    result = counted.run_subprocess("--collect-only", "-q")
    result.stdout.fnmatch_lines(["contractsnap::test_contract[[]GET /items[]]"])
    assert _imports(counted) == 1  # collected from the app's own document, as before


def test_an_app_that_no_longer_imports_fails_each_test_with_the_reason(
    counted: Project,
) -> None:
    counted.edit("app_module", "app = FastAPI(", "app = FastAPI(  # \napp_broken = (")
    result = counted.run_subprocess()
    result.assert_outcomes(errors=2)
    output = result.stdout.str()
    assert output.count("raised SyntaxError: '(' was never closed (app_module.py, line 16)") == 1
    assert "the suite did not start; its first test says why" in output
    assert output.count("`python -c 'import app_module'` shows the traceback") == 1
    assert "During handling of the above exception" not in output


def test_a_selector_for_an_operation_added_since_runs_it(counted: Project) -> None:
    """`--contractsnap-op` naming an operation the stored document does not list: the app's
    own document is read at collection, and the test runs (no snapshot yet: it fails so)."""
    (counted.path / "app_module.py").write_text(
        (counted.path / "app_module.py").read_text() + ADDED_ROUTE
    )
    result = counted.run("--contractsnap-op", "GET /extra")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED contractsnap::test_contract[[]GET /extra[]]*"])
