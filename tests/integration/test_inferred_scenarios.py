"""Inferred scenarios: with no links and no configuration, recording finds which operation
creates what another one reads, and records the create followed by its reads, updates,
sub-resources and deletes as a scenario, like any other.

The app (`tests/apps/crud.py`) has no examples: integer and UUID ids, a nested resource, a
tag whose id is only in `Location`, a shelf that exists only because it is seeded."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Project

#: What the crud app needs to record at all: a reset between passes, and its uuid4 ids.
BASE = {"app": "app_module:app", "setup": "app_module:reset", "redact": ["uuid"]}
AUTHORS = "scenarios/POST_authors_inferred.json"
TAGS = "scenarios/POST_tags_inferred.json"


#: A new consumer of what POST /tags creates: the tags scenario gains a step.
DELETE_TAG = (
    '@app.delete("/tags/{tag_id}", status_code=204, responses=NOT_FOUND)\n'
    "async def delete_tag(tag_id: Annotated[int, Path(ge=1)]) -> Response:\n"
    "    TAGS.pop(tag_id, None)\n"
    "    return Response(status_code=204)\n"
)


def _crud(project: Project, **settings: Any) -> None:
    project.add_app("crud")
    project.configure(**{**BASE, "infer_scenarios": True, **settings})


def _add_route(project: Project, code: str) -> None:
    """A new operation in the app, before its last one."""
    last = '@app.get("/shelves/{slug}"'
    project.edit("app_module", last, f"{code}\n\n{last}")


def _steps(project: Project, name: str) -> list[tuple[str, int]]:
    document = json.loads(project.snapshots()[name])
    return [(step["operation"], step["response"]["status"]) for step in document["steps"]]


def test_a_crud_app_without_examples_is_reached_with_no_configuration(project: Project) -> None:
    _crud(project)
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=13)
    result.stdout.fnmatch_lines(
        [
            "reach: 10 of 11 operations answered 2xx (91%); without one:",
            "  GET /shelves/{slug}: only 404s: no producer found (no operation answers an id it "
            'takes); a known value, `[tool.contractsnap.parameters] slug = "..."` with one '
            "that exists after `setup`, or `examples` with ids that exist",
        ]
    )
    # The create, its reads and update, the nested create and what reads it, the delete last.
    assert _steps(project, AUTHORS) == [
        ("POST /authors", 201),
        ("GET /authors/{author_id}", 200),
        ("PUT /authors/{author_id}", 200),
        ("POST /authors/{author_id}/books", 201),
        ("GET /authors/{author_id}/books", 200),
        ("GET /authors/{author_id}/books/{book_id}", 200),
        ("DELETE /authors/{author_id}", 204),
    ]
    # The tag's id is read from the Location header its create answers.
    assert _steps(project, TAGS) == [("POST /tags", 201), ("GET /tags/{tag_id}", 200)]
    tags = json.loads(project.snapshots()[TAGS])
    assert tags["scenario"]["origin"] == "inferred"
    assert tags["carried"]["<carried:1>"]["expression"].startswith(
        "$response.header.Location#regex:"
    )
    assert tags["steps"][1]["request"]["path"] == "/tags/<carried:1>"
    project.run().assert_outcomes(passed=13)


def test_the_reach_says_when_a_stale_scenario_did_not_reach_an_operation(
    project: Project,
) -> None:
    """The tag's read is reached only by its scenario; once that scenario is stale, the
    read's own cases find nothing, and the reach says why instead of blaming the ids."""
    _crud(project)
    project.run("--snapshot-update").assert_outcomes(passed=13)
    project.edit(
        "app_module",
        "    label: str = Field(min_length=1, max_length=20)\n",
        "    label: str = Field(min_length=1, max_length=20)\n    note: str | None = None\n",
    )
    gate = project.run()
    gate.stdout.fnmatch_lines(
        [
            "*its steps, links or operations changed since *",
            "  GET /tags/{tag_id}: only 404s: no scenario got to its step in this run (not "
            "selected, stale, or failed before that step: its test says which)",
        ]
    )
    assert "the ids carried to it find nothing" not in gate.stdout.str()


def test_one_parameters_line_reaches_the_seeded_resource(project: Project) -> None:
    project.add_app("crud")
    project.path.joinpath("pyproject.toml").write_text(
        "[tool.contractsnap]\n"
        'app = "app_module:app"\nsetup = "app_module:reset"\nredact = ["uuid"]\n\n'
        '[tool.contractsnap.parameters]\nslug = "main"\n'
    )
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=13)
    result.stdout.fnmatch_lines(["reach: 11 of 11 operations answered 2xx (100%)"])


