"""Scenarios: workflows from OpenAPI links and from configuration, recorded and replayed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Project

SETTINGS: dict[str, Any] = {
    "app": "app_module:app",
    "setup": "app_module:reset",
    "probes": ["app_module:items"],
}
SCENARIO = "scenarios/POST_items_201.json"
#: The create declares links to read and delete the item it made (in this order in the
#: document: the scenario still reads before it deletes).
LINKS = (
    '@app.post("/items", status_code=201, responses={201: {"links": {'
    '"DeleteItem": {"operationId": "delete_item_items__item_id__delete", '
    '"parameters": {"item_id": "$response.body#/id"}}, '
    '"GetItem": {"operationId": "get_item_items__item_id__get", '
    '"parameters": {"item_id": "$response.body#/id"}}}}})'
)
LIFECYCLE: dict[str, Any] = {
    "name": "deleted-item-is-gone",
    "steps": [
        {"operation": "POST /items", "status": 201},
        {"operation": "DELETE /items/{item_id}", "parameters": {"item_id": "$response.body#/id"}},
        {
            "operation": "GET /items/{item_id}",
            "from": 1,
            "parameters": {"item_id": "$response.body#/id"},
        },
    ],
}


@pytest.fixture
def linked(project: Project) -> Project:
    """The SQLite app of the state tests, its create linked to read and delete."""
    project.add_app("stateful")
    project.edit("app_module", '@app.post("/items", status_code=201)', LINKS)
    project.configure(**SETTINGS)
    return project


def _steps(project: Project, name: str = SCENARIO) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = project.snapshot(name)["steps"]
    return steps


class TestLinks:
    def test_records_the_linked_steps_with_carried_values(self, linked: Project) -> None:
        """One file: create, then read and delete the created item, the id a placeholder."""
        result = linked.run("--snapshot-update")
        result.assert_outcomes(passed=4)  # three operations and one scenario
        document = linked.snapshot(SCENARIO)
        assert document["scenario"]["name"] == "POST /items 201"
        assert document["carried"] == {
            "<carried:1>": {"expression": "$response.body#/id", "step": 1, "value": 2}
        }
        steps = document["steps"]
        assert [(s["operation"], s.get("link"), s["response"]["status"]) for s in steps] == [
            ("POST /items", None, 201),
            ("GET /items/{item_id}", "GetItem", 200),
            ("DELETE /items/{item_id}", "DeleteItem", 204),
        ]
        for step in steps[1:]:
            assert step["request"]["path"] == "/items/<carried:1>"
            assert step["request"]["path_parameters"] == {"item_id": "<carried:1>"}
        created = steps[0]["response"]["body"]
        assert steps[1]["response"]["body"] == created
        row = {"id": 2, "name": created["name"], "stock": created["stock"]}
        assert steps[0]["state"] == {"items": {"added": {"2": row}}}
        assert "state" not in steps[1]
        assert steps[2]["state"] == {"items": {"removed": {"2": row}}}
        gate = linked.run()
        gate.assert_outcomes(passed=4)
        assert "scenario POST /items 201" in gate.stdout.str()

    def test_the_same_bytes_every_run_and_process(self, linked: Project) -> None:
        """Recording again, in another process with another hash seed, changes nothing."""
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        first = linked.snapshots()
        linked.run_subprocess(
            "--snapshot-update", "--contractsnap-regenerate", env={"PYTHONHASHSEED": "7"}
        ).assert_outcomes(passed=4)
        assert linked.snapshots() == first

    def test_a_broken_read_fails_the_scenario(self, linked: Project) -> None:
        """The read no longer finds what the create made: the scenario shows the step."""
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        before = linked.snapshots()
        # Items made after start-up are looked up one row off; the seeded item still works.
        linked.edit(
            "app_module",
            '"SELECT id, name, stock FROM items WHERE id = ?", (item_id,)',
            '"SELECT id, name, stock FROM items WHERE id = ?", '
            "(item_id if item_id == 1 else item_id + 1,)",
        )
        result = linked.run()
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*scenario POST /items 201: 2 of 3 steps answered differently from "
                "snapshots/scenarios/POST_items_201.json (- snapshot, + received)",
                "",
                "step 2/3: GET /items/{item_id} (link GetItem)",
                "  GET /items/<carried:1>",
                '*-    "id": 2,',
                '*+    "detail": "no such item"',
                "  ... * more lines",
                "and step 3/3: DELETE /items/{item_id} (link DeleteItem); "
                "`pytest -v` shows every diff",
                "*pytest --snapshot-update --contractsnap-op 'scenario:POST /items 201'",
            ]
        )
        pending = linked.snapshots()[SCENARIO + ".pending"]
        assert [s["response"]["status"] for s in json.loads(pending)["steps"]] == [201, 404, 404]
        assert {k: v for k, v in linked.snapshots().items() if not k.endswith(".pending")} == (
            before
        )

    def test_an_answer_without_the_carried_value_names_the_expression(
        self, linked: Project
    ) -> None:
        """The create stops answering its id: the read cannot even be sent."""
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        linked.edit(
            "app_module",
            "async def create_item(item: ItemIn) -> Item:",
            "async def create_item(item: ItemIn) -> ItemIn:",
        )
        result = linked.run("-p", "no:randomly")
        result.stdout.fnmatch_lines(
            [
                "*scenario POST /items 201, step 2/3: GET /items/{item_id} (link GetItem) "
                "cannot be sent: `$response.body#/id` of step 1 (POST /items -> 201): the "
                "response body has nothing at /id",
                "what the earlier steps answered, against the snapshot:",
                "step 1/3: POST /items",
                '*-    "id": 2,',
            ]
        )
        record = linked.run("--snapshot-update")
        record.stdout.fnmatch_lines(
            ["*cannot be sent: `$response.body#/id` of step 1*; snapshots/scenarios/*not written*"]
        )

    def test_a_changed_link_makes_the_scenario_stale(self, linked: Project) -> None:
        """The link's definition is part of the fingerprint; an update records it again."""
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        linked.edit("app_module", '"DeleteItem": {', '"RemoveItem": {')
        result = linked.run()
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*scenario POST /items 201: its steps, links or operations changed since "
                "snapshots/scenarios/POST_items_201.json was recorded (fingerprint * -> *)*",
            ]
        )
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        assert _steps(linked)[2]["link"] == "RemoveItem"
        linked.run().assert_outcomes(passed=4)

    def test_a_changed_operation_makes_the_scenario_stale(self, linked: Project) -> None:
        """A step's operation changing its parameters makes its scenario stale too."""
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        linked.edit(
            "app_module", "stock: int = Field(ge=0, le=100", "stock: int = Field(ge=0, le=99"
        )
        result = linked.run()
        result.stdout.fnmatch_lines(["*scenario POST /items 201: its steps, links or operations*"])

    def test_a_removed_link_orphans_the_file(self, linked: Project) -> None:
        """No links, no scenario: its file is flagged, then deleted by an update."""
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        linked.edit("app_module", LINKS, '@app.post("/items", status_code=201)')
        result = linked.run()
        # Listed from the stored document, the scenario's test says it is gone; its file
        # fails the run (the document is only said)
        result.assert_outcomes(passed=3, skipped=1, failed=1)
        result.stdout.fnmatch_lines(
            ["FAILED contractsnap::end_of_run[[]snapshots/scenarios/POST_items_201.json[]] - *"]
        )
        linked.run("--snapshot-update").assert_outcomes(passed=3)
        assert SCENARIO not in linked.snapshots()

    def test_links_can_be_switched_off(self, linked: Project) -> None:
        linked.configure(**SETTINGS, links=False)
        linked.run("--snapshot-update").assert_outcomes(passed=3)
        assert not (linked.path / "snapshots" / "scenarios").exists()

    def test_a_link_to_an_unknown_operation_fails_its_scenario_alone(self, linked: Project) -> None:
        linked.edit(
            "app_module",
            '"operationId": "get_item_items__item_id__get"',
            '"operationId": "get_item_items__item_id__gte"',
        )
        result = linked.run("--snapshot-update")
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*scenario POST /items 201: link 'GetItem' of POST /items 201 names operationId "
                "'get_item_items__item_id__gte', which no operation has; did you mean "
                "'get_item_items__item_id__get'?"
            ]
        )
        assert SCENARIO not in linked.snapshots()


