"""An app that keeps its data between recording passes and runs (a SQLite file): said as
such, with the `setup` that fixes it, never hidden behind a `redact` rule."""

from __future__ import annotations

from .conftest import Project


def _heroes(project: Project, setup: str | None = None) -> None:
    project.add_app("sqlite_file")
    if setup is None:
        project.configure(app="app_module:app")
    else:
        project.configure(app="app_module:app", setup=setup)


def test_recording_names_kept_state_and_the_setup_that_fixes_it(project: Project) -> None:
    _heroes(project)
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "POST /heroes/: responses differ between two sends of the same request, *",
            "*",
            "  $.id: 1 then 12",
            "*",
            "These values only grow: the app keeps what the first pass wrote (a database, a "
            "store). Recording sends every case twice and each pass must find the same data, "
            "so no `redact` rule is the fix: reset the state before each pass with `setup` *",
            "  [[]tool.contractsnap[]]",
            '  setup = "myapp.testing:reset"  # called (and awaited) with the app before each pass',
        ]
    )
    assert "redact = [" not in result.stdout.str()


def test_kept_state_beside_volatile_values_gets_the_setup_and_a_redact_line(
    project: Project,
) -> None:
    """A new row's id grows and its request id is random: `setup` is the fix for the one,
    `redact` for the other, and no rule hides the id."""
    _heroes(project)
    project.edit("app_module", "import sqlite3\n", "import sqlite3\nimport uuid\n")
    project.edit(
        "app_module",
        "class Hero(HeroIn):\n    id: int\n",
        "class Hero(HeroIn):\n    id: int\n"
        "    request_id: str = Field(default_factory=lambda: uuid.uuid4().hex)\n",
    )
    result = project.run("--snapshot-update")
    result.stdout.fnmatch_lines(
        [
            "POST /heroes/: responses differ between two sends of the same request, *",
            "  $.id: 1 then 12",
            "  $.request_id: * then *",
            "Some values only grow ($.id): the app keeps what the first pass wrote (a database, "
            "a store). Recording sends every case twice and each pass must find the same data, "
            "so no `redact` rule is the fix for them: reset the state before each pass with "
            '`setup` (recipes: "Resetting state" in the README):',
            '  setup = "myapp.testing:reset"  *',
            "",
            "Redact the other, volatile values in pyproject.toml, then record again:",
            "  [[]tool.contractsnap[]]",
            '  redact = [[]"uuid"[]]',
        ]
    )
    assert '"$.id"' not in result.stdout.str()
    project.configure(app="app_module:app", setup="app_module:reset", redact=["uuid"])
    project.run("--snapshot-update").assert_outcomes(passed=3)
    project.run().assert_outcomes(passed=3)


def test_a_gate_after_a_run_that_left_rows_says_so(project: Project) -> None:
    _heroes(project)
    project.run("--snapshot-update")  # the list is recorded empty; the create is refused
    gate = project.run()
    gate.stdout.fnmatch_lines(
        [
            "GET /heroes/: 1 of 1 case answered differently *",
            "*",
            "These values only grow, as if the app kept data from an earlier run (a database "
            "file?): if so, accepting fails again next run; reset the state with `setup` *",
            "",
            "Accept it, if intended: pytest --snapshot-update --contractsnap-op 'GET /heroes/'",
        ]
    )


def test_with_the_setup_it_records_and_gates_clean(project: Project) -> None:
    _heroes(project, setup="app_module:reset")
    project.run("--snapshot-update").assert_outcomes(passed=3)
    for _ in range(3):
        project.run().assert_outcomes(passed=3)
    assert project.snapshot("POST_heroes_-263ce2cd.json")["cases"][0]["response"]["body"]["id"] == 1


def test_a_changed_status_is_not_called_kept_state(project: Project) -> None:
    """201 then 202 is a larger number, not a value that grows: an intended change."""
    _heroes(project, setup="app_module:reset")
    project.run("--snapshot-update").assert_outcomes(passed=3)
    project.edit(
        "app_module",
        '@app.post("/heroes/", status_code=201)',
        '@app.post("/heroes/", status_code=202)',
    )
    gate = project.run()
    gate.assert_outcomes(passed=2, failed=1)
    gate.stdout.fnmatch_lines(["  status: 201 then 202"])
    assert "only grow" not in gate.stdout.str()


def test_a_rate_limit_met_by_the_second_send_is_named(project: Project) -> None:
    project.add_app("rate_limited")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "  status: 200 then 429",
            "*",
            "A send was answered 429 Too Many Requests: the app's rate limit, not the "
            "operation, answered (recording sends every case twice). Switch the limit off *",
        ]
    )
    assert "No `redact` rule" not in result.stdout.str()


def test_a_rate_limit_recorded_as_the_answer_is_said(project: Project) -> None:
    """A 429 is never recorded as the expected answer without a word."""
    project.add_app("rate_limited")
    project.edit("app_module", "LIMIT = 5", "LIMIT = 0")  # every request, both sends
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    statuses = [c["response"]["status"] for c in project.snapshot("GET_search.json")["cases"]]
    assert 429 in statuses
    limited = statuses.count(429)
    result.stdout.fnmatch_lines(
        [
            f"GET /search: {limited} of {len(statuses)} cases were recorded answering 429 Too "
            "Many Requests: the snapshot holds the app's rate limit, not what the operation "
            "does (recording sends every case twice). Switch the limit off for the tests *"
        ]
    )


def test_a_read_that_depends_on_other_operations_is_named_at_record_time(
    project: Project,
) -> None:
    """Order dependence is caught by the recording, not by the next gate run in another
    order: each read is sent again once every operation has run."""
    _heroes(project)
    result = project.run("--snapshot-update")
    result.stdout.fnmatch_lines(
        [
            "GET /heroes/: answered otherwise when sent again after every operation of the "
            "recording had run: the answer depends on what other operations wrote, so a gate "
            "that runs them in another order (-k, --contractsnap-op, -n 2) finds it changed; "
            'reset the state before each pass with `setup` ("Resetting state" in the README), '
            "then record again"
        ]
    )


def test_with_the_setup_no_read_is_named(project: Project) -> None:
    _heroes(project, setup="app_module:reset")
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=3)
    assert "answered otherwise when sent again" not in result.stdout.str()


def test_a_header_set_that_changes_as_a_whole_is_reported(project: Project) -> None:
    """No kept header on one send, two on the next: a flaky difference, said as such (it
    used to crash the message with an IndexError)."""
    project.add_app("header_toggle")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "GET /toggle: responses differ between two sends of the same request, *",
            "*",
            '  headers: "<absent>" then {"content-type": "text/plain", "location": "/there"}',
        ]
    )
    assert "IndexError" not in result.stdout.str()