def test_replays_are_byte_identical_under_any_hash_seed_and_two_workers(
    project: Project,
) -> None:
    _crud(project)
    project.run_subprocess("--snapshot-update", env={"PYTHONHASHSEED": "1"}).assert_outcomes(
        passed=13
    )
    first = project.snapshots()
    for name in first:
        (project.path / "snapshots" / name).unlink()
    project.run_subprocess("--snapshot-update", env={"PYTHONHASHSEED": "977"}).assert_outcomes(
        passed=13
    )
    assert project.snapshots() == first
    project.run_subprocess("-n", "2", env={"PYTHONHASHSEED": "random"}).assert_outcomes(passed=13)
    assert project.snapshots() == first


def test_a_changed_field_of_a_by_id_read_is_caught(project: Project) -> None:
    _crud(project)
    project.run("--snapshot-update").assert_outcomes(passed=13)
    project.edit(
        "app_module",
        '        raise HTTPException(404, "No such book")\n    return book\n',
        '        raise HTTPException(404, "No such book")\n'
        '    return book.model_copy(update={"pages": book.pages + 1})\n',
    )
    result = project.run()
    result.assert_outcomes(passed=12, failed=1)
    result.stdout.fnmatch_lines(
        [
            "scenario POST /authors (inferred): 1 of 7 steps answered differently from "
            f"snapshots/{AUTHORS} (- snapshot, + received)",
            "step 6/7: GET /authors/{author_id}/books/{book_id}",
            "  GET /authors/<carried:1>/books/<carried:3>",
            '*-    "pages": *,',
            '*+    "pages": *,',
        ]
    )


def test_a_configured_scenario_wins_over_the_inferred_one(project: Project) -> None:
    tag_is_read = {
        "name": "tag-is-read",
        "steps": [
            {"operation": "POST /tags", "status": 201},
            {
                "operation": "GET /tags/{tag_id}",
                "parameters": {"tag_id": "$response.header.Location#regex:/tags/(\\d+)"},
            },
        ],
    }
    _crud(project, scenarios=[tag_is_read])
    project.run("--snapshot-update").assert_outcomes(passed=13)
    files = project.snapshots()
    assert "scenarios/tag-is-read.json" in files
    assert TAGS not in files
    assert AUTHORS in files


def test_a_schema_change_that_alters_the_inference_makes_it_stale(project: Project) -> None:
    _crud(project)
    project.run("--snapshot-update").assert_outcomes(passed=13)
    before = project.snapshots()
    _add_route(project, DELETE_TAG)
    result = project.run()
    result.assert_outcomes(passed=12, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*scenario POST /tags (inferred): its steps, links or operations changed since "
            f"snapshots/{TAGS} was recorded*",
        ]
    )
    project.run("--snapshot-update").assert_outcomes(passed=14)
    after = project.snapshots()
    assert _steps(project, TAGS) == [
        ("POST /tags", 201),
        ("GET /tags/{tag_id}", 200),
        ("DELETE /tags/{tag_id}", 204),
    ]
    # What reads nothing of the tags is left as it was, byte for byte.
    assert after[AUTHORS] == before[AUTHORS]


def test_the_analysis_kept_in_pytest_cache_follows_the_document(project: Project) -> None:
    """With pytest's cache on, as in a project, the analysis of the document is kept for the
    next run: it gives the same scenarios, and a changed document is analysed again."""
    _crud(project)
    project.run("--snapshot-update", cache=True).assert_outcomes(passed=13)
    assert (project.path / ".pytest_cache/v/contractsnap/inferred-links").is_file()
    before = project.snapshots()
    project.run("--snapshot-update", cache=True).assert_outcomes(passed=13)
    assert project.snapshots() == before
    project.run(cache=True).assert_outcomes(passed=13)
    _add_route(project, DELETE_TAG)
    result = project.run(cache=True)
    result.assert_outcomes(passed=12, failed=2)
    result.stdout.fnmatch_lines(
        ["*scenario POST /tags (inferred): its steps, links or operations*"]
    )


def test_an_unrelated_operation_leaves_the_scenarios_as_they_were(project: Project) -> None:
    _crud(project)
    project.run("--snapshot-update").assert_outcomes(passed=13)
    before = project.snapshots()
    ping = '@app.get("/ping")\nasync def ping() -> dict[str, str]:\n    return {"ping": "pong"}\n'
    _add_route(project, ping)
    project.run("--snapshot-update").assert_outcomes(passed=14)
    after = project.snapshots()
    assert {name: after[name] for name in before} == before
    assert set(after) - set(before) == {"GET_ping.json"}


def test_inferred_scenarios_are_selected_excluded_and_turned_off_like_any(
    project: Project,
) -> None:
    _crud(project)
    only = project.run("--snapshot-update", "--contractsnap-op", "scenario:POST /tags (inferred)")
    only.assert_outcomes(passed=1)
    assert set(project.snapshots()) == {TAGS}
    _crud(project, exclude=["scenario:* (inferred)"])
    project.run("--snapshot-update").assert_outcomes(passed=11)
    assert AUTHORS not in project.snapshots()
    _crud(project, infer_scenarios=False)
    project.run("--snapshot-update").assert_outcomes(passed=11)
    assert AUTHORS not in project.snapshots()