class TestSelection:
    def test_scenarios_are_selected_by_name(self, linked: Project) -> None:
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        only = linked.run("--contractsnap-op", "scenario:POST /items*")
        only.assert_outcomes(passed=1)
        none = linked.run("--contractsnap-op", "POST /items")
        none.assert_outcomes(passed=1)
        assert "scenario" not in none.stdout.str().split("short test summary")[-1]

    def test_excluded_scenarios_keep_their_files(self, linked: Project) -> None:
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        recorded = linked.snapshots()
        linked.configure(**SETTINGS, exclude=["scenario:POST /items 201"])
        result = linked.run("--snapshot-update")
        result.assert_outcomes(passed=3)
        assert linked.snapshots() == recorded

    def test_a_scenario_through_an_excluded_operation_is_left_out(self, linked: Project) -> None:
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        recorded = linked.snapshots()
        linked.configure(**SETTINGS, exclude=["DELETE /items/{item_id}"])
        linked.run("--snapshot-update").assert_outcomes(passed=2)
        assert linked.snapshots() == recorded

    def test_parallel_and_sharded_runs_write_the_serial_files(self, linked: Project) -> None:
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        serial = linked.snapshots()
        for path in (linked.path / "snapshots").rglob("*.json"):
            path.unlink()
        linked.run_subprocess("-n", "2", "--snapshot-update").assert_outcomes(passed=4)
        assert linked.snapshots() == serial
        linked.run_subprocess("-n", "2").assert_outcomes(passed=4)
        shards = [linked.run("--contractsnap-shard", f"{i}/2") for i in (1, 2)]
        assert sum(r.parseoutcomes()["passed"] for r in shards) == 4


