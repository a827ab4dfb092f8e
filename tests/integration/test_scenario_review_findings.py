"""Scenarios: defects found in review, each reproduced in a real session."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import Project

SETTINGS: dict[str, Any] = {
    "app": "app_module:app",
    "setup": "app_module:reset",
    "probes": ["app_module:items"],
}
CARRY_ID = {"item_id": "$response.body#/id"}
LIFECYCLE: dict[str, Any] = {
    "name": "deleted-item-is-gone",
    "steps": [
        {"operation": "POST /items", "status": 201},
        {"operation": "DELETE /items/{item_id}", "parameters": CARRY_ID},
        {"operation": "GET /items/{item_id}", "from": 1, "parameters": CARRY_ID},
    ],
}
FILE = "scenarios/deleted-item-is-gone.json"

#: A login that answers a token, and a read of the caller that needs it and echoes it.
TOKEN_APP = """
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

TOKEN = "tok-9f8e7d6c5b4a"
app = FastAPI(title="Tokens", version="1")
bearer = HTTPBearer(auto_error=False)


class Login(BaseModel):
    user: str = Field(min_length=1, max_length=10, examples=["ann"])


@app.post("/login", status_code=201)
async def login(body: Login) -> dict[str, Any]:
    return {"token": TOKEN, "user": body.user}


@app.get("/me", responses={401: {"description": "no token"}})
async def me(
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> dict[str, Any]:
    if creds is None or creds.credentials != TOKEN:
        raise HTTPException(401, "no")
    return {"user": "ann", "session": f"{creds.scheme} {creds.credentials}"}
"""
#: Step 2 sends the token step 1 answered, as a bearer credential.
LOGIN = """
[[tool.contractsnap.scenarios]]
name = "login"

[[tool.contractsnap.scenarios.steps]]
operation = "POST /login"
status = 201

[[tool.contractsnap.scenarios.steps]]
operation = "GET /me"
parameters = { "header.Authorization" = "Bearer {$response.body#/token}" }
"""


def test_a_step_added_to_a_scenario_makes_it_stale_not_damaged(project: Project) -> None:
    """A new step changes the fingerprint and the step count: the file is stale, and an
    update records the longer scenario (it was refused as a hand-edited file)."""
    project.add_app("linked")
    project.configure(**SETTINGS, scenarios=[LIFECYCLE])
    project.run("--snapshot-update").assert_outcomes(passed=5)
    longer = {**LIFECYCLE, "steps": [*LIFECYCLE["steps"], LIFECYCLE["steps"][2]]}
    project.configure(**SETTINGS, scenarios=[longer])
    gate = project.run()
    gate.assert_outcomes(passed=4, failed=1)
    gate.stdout.fnmatch_lines(["*scenario deleted-item-is-gone: its steps, links or operations*"])
    assert "the file was edited" not in gate.stdout.str()
    project.run("--snapshot-update").assert_outcomes(passed=5)
    assert len(project.snapshot(FILE)["steps"]) == 4
    project.run().assert_outcomes(passed=5)


def test_a_carried_object_keeps_what_a_selector_hid_in_it(project: Project) -> None:
    """A whole answer carried to the next step shows the `redact` tokens of its members in
    the `carried` table, as in the answer it came from."""
    project.add_app("linked")
    copy = {
        "name": "copy",
        "steps": [
            {"operation": "POST /items", "status": 201},
            {"operation": "POST /items", "parameters": {"body": "$response.body"}},
        ],
    }
    project.configure(**SETTINGS, redact=["$.name"], scenarios=[copy])
    project.run("--snapshot-update").assert_outcomes(passed=5)
    document = project.snapshot("scenarios/copy.json")
    answer = document["steps"][0]["response"]["body"]
    assert re.fullmatch(r"<redacted:\d+>", answer["name"])
    assert document["carried"]["<carried:1>"]["value"] == answer
    project.run().assert_outcomes(passed=5)


def test_a_token_carried_into_a_credential_is_redacted_in_every_step(project: Project) -> None:
    """A token from a login's answer, sent as `Authorization` by a later step, is a
    credential: an answer that echoes it shows a secret placeholder, in every file."""
    (project.path / "app_module.py").write_text(TOKEN_APP)
    project.configure(app="app_module:app", redact=["$.token"])
    pyproject = project.path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("[tool.pytest", LOGIN + "\n[tool.pytest"))
    project.run("--snapshot-update").assert_outcomes(passed=3)
    steps = project.snapshot("scenarios/login.json")["steps"]
    assert steps[1]["response"]["status"] == 200
    assert re.fullmatch(r"<secret:\d+>", steps[1]["response"]["body"]["session"])
    token = re.search(r'TOKEN = "(.+)"', TOKEN_APP)
    assert token is not None
    for name, data in project.snapshots().items():
        assert token.group(1).encode() not in data, name
    project.run().assert_outcomes(passed=3)


@pytest.mark.parametrize(
    ("step", "field", "value", "problem"),
    [
        (2, "path_parameters", "x", "has a `path_parameters` that is not an object"),
        (2, "headers", ["a"], "has a `headers` that is not an object"),
        (1, "body", {"$base64": 5}, "has a value that cannot be decoded"),
        (2, "method", 5, "has no request method"),
    ],
)
def test_a_hand_edited_request_is_named_not_a_traceback(
    project: Project, step: int, field: str, value: Any, problem: str
) -> None:
    """A stored request that cannot be sent fails its scenario with the file and the step,
    in the gate and in an update (it was a TypeError or AttributeError from deep inside)."""
    project.add_app("linked")
    project.configure(**SETTINGS)
    project.run("--snapshot-update").assert_outcomes(passed=4)
    path = project.path / "snapshots" / "scenarios" / "POST_items_201.json"
    document = json.loads(path.read_text())
    document["steps"][step - 1]["request"][field] = value
    path.write_text(json.dumps(document))
    for args in ((), ("--snapshot-update",)):
        result = project.run(*args)
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines(
            [
                f"*snapshots/scenarios/POST_items_201.json: the request of step {step} "
                f"{problem}*the file was edited; restore it*"
            ]
        )
        assert "Traceback" not in result.stdout.str()
        assert "Error: " not in result.stdout.str()


def test_a_value_carried_from_a_cut_body_names_max_read_size(project: Project) -> None:
    """The first step's answer is longer than `max_read_size`: the message says the body
    was cut and which setting to raise (it said the body was not JSON)."""
    project.add_app("linked")
    project.configure(**SETTINGS, max_read_size=20, scenarios=[LIFECYCLE])
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*scenario deleted-item-is-gone, step 2/3: DELETE /items/{item_id} cannot be sent: "
            "`$response.body#/id` of step 1 (POST /items -> 201): its body is cut at 20 bytes "
            "(the `max_read_size` setting); raise it for the value to be read*"
        ]
    )
    assert "not JSON" not in result.stdout.str()


def test_links_that_are_not_an_object_fail_their_scenario(project: Project) -> None:
    """`links` given as a list is reported on the scenario, not silently skipped."""
    project.add_app("linked")
    project.edit(
        "app_module", 'responses={201: {"links": LINKS}}', 'responses={201: {"links": [LINKS]}}'
    )
    project.configure(**SETTINGS)
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*scenario POST /items 201: the `links` of POST /items 201 are a list, not an "
            "object of links by name; fix the response in the schema"
        ]
    )