def test_a_producer_that_never_succeeds_says_how_to_leave_it_out(project: Project) -> None:
    _crud(project)
    project.edit(
        "app_module",
        "    created = Tag(id=_next_id(), **tag.model_dump())",
        '    raise HTTPException(409, "Tags are frozen")',
    )
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=12, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario POST /tags (inferred): no generated request of POST /tags got status "
            "201 (tried * cases, answered 409*), so the later steps have nothing to carry; "
            f"snapshots/{TAGS} was not written. Give POST /tags an example request that "
            'succeeds, or leave the scenario out: exclude = [[]"scenario:POST /tags (inferred)"]',
        ]
    )


def test_a_server_error_met_while_planning_a_step_is_recorded_not_skipped(
    project: Project,
) -> None:
    """Recording tries a few requests of a step for a 2xx; one that answers 500 is a bug
    found, kept to fail as one (and the fix names the step's operation, not the scenario)."""
    _crud(project)
    project.edit(
        "app_module",
        "    _author(author_id)\n    AUTHORS[author_id] = ",
        "    _author(author_id)\n"
        "    if len(author.name) == 1:\n"
        '        raise RuntimeError("a one-letter name breaks the index")\n'
        "    AUTHORS[author_id] = ",
    )
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=12, failed=1)
    result.stdout.fnmatch_lines(
        [
            "scenario POST /authors (inferred): the app failed on 1 of 7 steps (answered 500): "
            "a server error to fix, not a change to accept",
            "step 3/7: PUT /authors/{author_id}",
            "*RuntimeError: a one-letter name breaks the index",
            "*leaving `not_a_server_error` out of this operation's checks:",
            '  [[]tool.contractsnap.operations."PUT /authors/{author_id}"]',
        ]
    )


def test_a_setup_that_raises_says_where_in_one_line(project: Project) -> None:
    _crud(project)
    project.edit(
        "app_module",
        "    AUTHORS.clear()\n",
        '    raise LookupError("no such table: sqlite_sequence")\n',
    )
    result = project.run("--snapshot-update", "--contractsnap-op", "GET /authors")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "the `setup` raised LookupError: no such table: sqlite_sequence (in reset, "
            "app_module.py:*, before the pass over GET /authors); fix it: it runs before "
            "every pass, to put the app's state back as it was",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_setup_that_raises_in_a_library_names_its_own_line(project: Project) -> None:
    """The error comes from inside a library (a database driver, here the json module):
    the message names the line of the `setup` that called it, which the user can fix."""
    _crud(project)
    project.edit("app_module", "    AUTHORS.clear()\n", '    __import__("json").loads("{")\n')
    result = project.run("--snapshot-update", "--contractsnap-op", "GET /authors")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["the `setup` raised JSONDecodeError: * (in reset, app_module.py:*, before the pass *"]
    )


def test_an_app_whose_schema_documents_no_bodies_records_green(project: Project) -> None:
    """Handlers that return plain dicts (FastAPI's tutorial): no scenario is guessed from
    the names alone, and the reach names the known value that gets a 2xx."""
    project.add_app("untyped")
    project.configure(app="app_module:app", infer_scenarios=True)
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "  GET /items/{item_id}: only 404s: no producer found *"
            '`[[]tool.contractsnap.parameters[]] item_id = "..."`*'
        ]
    )
    project.configure(app="app_module:app", infer_scenarios=True, parameters={"item_id": "plumbus"})
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(["reach: 4 of 4 operations answered 2xx (100%)"])


def test_a_step_that_reads_what_the_answer_lacks_fails_in_one_message(project: Project) -> None:
    """A declared step reading a field the earlier answer does not have: the recording says
    which, where, and what to fix, without a traceback."""
    project.add_app("untyped")
    project.configure(app="app_module:app")
    with (project.path / "pyproject.toml").open("a") as fh:
        fh.write(
            "\n[[tool.contractsnap.scenarios]]\n"
            'name = "user-by-name"\n'
            "steps = [\n"
            '  { operation = "GET /users/" },\n'
            '  { operation = "GET /users/{username}", '
            'parameters = { username = "$response.body#/username" } },\n'
            "]\n"
        )
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "scenario user-by-name, step 2/2: GET /users/{username} cannot be sent: "
            "`$response.body#/username` of step 1 (GET /users/ -> 200): the response body has "
            "nothing at /username; snapshots/scenarios/user-by-name.json was not written. Fix "
            "the step's expression in [[][[]tool.contractsnap.scenarios[]][]] to name what "
            "the app answers"
        ]
    )
    assert "Traceback" not in result.stdout.str()
    assert "Unsendable" not in result.stdout.str()