class TestConfigured:
    def test_a_configured_workflow(self, project: Project) -> None:
        """Create, delete, then read the deleted item by the id the create answered."""
        project.add_app("stateful")
        project.configure(**SETTINGS, scenarios=[LIFECYCLE])
        project.run("--snapshot-update").assert_outcomes(passed=4)
        document = project.snapshot("scenarios/deleted-item-is-gone.json")
        assert document["scenario"]["origin"] == "config"
        steps = document["steps"]
        assert [s["response"]["status"] for s in steps] == [201, 204, 404]
        assert [s["request"]["path"] for s in steps] == [
            "/items",
            "/items/<carried:1>",
            "/items/<carried:1>",
        ]
        assert list(document["carried"]) == ["<carried:1>"]
        project.run().assert_outcomes(passed=4)

    def test_a_delete_that_no_longer_deletes_is_caught(self, project: Project) -> None:
        """The delete answers 204 as before but leaves the row: the read finds it."""
        project.add_app("stateful")
        project.configure(**SETTINGS, scenarios=[LIFECYCLE])
        project.run("--snapshot-update").assert_outcomes(passed=4)
        project.edit(
            "app_module",
            'await app.state.db.execute("DELETE FROM items WHERE id = ?", (item_id,))',
            "pass",
        )
        result = project.run()
        output = result.stdout.str()
        assert "scenario deleted-item-is-gone: 2 of 3 steps answered differently" in output
        assert "step 3/3: GET /items/{item_id}" in output
        assert "state (probe items):" in output

    def test_the_first_step_must_reach_its_status(self, project: Project) -> None:
        """No generated create gets 409: nothing is written, and the message says why."""
        project.add_app("stateful")
        conflict = {
            **LIFECYCLE,
            "steps": [{"operation": "POST /items", "status": 409}, *LIFECYCLE["steps"][1:]],
        }
        project.configure(**SETTINGS, scenarios=[conflict])
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*scenario deleted-item-is-gone: no generated request of POST /items got "
                "status 409 (tried * cases, answered 201*), so the later steps have nothing "
                "to carry; snapshots/scenarios/deleted-item-is-gone.json was not written*"
            ]
        )
        assert "scenarios/deleted-item-is-gone.json" not in project.snapshots()

    def test_an_unknown_operation_is_named_with_a_suggestion(self, project: Project) -> None:
        project.add_app("stateful")
        typo = {
            **LIFECYCLE,
            "steps": [*LIFECYCLE["steps"][:2], {"operation": "GET /item/{item_id}"}],
        }
        project.configure(**SETTINGS, scenarios=[typo])
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*scenario deleted-item-is-gone: step 3: the "
                "schema has no operation 'GET /item/{item_id}'; did you mean "
                "'GET /items/{item_id}'?"
            ]
        )

    def test_a_bad_table_is_a_usage_error(self, project: Project) -> None:
        project.add_app("stateful")
        project.configure(
            **SETTINGS, scenarios=[{"name": "x", "steps": [{"operation": "POST /items"}]}]
        )
        result = project.run()
        assert result.ret == pytest.ExitCode.USAGE_ERROR
        result.stderr.fnmatch_lines(["*scenario 'x': `steps` must list two or more steps*"])


class TestFindings:
    def test_a_flaky_step_is_refused(self, linked: Project) -> None:
        """A read that answers differently each time: the scenario is not written."""
        linked.edit(
            "app_module",
            "async def get_item(item_id: ItemId) -> Item:\n    return await _get(item_id)",
            "async def get_item(item_id: ItemId) -> Item:\n"
            "    item = await _get(item_id)\n"
            "    app.state.reads = getattr(app.state, 'reads', 0) + 1  # never the same twice\n"
            "    return item.model_copy(update={'stock': app.state.reads % 100})",
        )
        result = linked.run("--snapshot-update")
        result.stdout.fnmatch_lines(
            [
                "*scenario POST /items 201: responses differ between two sends of the same "
                "request, so a snapshot would flake; snapshots/scenarios/POST_items_201.json "
                "was not written.",
                "step 2/3: GET /items/{item_id} (link GetItem)",
                "  GET /items/<carried:1>",
            ]
        )
        assert SCENARIO not in linked.snapshots()

    def test_a_step_breaking_the_contract_is_named(self, linked: Project) -> None:
        """A 500 at the delete step is a contract violation of that step."""
        linked.edit(
            "app_module",
            '    await _get(item_id)\n    await app.state.db.execute("DELETE',
            "    if item_id > 1:\n        raise RuntimeError('boom')\n"
            '    await _get(item_id)\n    await app.state.db.execute("DELETE',
        )
        result = linked.run("--snapshot-update")
        result.stdout.fnmatch_lines(
            [
                "*scenario POST /items 201: the app failed on 1 of 3 steps (answered 500): "
                "a server error to fix, not a change to accept",
                "",
                "step 3/3: DELETE /items/{item_id} (link DeleteItem)",
                "  DELETE /items/<carried:1>",
                "  -> 500",
                "  Traceback (most recent call last):",
                "*",
                "  RuntimeError: boom",
            ]
        )

    def test_a_damaged_file_fails_its_scenario_alone(self, linked: Project) -> None:
        linked.run("--snapshot-update").assert_outcomes(passed=4)
        path = linked.path / "snapshots" / SCENARIO
        path.write_text(path.read_text()[:200])
        for args in ((), ("--snapshot-update",)):
            result = linked.run(*args)
            result.assert_outcomes(passed=3, failed=1)
            result.stdout.fnmatch_lines(
                [
                    "*POST_items_201.json: not valid JSON (*); restore it (git checkout -- "
                    "snapshots/scenarios/POST_items_201.json)*"
                ]
            )
        assert len(path.read_text()) == 200


def test_asyncio_and_trio_record_the_same_scenario(project: Project) -> None:
    """The in-memory linked app under both backends: the same files, byte for byte."""
    project.add_app("linked")
    settings: dict[str, Any] = {
        "app": "app_module:app",
        "setup": "app_module:reset",
        "probes": ["app_module:items"],
    }
    project.configure(**settings, backend="asyncio")
    project.run("--snapshot-update").assert_outcomes(passed=4)
    on_asyncio = project.snapshots()
    assert "scenarios/POST_items_201.json" in on_asyncio
    project.configure(**settings, backend="trio")
    project.run("--snapshot-update", "--contractsnap-regenerate").assert_outcomes(passed=4)
    assert project.snapshots() == on_asyncio
    project.run().assert_outcomes(passed=4)


def test_a_value_read_back_from_a_request_keeps_its_placeholder(project: Project) -> None:
    """`$request.path.item_id` of a step that sent `<carried:1>` is `<carried:1>` again."""
    project.add_app("stateful")
    again = {
        **LIFECYCLE,
        "steps": [
            *LIFECYCLE["steps"][:2],
            {
                "operation": "GET /items/{item_id}",
                "parameters": {"item_id": "$request.path.item_id"},
            },
        ],
    }
    project.configure(**SETTINGS, scenarios=[again])
    project.run("--snapshot-update").assert_outcomes(passed=4)
    document = project.snapshot("scenarios/deleted-item-is-gone.json")
    assert list(document["carried"]) == ["<carried:1>"]
    assert document["carried"]["<carried:1>"]["expression"] == "$response.body#/id"
    assert document["steps"][2]["request"]["path"] == "/items/<carried:1>"
    assert [s["response"]["status"] for s in document["steps"]] == [201, 204, 404]
    project.run().assert_outcomes(passed=4)


def test_a_file_missing_a_step_is_named(linked: Project) -> None:
    """A hand-edited file with a step less (same fingerprint) is refused, not replayed."""
    linked.run("--snapshot-update").assert_outcomes(passed=4)
    path = linked.path / "snapshots" / SCENARIO
    document = json.loads(path.read_text())
    del document["steps"][1]
    path.write_text(json.dumps(document))
    for args in ((), ("--snapshot-update",)):
        result = linked.run(*args)
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                "*snapshots/scenarios/POST_items_201.json has 2 steps but scenario POST /items "
                "201 has 3, with the same fingerprint: the file was edited; restore it*"
            ]
        )


def test_a_hidden_value_stays_hidden_in_every_step(project: Project) -> None:
    """A name a selector hides in the create's answer is hidden in the later steps' state
    changes too (the steps share their tokens and what the selectors hid)."""
    project.add_app("stateful")
    project.edit("app_module", 'examples=["lamp"]', 'examples=["desk-lamp-01"]')
    project.configure(**SETTINGS, redact=["$.name"], scenarios=[LIFECYCLE])
    project.run("--snapshot-update").assert_outcomes(passed=4)
    document = project.snapshot("scenarios/deleted-item-is-gone.json")
    steps = document["steps"]
    answers = [{k: v for k, v in step.items() if k != "request"} for step in steps]
    assert "desk-lamp-01" not in json.dumps([answers, document["carried"]])  # requests: as sent
    assert steps[0]["response"]["body"]["name"] == "<redacted:1>"
    assert steps[1]["state"]["items"]["removed"]["2"]["name"] == "<redacted:1>"


def test_a_volatile_looking_value_is_pointed_at(project: Project) -> None:
    """A recorded step value that looks like a clock reading gets the same note as a case."""
    project.add_app("linked")
    project.edit("app_module", 'LABEL = "lamp"', 'LABEL = "2026-11-25T10:00:00Z"')
    project.configure(app="app_module:app", setup="app_module:reset")
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines(
        [
            "*scenario POST /items 201: recorded a value that looks like a timestamp at "
            "$.label ('2026-11-25T10:00:00Z'); if it changes between runs, add \"timestamp\" "
            "to `redact`"
        ]
    )
