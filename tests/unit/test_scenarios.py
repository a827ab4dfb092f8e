"""Scenarios: runtime expressions, binding targets, carried values, links and configuration."""

from __future__ import annotations

import base64
import copy
import datetime
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest

from contractsnap import ConfigError
from contractsnap._config import ScenarioConfig, Settings, StepConfig, build_settings
from contractsnap._documents import Request
from contractsnap._expressions import Exchange, ExpressionError, check_expression, evaluate
from contractsnap._scenarios import Binding, Scenario, Step, concrete, masked, parse_target
from contractsnap._scenarios import build as build_scenarios
from contractsnap._schema import ApiSchema

SOURCE = "test"

# -- a schema with links ---------------------------------------------------------------------

ITEM = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
    "required": ["name"],
}


def document() -> dict[str, Any]:
    """Items: a create whose 201 links to a read, a list, an update and a delete."""
    body = {"required": True, "content": {"application/json": {"schema": ITEM}}}
    ok = {"description": "ok", "content": {"application/json": {"schema": ITEM}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "items", "version": "1"},
        "paths": {
            "/items": {
                "post": {
                    "operationId": "createItem",
                    "requestBody": copy.deepcopy(body),
                    "responses": {"201": {"$ref": "#/components/responses/Created"}},
                },
                "get": {
                    "operationId": "listItems",
                    "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "ok"}},
                },
            },
            "/items/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "get": {
                    "operationId": "getItem",
                    "parameters": [
                        {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "X-Token", "in": "header", "schema": {"type": "string"}},
                    ],
                    "responses": {"200": copy.deepcopy(ok)},
                },
                "put": {
                    "operationId": "updateItem",
                    "requestBody": copy.deepcopy(body),
                    "responses": {"200": copy.deepcopy(ok)},
                },
                "delete": {
                    "operationId": "deleteItem",
                    "responses": {"204": {"description": "gone"}},
                },
            },
            "/health": {
                "get": {"operationId": "health", "responses": {"200": {"description": "ok"}}}
            },
        },
        "components": {
            "responses": {
                "Created": {
                    "description": "created",
                    "content": {"application/json": {"schema": ITEM}},
                    "links": {
                        "GetItem": {
                            "operationId": "getItem",
                            "parameters": {"id": "$response.body#/id"},
                        },
                        "UpdateItem": {
                            "operationRef": "#/paths/~1items~1{id}/put",
                            "parameters": {"path.id": "$response.body#/id"},
                            "requestBody": {"name": "renamed"},
                        },
                        "DeleteItem": {"$ref": "#/components/links/DeleteItem"},
                        "ListItems": {"operationId": "listItems", "parameters": {"limit": 1}},
                    },
                }
            },
            "links": {
                "DeleteItem": {
                    "operationId": "deleteItem",
                    "parameters": {"id": "$response.body#/id"},
                }
            },
        },
    }


def links(doc: dict[str, Any]) -> dict[str, Any]:
    """The links of the create's 201 answer, to edit."""
    found: dict[str, Any] = doc["components"]["responses"]["Created"]["links"]
    return found


class Built(NamedTuple):
    """The scenarios a schema runs, and the file stems of all it defines."""

    scenarios: list[Scenario]
    scenario_stems: set[str]


def load(doc: Mapping[str, Any], **raw: Any) -> Built:
    return Built(
        *build_scenarios(ApiSchema(doc, build_settings(raw, root=Path("/project"), source=SOURCE)))
    )


def reversed_keys(value: Any) -> Any:
    """``value`` with every object's keys in the opposite order (lists keep theirs)."""
    if isinstance(value, dict):
        return {k: reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(v) for v in value]
    return value


def summary(scenario: Scenario) -> dict[str, Any]:
    """Everything of a scenario that decides what is sent and stored."""
    return {
        "name": scenario.name,
        "origin": scenario.origin,
        "file_stem": scenario.file_stem,
        "fingerprint": scenario.fingerprint,
        "error": scenario.error,
        "placeholders": scenario.placeholders(),
        "steps": [
            (s.definition(), s.operation.fingerprint if s.operation else None)
            for s in scenario.steps
        ],
    }


def only(schema: Built, name: str) -> Scenario:
    found = [s for s in schema.scenarios if s.name == name]
    assert len(found) == 1, [s.name for s in schema.scenarios]
    return found[0]


# -- runtime expressions ---------------------------------------------------------------------

RESPONSE_BODY = {
    "id": 7,
    "a": [{"b": "deep"}],
    "a/b": "slash",
    "m~n": "tilde",
    "x~1y": "escaped escape",
    "token": "t0k",
    "none": None,
}
REQUEST: dict[str, Any] = {
    "method": "POST",
    "path": "/books/7",
    "path_parameters": {"book_id": 7, "blob": {"$base64": base64.b64encode(b"p").decode()}},
    "query": {"q": "dune", "tags": ["a", "b"], "n": {"$float": "nan"}},
    "headers": {"X-Token": "abc"},
    "cookies": {"session": "s1"},
    "body": {
        "title": "Dune",
        "x/y": 2,
        "list": [{"k": 1}],
        "raw": {"$base64": base64.b64encode(b"hi").decode()},
        "binary": {"$base64": base64.b64encode(b"\xff\xfe").decode()},
    },
    "media_type": "application/json",
}


def exchange(
    response: httpx.Response | None = None, request: Mapping[str, Any] = REQUEST
) -> Exchange:
    if response is None:
        response = httpx.Response(
            201,
            json=RESPONSE_BODY,
            headers={"Location": "/books/7"},
            request=httpx.Request("POST", "http://testserver/books"),
        )
    return Exchange(request, response)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("$response.body#/a/0/b", "deep"),
        ("$response.body#/a~1b", "slash"),
        ("$response.body#/m~0n", "tilde"),
        ("$response.body#/x~01y", "escaped escape"),
        ("$response.body#/id", 7),
        ("$response.body#/none", None),
        ("$response.body", RESPONSE_BODY),
        ("$response.body#", RESPONSE_BODY),
        ("$response.header.Location", "/books/7"),
        ("$response.header.location", "/books/7"),
        ("$response.header.LOCATION", "/books/7"),
        ("$response.header.Location#regex:/books/([^/?#]+)", "7"),
        ("$response.header.Location#regex:\\d+", "7"),
        ("$request.path.book_id", 7),
        ("$request.path.blob", b"p"),
        ("$request.query.q", "dune"),
        ("$request.query.tags", ["a", "b"]),
        ("$request.header.X-Token", "abc"),
        ("$request.header.x-token", "abc"),
        ("$request.body#/title", "Dune"),
        ("$request.body#/x~1y", 2),
        ("$request.body#/list/0/k", 1),
        ("$request.body#/raw", b"hi"),
        ("$statusCode", 201),
        ("$method", "POST"),
        ("$url", "http://testserver/books"),
    ],
)
def test_evaluate(expression: str, value: Any) -> None:
    """Every kind of expression reads its part of the exchange."""
    assert evaluate(expression, exchange()) == value


def test_evaluate_decodes_stored_values() -> None:
    """A value the stored form encodes is read as the value it stands for."""
    value = evaluate("$request.query.n", exchange())
    assert isinstance(value, float)
    assert math.isnan(value)
    assert evaluate("{$request.query.n}", exchange()) == "NaN"
    assert evaluate("{$request.path.blob}", exchange()) == "p"


def test_evaluate_whole_request_body() -> None:
    """``$request.body`` is the body as sent, encoded values decoded."""
    body = evaluate("$request.body", exchange())
    assert body == {**REQUEST["body"], "raw": b"hi", "binary": b"\xff\xfe"}


@pytest.mark.parametrize(
    ("template", "value"),
    [
        ("Bearer {$response.body#/token}", "Bearer t0k"),
        ("/books/{$response.body#/id}", "/books/7"),
        ("{$statusCode}", "201"),
        ("{$response.body#/a}", '[{"b":"deep"}]'),
        ("{$response.body#/none}", "null"),
        ("{$request.body#/list}", '[{"k":1}]'),
        ("{$request.body#/raw}!", "hi!"),
        ("{$method} {$request.query.q} {$request.header.x-token}", "POST dune abc"),
        ("no expression", "no expression"),
    ],
)
def test_evaluate_template(template: str, value: str) -> None:
    """A text with ``{$...}`` parts gets each part's value, non-strings as compact JSON."""
    assert evaluate(template, exchange()) == value


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in REQUEST.items() if k != key}


@pytest.mark.parametrize(
    ("expression", "answer", "request_", "message"),
    [
        ("$response.body#/nope", None, REQUEST, "the response body has nothing at /nope"),
        ("$response.body#/a/5", None, REQUEST, "the response body has nothing at /a/5"),
        ("$response.body#/a/b", None, REQUEST, "the response body has nothing at /a/b"),
        ("$response.body#/id/x", None, REQUEST, "the response body has nothing at /id/x"),
        ("$response.header.X-Missing", None, REQUEST, "the response has no X-Missing header"),
        ("$request.path.id", None, REQUEST, "the request has no path parameter 'id'"),
        ("$request.query.nope", None, REQUEST, "the request has no query parameter 'nope'"),
        ("$request.query.q", None, _without("query"), "the request has no query parameter 'q'"),
        ("$request.header.X-Nope", None, REQUEST, "the request has no header parameter 'X-Nope'"),
        ("$request.body#/nope", None, REQUEST, "the request body has nothing at /nope"),
        ("$request.body#/title", None, _without("body"), "the request has no body"),
        ("$request.body", None, _without("body"), "the request has no body"),
        (
            "$response.body#/id",
            httpx.Response(200, text="hello", headers={"content-type": "text/plain"}),
            REQUEST,
            "the response body is not JSON (text/plain)",
        ),
        ("$response.body", httpx.Response(204), REQUEST, "the response (204) has no body"),
        (
            "Bearer {$response.body#/nope}",
            None,
            REQUEST,
            "the response body has nothing at /nope",
        ),
        ("{$request.body#/binary}", None, REQUEST, "a binary value cannot be written into text"),
        ("{$request.body}", None, REQUEST, "a binary value cannot be written into text"),
        (
            "$response.body#id",
            None,
            REQUEST,
            "'$response.body#id': the JSON pointer after `#` must start with `/`, such as "
            "$response.body#/id",
        ),
    ],
)
def test_evaluate_refuses(
    expression: str, answer: httpx.Response | None, request_: Mapping[str, Any], message: str
) -> None:
    """An expression with no value in the exchange says what is missing where."""
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        evaluate(expression, exchange(answer, request_))


VALID = [
    "$url",
    "$method",
    "$statusCode",
    "$response.body",
    "$response.body#",
    "$response.body#/",
    "$response.body#/a/0/b~0~1",
    "$response.header.Location",
    "$response.header.X-Rate_Limit.1",
    "$request.path.id",
    "$request.query.page size",
    "$request.header.Accept",
    "$request.body",
    "$request.body#/user/uuid",
    "Bearer {$response.body#/token}",
    "{$request.path.id}/{$response.body#/id}",
    "plain text",
]


@pytest.mark.parametrize("expression", VALID)
def test_check_expression_accepts(expression: str) -> None:
    """What the OpenAPI runtime expression grammar allows and can have a value passes."""
    check_expression(expression)


USE = (
    "use $response.body#/json/pointer, $response.header.NAME, $request.path.NAME, "
    "$request.query.NAME, $request.header.NAME, $request.body#/pointer, $statusCode, "
    "$method or $url"
)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("$foo", f"'$foo' is not a runtime expression; {USE}"),
        ("$URL", f"'$URL' is not a runtime expression; {USE}"),
        ("$status", f"'$status' is not a runtime expression; {USE}"),
        ("$request.cookie.c", f"'$request.cookie.c' is not a runtime expression; {USE}"),
        ("$response", f"'$response' is not a runtime expression; {USE}"),
        (
            "$response.body.id",
            "'$response.body.id': a body is addressed with a JSON pointer, such as "
            "$response.body#/id",
        ),
        (
            "$request.body.a.b",
            "'$request.body.a.b': a body is addressed with a JSON pointer, such as "
            "$request.body#/a/b",
        ),
        (
            "$request.body#a",
            "'$request.body#a': the JSON pointer after `#` must start with `/`, such as "
            "$request.body#/a",
        ),
        (
            "$response.body#/a~2",
            "'$response.body#/a~2': in a JSON pointer `~` is written ~0 and `/` is written ~1",
        ),
        (
            "$request.header",
            "'$request.header' names no header parameter; use $request.header.NAME",
        ),
        ("$request.query.", "'$request.query.' names no query parameter; use $request.query.NAME"),
        (
            "$request.path#/id",
            "'$request.path#/id' names no path parameter; use $request.path.NAME",
        ),
        (
            "$response.query.x",
            "'$response.query.x': a response has no query parameters; read the request's "
            "($request.query.NAME) or the response's body or headers",
        ),
        (
            "$response.path.id",
            "'$response.path.id': a response has no path parameters; read the request's "
            "($request.path.NAME) or the response's body or headers",
        ),
        (
            "$request.header.X Token",
            "'$request.header.X Token': 'X Token' is not a header name",
        ),
        (
            "Bearer {$response.body#/token",
            "'Bearer {$response.body#/token' has a `{$` with no matching `}`; write each "
            'expression in the text as {$...}, such as "Bearer {$response.body#/token}"',
        ),
        ("Bearer {$foo}", f"'$foo' is not a runtime expression; {USE}"),
        (
            "$response.header.Location#regex:/books/(\\d+",
            "$response.header.Location#regex:/books/(\\d+: not a regular expression (missing ), "
            "unterminated subpattern at position 7)",
        ),
        (
            "$response.body#regex:(.*)",
            "$response.body#regex:(.*): `#regex:` follows a header, query or path expression; "
            "point into the body with a JSON pointer instead",
        ),
    ],
)
def test_check_expression_refuses(expression: str, message: str) -> None:
    """A malformed expression is refused when it is read, with the spelling to use."""
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        check_expression(expression)
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        evaluate(expression, exchange())


# -- binding targets -------------------------------------------------------------------------

PARAMETERS = {"path": {"id"}, "query": {"id", "q"}, "header": {"X-Token"}, "cookie": {"c"}}


@pytest.mark.parametrize(
    ("key", "target"),
    [
        ("path.id", ("path", "id")),
        ("query.id", ("query", "id")),
        ("query.q", ("query", "q")),
        ("query.undeclared", ("query", "undeclared")),
        ("header.X-Token", ("header", "X-Token")),
        ("header.X-Other", ("header", "X-Other")),
        ("cookie.c", ("cookie", "c")),
        ("body", ("body", "")),
        ("body#/a/b", ("body", "/a/b")),
        ("q", ("query", "q")),
        ("X-Token", ("header", "X-Token")),
        ("x-token", ("header", "X-Token")),
        ("c", ("cookie", "c")),
    ],
)
def test_parse_target(key: str, target: tuple[str, str]) -> None:
    """Qualified names, the body, and bare names the operation has in one place."""
    assert parse_target(key, PARAMETERS, "here") == target


@pytest.mark.parametrize(
    ("key", "parameters", "message"),
    [
        (
            "id",
            PARAMETERS,
            "here: parameter 'id' is in path and query; qualify it as path.id or query.id",
        ),
        ("qq", PARAMETERS, "here: the operation has no parameter 'qq'; did you mean 'q'?"),
        (
            "zzz",
            PARAMETERS,
            "here: the operation has no parameter 'zzz'; its parameters are cookie.c, "
            "header.X-Token, path.id, query.id, query.q",
        ),
        ("id", {}, "here: the operation has no parameter 'id'; it has no parameters"),
        (
            "path.idd",
            PARAMETERS,
            "here: the operation has no path parameter 'idd'; did you mean 'id'?",
        ),
        (
            "body#a",
            PARAMETERS,
            "here: 'body#a' addresses the body with a JSON pointer starting with `/`, such as "
            "body#/a",
        ),
        (
            "body.a.b",
            PARAMETERS,
            "here: 'body.a.b' addresses the body with a JSON pointer starting with `/`, such as "
            "body#/a/b",
        ),
    ],
)
def test_parse_target_refuses(key: str, parameters: Mapping[str, set[str]], message: str) -> None:
    """An ambiguous or unknown name says where it could go."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        parse_target(key, parameters, "here")


# -- carried values --------------------------------------------------------------------------

CARRY = {
    "name": "carry",
    "steps": [
        {"operation": "POST /items", "status": 201},
        {
            "operation": "PUT /items/{id}",
            "parameters": {
                "id": "$response.body#/id",
                "header.X-Token": "Bearer {$response.body#/token}",
                "cookie.session": "$response.header.Set-Session",
                "query.dry": True,
                "body#/owner/id": "$response.body#/owner",
            },
        },
        {
            "operation": "GET /items/{id}",
            "from": 1,
            "parameters": {"id": "$response.body#/id", "verbose": "{$statusCode}"},
        },
        {"operation": "DELETE /items/{id}", "parameters": {"id": "$response.body#/id"}},
    ],
}
STORED_PUT: Request = {
    "method": "PUT",
    "path": "/items/3",
    "path_parameters": {"id": 3},
    "headers": {"x-token": "generated"},
    "body": {"name": "n", "owner": {"name": "o"}},
    "media_type": "application/json",
}


@pytest.fixture(scope="module")
def carry() -> Scenario:
    return only(load(document(), scenarios=[CARRY], links=False), "carry")


def test_placeholders(carry: Scenario) -> None:
    """One placeholder per (source step, expression), numbered in the order steps use them:
    step 3 reads step 1 like step 2 does and shares its placeholder, step 4 reads step 3."""
    assert [s.source for s in carry.steps] == [0, 1, 1, 3]
    assert carry.placeholders() == {
        (1, "$response.body#/owner"): "<carried:1>",
        (1, "$response.header.Set-Session"): "<carried:2>",
        (1, "$response.body#/token"): "<carried:3>",
        (1, "$response.body#/id"): "<carried:4>",
        (1, "$statusCode"): "<carried:5>",
        (3, "$response.body#/id"): "<carried:6>",
    }


def test_masked(carry: Scenario) -> None:
    """Every target gets its placeholder; the path is formatted again from its template;
    a header replaces the generated one whatever its case; constants are sent as written."""
    stored = masked(carry.steps[1], STORED_PUT, carry.placeholders())
    assert stored == {
        "method": "PUT",
        "path": "/items/<carried:4>",
        "path_parameters": {"id": "<carried:4>"},
        "query": {"dry": True},
        "headers": {"X-Token": "Bearer <carried:3>"},
        "cookies": {"session": "<carried:2>"},
        "body": {"name": "n", "owner": {"name": "o", "id": "<carried:1>"}},
        "media_type": "application/json",
    }
    assert STORED_PUT["headers"] == {"x-token": "generated"}  # not changed in place


def test_masked_placeholder_per_source(carry: Scenario) -> None:
    """The same expression read from another step is another value."""
    get = masked(carry.steps[2], {"method": "GET", "path": "/items/1"}, carry.placeholders())
    delete = masked(carry.steps[3], {"method": "DELETE", "path": "/items/1"}, carry.placeholders())
    assert get == {
        "method": "GET",
        "path": "/items/<carried:4>",
        "path_parameters": {"id": "<carried:4>"},
        "query": {"verbose": "<carried:5>"},
    }
    assert delete["path"] == "/items/<carried:6>"


def test_concrete(carry: Scenario) -> None:
    """The values sent are computed from the source answer; bytes stay encoded."""
    answer = httpx.Response(
        201,
        json={"id": 41, "token": "t", "owner": {"$base64": "not a marker"}},
        headers={"Set-Session": "abc"},
        request=httpx.Request("POST", "http://testserver/items"),
    )
    source = Exchange({"method": "POST", "path": "/items"}, answer)
    sent = concrete(carry.steps[1], STORED_PUT, lambda e: evaluate(e, source))
    assert sent == {
        "method": "PUT",
        "path": "/items/41",
        "path_parameters": {"id": 41},
        "query": {"dry": True},
        "headers": {"X-Token": "Bearer t"},
        "cookies": {"session": "abc"},
        "body": {
            "name": "n",
            "owner": {"name": "o", "id": {"$object": {"$base64": "not a marker"}}},
        },
        "media_type": "application/json",
    }


def _step(carry: Scenario, *bindings: Binding) -> Step:
    """Step 2 of ``carry`` (reading step 1) with other bindings."""
    return Step(carry.steps[1].label, carry.steps[1].operation, None, 1, bindings)


@pytest.mark.parametrize(
    ("body", "pointer", "expected"),
    [
        (None, "/a/b", {"a": {"b": "<carried:1>"}}),
        ({"a": 1}, "/b/c/d", {"a": 1, "b": {"c": {"d": "<carried:1>"}}}),
        ({"list": [1, 2]}, "/list/1", {"list": [1, "<carried:1>"]}),
        ([{"x": 1}], "/0/y", [{"x": 1, "y": "<carried:1>"}]),
        ({"a/b": {"~": 0}}, "/a~1b/~0", {"a/b": {"~": "<carried:1>"}}),
    ],
)
def test_body_pointer(carry: Scenario, body: Any, pointer: str, expected: Any) -> None:
    """A body pointer sets one value, making the objects on its way."""
    step = _step(carry, Binding(("body", pointer), "$response.body#/id"))
    request: Request = {"method": "PUT", "path": "/items/1"}
    if body is not None:
        request["body"] = body
    placeholders = {(1, "$response.body#/id"): "<carried:1>"}
    assert masked(step, request, placeholders)["body"] == expected


@pytest.mark.parametrize(
    ("body", "pointer", "message"),
    [
        (
            "text",
            "/a",
            "body pointer /a does not fit the request body: the body is a str with no 'a'; "
            "set the whole body, or point into its objects",
        ),
        (
            [1],
            "/owner/id",
            "body pointer /owner/id does not fit the request body: the body is a list with no "
            "'owner'; set the whole body, or point into its objects",
        ),
        (
            {"a": 5},
            "/a/b",
            "body pointer /a/b does not fit the request body: /a is an int with no 'b'; "
            "set the whole body, or point into its objects",
        ),
        (
            {"$base64": base64.b64encode(b"raw").decode()},
            "/a",
            "body pointer /a does not fit the request body: the body is a bytes with no 'a'; "
            "set the whole body, or point into its objects",
        ),
    ],
)
def test_body_pointer_does_not_fit(body: Any, pointer: str, message: str, carry: Scenario) -> None:
    """A pointer into a value that is not an object (or a list index) is refused."""
    step = _step(carry, Binding(("body", pointer), "$response.body#/id"))
    request: Request = {"method": "PUT", "path": "/items/1", "body": body}
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        masked(step, request, {(1, "$response.body#/id"): "<carried:1>"})
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        concrete(step, request, lambda e: 1)


def test_whole_body(carry: Scenario) -> None:
    """``body`` replaces the body; a constant is sent as written and carried by nothing."""
    constant = {"name": "$not carried", "n": [1]}
    step = _step(carry, Binding(("body", ""), constant))
    request: Request = {"method": "PUT", "path": "/items/1", "body": {"name": "x"}}
    assert masked(step, request, {})["body"] == constant
    assert concrete(step, request, lambda e: pytest.fail(f"{e} was evaluated"))["body"] == constant
    scenario = Scenario("s", "config", (carry.steps[0], step), "f", "s")
    assert scenario.placeholders() == {}


# -- scenarios from links --------------------------------------------------------------------


def test_links() -> None:
    """The create's links: reads first, then writes, deletes last, by link name within;
    a `$ref` to a link and to a response is followed; operationRef names an operation."""
    schema = load(document())
    scenario = only(schema, "POST /items 201")
    assert scenario.error is None
    assert scenario.origin == "links"
    assert scenario.file_stem == "POST_items_201"
    assert [(s.label, s.link, s.source) for s in scenario.steps] == [
        ("POST /items", None, 0),
        ("GET /items/{id}", "GetItem", 1),
        ("GET /items", "ListItems", 1),
        ("PUT /items/{id}", "UpdateItem", 1),
        ("DELETE /items/{id}", "DeleteItem", 1),
    ]
    assert scenario.steps[0].status == 201
    assert [s.definition()["bindings"] for s in scenario.steps] == [
        {},
        {"path.id": "$response.body#/id"},
        {"query.limit": 1},
        {"body": {"name": "renamed"}, "path.id": "$response.body#/id"},
        {"path.id": "$response.body#/id"},
    ]
    assert scenario.placeholders() == {(1, "$response.body#/id"): "<carried:1>"}
    assert [s.resolved.label for s in scenario.steps] == [s.label for s in scenario.steps]
    assert "POST_items_201" in schema.scenario_stems


def test_links_key_order_does_not_matter() -> None:
    """JSON object order carries no meaning: a document with every object's keys reversed
    gives the same scenarios, errors included."""
    doc = document()
    links(doc)["Broken"] = {"operationId": "getItm", "parameters": {"id": "$response.body#/id"}}
    links(doc)["Elsewhere"] = {"operationRef": "other.json#/paths/~1items/get"}
    links(doc)["BadExpression"] = {"operationId": "getItem", "parameters": {"id": "$nope"}}
    doc["paths"]["/items/{id}"]["get"]["responses"]["200"]["links"] = {
        "Z": {"operationId": "deleteItem", "parameters": {"id": "$request.path.id"}},
        "A": {"operationId": "updateItem", "parameters": {"id": "$request.path.id"}},
    }
    flipped = reversed_keys(doc)
    assert list(flipped["paths"]) == ["/health", "/items/{id}", "/items"]
    one, other = load(doc), load(flipped)
    assert [summary(s) for s in one.scenarios] == [summary(s) for s in other.scenarios]
    assert one.scenario_stems == other.scenario_stems
    assert [s.name for s in one.scenarios] == ["GET /items/{id} 200", "POST /items 201"]
    assert only(one, "POST /items 201").error is not None


def test_link_forms() -> None:
    """A percent-encoded operationRef, a qualified parameter name and a requestBody
    computed from the answer."""
    doc = document()
    links(doc).clear()
    links(doc)["Read"] = {
        "operationRef": "#/paths/~1items~1%7Bid%7D/get",
        "parameters": {"path.id": "$response.body#/id", "X-Token": "{$response.body#/name}"},
    }
    links(doc)["Copy"] = {"operationId": "createItem", "requestBody": "$response.body"}
    scenario = only(load(doc), "POST /items 201")
    assert scenario.error is None
    assert [(s.label, s.definition()["bindings"]) for s in scenario.steps[1:]] == [
        (
            "GET /items/{id}",
            {"header.X-Token": "{$response.body#/name}", "path.id": "$response.body#/id"},
        ),
        ("POST /items", {"body": "$response.body"}),
    ]


@pytest.mark.parametrize(
    ("link", "message"),
    [
        (
            {"operationId": "getItm", "parameters": {"id": "$response.body#/id"}},
            "link 'Bad' of POST /items 201 names operationId 'getItm', which no operation has; "
            "did you mean 'getItem'?",
        ),
        (
            {"operationRef": "https://example.com/openapi.json#/paths/~1items/get"},
            "link 'Bad' of POST /items 201: operationRef "
            "'https://example.com/openapi.json#/paths/~1items/get' points into another "
            "document; use operationId",
        ),
        (
            {"operationRef": "#/paths/~1item~1{id}/get"},
            "link 'Bad' of POST /items 201: operationRef '#/paths/~1item~1{id}/get' names no "
            "operation of the schema; did you mean 'GET /items/{id}'?",
        ),
        (
            {"operationId": "getItem", "parameters": {"id": "$response.body.id"}},
            "link 'Bad' of POST /items 201: id = '$response.body.id': a body is addressed with "
            "a JSON pointer, such as $response.body#/id",
        ),
        (
            {"operationId": "getItem", "parameters": {"idd": "$response.body#/id"}},
            "link 'Bad' of POST /items 201 (GET /items/{id}): the operation has no parameter "
            "'idd'; did you mean 'id'?",
        ),
        (
            {"operationId": "getItem", "parameters": {"id": 1, "path.id": 2}},
            "link 'Bad' of POST /items 201 (GET /items/{id}): 'id' and 'path.id' both set "
            "path.id; keep one",
        ),
        (
            {"operationId": "getItem", "parameters": ["id"]},
            "link 'Bad' of POST /items 201: `parameters` must be an object",
        ),
        (
            {"description": "no target"},
            "link 'Bad' of POST /items 201 has neither operationId nor operationRef; name the "
            "operation it leads to",
        ),
        (
            {"$ref": "#/components/links/Nowhere"},
            "link 'Bad' of POST /items 201: its `$ref` '#/components/links/Nowhere' points nowhere",
        ),
    ],
)
def test_bad_link(link: dict[str, Any], message: str) -> None:
    """A link that cannot be followed leaves the scenario with an error that names the link;
    the other links still make their steps."""
    doc = document()
    links(doc)["Bad"] = link
    scenario = only(load(doc), "POST /items 201")
    assert scenario.error == message
    assert [s.link for s in scenario.steps] == [
        None,
        "GetItem",
        "ListItems",
        "UpdateItem",
        "DeleteItem",
    ]


def test_duplicate_operation_id() -> None:
    """A link cannot follow an operationId that two operations have."""
    doc = document()
    doc["paths"]["/health"]["get"]["operationId"] = "getItem"
    message = (
        "link 'GetItem' of POST /items 201 names operationId 'getItem', which GET /health, "
        "GET /items/{id} share; give each operation its own operationId"
    )
    assert only(load(doc), "POST /items 201").error == message
    assert only(load(reversed_keys(doc)), "POST /items 201").error == message


def test_fingerprint() -> None:
    """A scenario goes stale when a link or a step's operation changes, not otherwise."""
    base = only(load(document()), "POST /items 201").fingerprint

    changed_link = document()
    links(changed_link)["GetItem"]["parameters"] = {"id": "$response.header.Location"}
    changed_target = document()
    changed_target["paths"]["/items/{id}"]["delete"]["parameters"] = [
        {"name": "force", "in": "query", "schema": {"type": "boolean"}}
    ]
    changed_status = document()
    responses = changed_status["paths"]["/items"]["post"]["responses"]
    responses["200"] = responses.pop("201")
    unrelated = document()
    unrelated["paths"]["/health"]["get"]["parameters"] = [
        {"name": "deep", "in": "query", "schema": {"type": "boolean"}}
    ]
    described = document()
    links(described)["GetItem"]["description"] = "read it back"

    def of(doc: dict[str, Any], name: str = "POST /items 201") -> str:
        return only(load(doc), name).fingerprint

    assert of(changed_link) != base
    assert of(changed_target) != base
    assert of(changed_status, "POST /items 200") != base
    assert of(unrelated) == base
    assert of(described) == base


def test_links_off() -> None:
    """``links = false``: no scenarios from links, configured ones still."""
    schema = load(document(), links=False, scenarios=[CARRY])
    assert [s.name for s in schema.scenarios] == ["carry"]
    assert schema.scenario_stems == {"carry"}


def test_exclude_scenario_keeps_its_stem() -> None:
    """An excluded scenario is not run, but its file is no orphan."""
    everything = load(document())
    excluded = load(document(), exclude=["scenario:POST /items *"])
    assert excluded.scenarios == []
    assert excluded.scenario_stems == everything.scenario_stems == {"POST_items_201"}


def test_excluded_operation_drops_the_scenario() -> None:
    """A scenario with a step whose operation is not selected is not run; its file stays."""
    schema = load(document(), exclude=["GET /items/{id}"])
    assert schema.scenarios == []
    assert schema.scenario_stems == {"POST_items_201"}
    kept = load(document(), exclude=["GET /health"])
    assert [s.name for s in kept.scenarios] == ["POST /items 201"]


def test_same_stem() -> None:
    """Two scenarios that would share a file: the second gets an error."""
    clash = {"name": "POST_items_201", "steps": CARRY["steps"]}
    schema = load(document(), scenarios=[clash])
    first, second = schema.scenarios
    assert first.error is None
    assert second.name == "POST_items_201"
    assert second.error == (
        "its file name POST_items_201.json is taken by scenario 'POST /items 201'; "
        "rename this scenario"
    )


# -- scenarios from the configuration --------------------------------------------------------


def test_config_scenario() -> None:
    """A configured scenario: steps in order, each reading the step before it by default."""
    scenario = only(load(document(), scenarios=[CARRY], links=False), "carry")
    assert scenario.origin == "config"
    assert scenario.error is None
    assert scenario.file_stem == "carry"
    assert [(s.label, s.source, s.status, s.link) for s in scenario.steps] == [
        ("POST /items", 0, 201, None),
        ("PUT /items/{id}", 1, None, None),
        ("GET /items/{id}", 1, None, None),
        ("DELETE /items/{id}", 3, None, None),
    ]
    assert scenario.steps[2].definition()["bindings"] == {
        "path.id": "$response.body#/id",
        "query.verbose": "{$statusCode}",
    }


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            {"operation": "GET /item/{id}", "parameters": {"id": "$response.body#/id"}},
            "step 2: the schema has no operation 'GET /item/{id}'; did you mean 'GET /items/{id}'?",
        ),
        (
            {"operation": "GET /zzzzzzzz"},
            "step 2: the schema has no operation 'GET /zzzzzzzz'; check the method and path",
        ),
        (
            {"operation": "GET /items/{id}", "parameters": {"book_id": "$response.body#/id"}},
            "step 2 (GET /items/{id}): the operation has no parameter 'book_id'; "
            "its parameters are header.X-Token, path.id, query.verbose",
        ),
    ],
)
def test_config_scenario_error(step: dict[str, Any], message: str) -> None:
    """A step the schema cannot send leaves the scenario with an error naming the step."""
    raw = {"name": "x", "steps": [{"operation": "POST /items"}, step]}
    scenario = only(load(document(), scenarios=[raw], links=False), "x")
    assert scenario.error == message
    assert len(scenario.steps) == 2


# -- configuration ---------------------------------------------------------------------------


def build(raw: Mapping[str, Any]) -> Settings:
    return build_settings(raw, root=Path("/project"), source=SOURCE)


def config_error(scenarios: object, message: str) -> None:
    """Assert that ``scenarios`` is refused with exactly ``message``."""
    with pytest.raises(ConfigError, match=f"^{re.escape(message)}$"):
        build({"scenarios": scenarios})


FIRST = {"operation": "POST /items"}


def steps(step: object, *, first: Mapping[str, Any] = FIRST) -> list[Any]:
    """A scenario ``s`` whose second step is ``step``."""
    return [{"name": "s", "steps": [first, step]}]


def test_config_round_trip() -> None:
    """A full table becomes ``ScenarioConfig``/``StepConfig`` values."""
    settings = build(
        {
            "scenarios": [
                {
                    "name": "book-lifecycle.v2",
                    "steps": [
                        {"operation": "post /books", "status": 201, "body": {"title": "Dune"}},
                        {
                            "operation": "GET /books/{book_id}",
                            "parameters": {"book_id": "$response.body#/id", "q": 1},
                        },
                        {
                            "operation": "DELETE /books/{book_id}",
                            "from": 1,
                            "parameters": {"book_id": "$response.body#/id"},
                            "body": "{$request.path.book_id}",
                        },
                    ],
                },
                {"name": "B_2", "steps": [FIRST, FIRST]},
            ]
        }
    )
    assert settings.scenarios == (
        ScenarioConfig(
            "book-lifecycle.v2",
            (
                StepConfig("POST /books", (("body", {"title": "Dune"}),), None, 201),
                StepConfig("GET /books/{book_id}", (("book_id", "$response.body#/id"), ("q", 1))),
                StepConfig(
                    "DELETE /books/{book_id}",
                    (("book_id", "$response.body#/id"), ("body", "{$request.path.book_id}")),
                    1,
                ),
            ),
        ),
        ScenarioConfig("B_2", (StepConfig("POST /items"), StepConfig("POST /items"))),
    )


NAME_RULE = (
    "`name` must be 1 to 80 letters, digits, `_`, `.` or `-`, starting with a letter or digit "
    '(such as "book-lifecycle"): it names the file; got'
)
STEPS_RULE = (
    '`steps` must list two or more steps, such as [{operation = "POST /books"}, {operation = '
    '"GET /books/{book_id}", parameters = {book_id = "$response.body#/id"}}], got'
)
OPERATION_RULE = (
    '`operation` must be a method and a path as in the schema, such as "GET /books/{book_id}", got'
)
WHERE = "test: scenario 's', step 2"


@pytest.mark.parametrize(
    ("scenarios", "message"),
    [
        (
            {"name": "s"},
            "test: `scenarios` must be an array of tables ([[tool.contractsnap.scenarios]]), "
            "got dict",
        ),
        (["s"], "test: scenario 1 must be a table, got str"),
        (
            [{"name": "s", "step": []}],
            "test: scenario 1: unknown key `step`; did you mean `steps`?",
        ),
        ([{"steps": [FIRST, FIRST]}], f"test: scenario 1: {NAME_RULE} None"),
        ([{"name": "a b", "steps": [FIRST, FIRST]}], f"test: scenario 1: {NAME_RULE} 'a b'"),
        ([{"name": "", "steps": [FIRST, FIRST]}], f"test: scenario 1: {NAME_RULE} ''"),
        ([{"name": "-a", "steps": [FIRST, FIRST]}], f"test: scenario 1: {NAME_RULE} '-a'"),
        ([{"name": "a/b", "steps": [FIRST, FIRST]}], f"test: scenario 1: {NAME_RULE} 'a/b'"),
        ([{"name": 3, "steps": [FIRST, FIRST]}], f"test: scenario 1: {NAME_RULE} 3"),
        (
            [{"name": "a" * 81, "steps": [FIRST, FIRST]}],
            f"test: scenario 1: {NAME_RULE} {'a' * 81!r}",
        ),
        (
            [{"name": "s", "steps": [FIRST, FIRST]}, {"name": "s", "steps": [FIRST, FIRST]}],
            "test: scenario 2: another scenario is named 's'; give each scenario its own name",
        ),
        ([{"name": "s", "steps": [FIRST]}], f"test: scenario 's': {STEPS_RULE} [{FIRST!r}]"),
        ([{"name": "s"}], f"test: scenario 's': {STEPS_RULE} None"),
        ([{"name": "s", "steps": FIRST}], f"test: scenario 's': {STEPS_RULE} {FIRST!r}"),
        (steps("GET /x"), f"{WHERE} must be a table, got str"),
        (
            steps({"operation": "GET /x", "parameter": {}}),
            f"{WHERE}: unknown key `parameter`; did you mean `parameters`?",
        ),
        (
            steps({"operation": "GET /x", "zzz": 1}),
            f"{WHERE}: unknown key `zzz`; known keys: body, from, operation, parameters, status",
        ),
        (
            steps({"parameters": {}}),
            f"{WHERE}: `operation` is missing; set it to the operation the step sends, such as "
            '"GET /books/{book_id}"',
        ),
        (steps({"operation": "GETT /x"}), f"{WHERE}: {OPERATION_RULE} 'GETT /x'"),
        (steps({"operation": "/x"}), f"{WHERE}: {OPERATION_RULE} '/x'"),
        (steps({"operation": "GET x"}), f"{WHERE}: {OPERATION_RULE} 'GET x'"),
        (steps({"operation": 3}), f"{WHERE}: {OPERATION_RULE} 3"),
        (
            steps({"operation": "GET /x", "parameters": ["id"]}),
            f'{WHERE}: `parameters` must be a table such as {{book_id = "$response.body#/id"}}, '
            "got list ['id']",
        ),
        *(
            (
                steps({"operation": "GET /x", "from": value}),
                f"{WHERE}: `from` must be the number of an earlier step (1 to 1), got {value!r}",
            )
            for value in (0, 2, True, "1", 1.0)
        ),
        (
            steps(FIRST, first={"operation": "POST /items", "from": 1}),
            "test: scenario 's', step 1: `from` names the earlier step whose answer the "
            "expressions read; the first step has none, remove it",
        ),
        (
            steps({"operation": "GET /x", "status": 200}),
            f"{WHERE}: `status` is for the first step (the answer the scenario needs to go on); "
            "later steps are recorded with whatever they answer, remove it",
        ),
        *(
            (
                steps(FIRST, first={"operation": "POST /items", "status": value}),
                "test: scenario 's', step 1: `status` must be an HTTP status code from 100 to "
                f"599, such as 201, got {type(value).__name__} {value!r}",
            )
            for value in (99, 600, "201", True, 201.0)
        ),
        (
            steps({"operation": "GET /x", "parameters": {"id": "$response.body.id"}}),
            f"{WHERE}: `parameters.id`: '$response.body.id': a body is addressed with a JSON "
            "pointer, such as $response.body#/id",
        ),
        (
            steps({"operation": "GET /x", "parameters": {"t": "Bearer {$foo}"}}),
            f"{WHERE}: `parameters.t`: '$foo' is not a runtime expression; {USE}",
        ),
        (
            steps({"operation": "GET /x", "body": "$response.query.id"}),
            f"{WHERE}: `body`: '$response.query.id': a response has no query parameters; read "
            "the request's ($request.query.NAME) or the response's body or headers",
        ),
        (
            steps(FIRST, first={"operation": "POST /items", "parameters": {"id": "$statusCode"}}),
            "test: scenario 's', step 1: `parameters.id` = '$statusCode' reads an earlier "
            "step's answer, and the first step has none; give it a constant",
        ),
        (
            steps({"operation": "GET /x", "body": {"owner": {"id": "$response.body#/id"}}}),
            f"{WHERE}: `body.owner.id` = '$response.body#/id' is inside a constant, where "
            'expressions are not read; carry it with its own key, such as parameters = {"body#/id" '
            '= "$response.body#/id"}',
        ),
        (
            steps({"operation": "GET /x", "parameters": {"since": datetime.date(2024, 1, 2)}}),
            f"{WHERE}: `parameters.since` is a TOML date or time, which JSON has no type for; "
            "quote it to send it as a string",
        ),
        (
            steps({"operation": "GET /x", "body": {"at": [datetime.time(1, 2)]}}),
            f"{WHERE}: `body.at[0]` is a TOML date or time, which JSON has no type for; quote "
            "it to send it as a string",
        ),
        (
            steps({"operation": "GET /x", "body": {}, "parameters": {"body": {}}}),
            f"{WHERE}: the body is set twice, by `body` and by `parameters.body`; keep one",
        ),
    ],
)
def test_config_refuses(scenarios: object, message: str) -> None:
    """Every malformed scenario table is refused with what, where and how to fix."""
    config_error(scenarios, message)


def test_config_constants_that_look_like_expressions() -> None:
    """A string inside a constant that is no expression is just text."""
    settings = build(
        {"scenarios": steps({"operation": "GET /x", "body": {"price": "$5", "t": "{$"}})}
    )
    assert settings.scenarios[0].steps[1].parameters == (("body", {"price": "$5", "t": "{$"}),)


def test_pyproject_scenario_is_valid() -> None:
    """The project's own scenario table is accepted and runs against the demo app's schema."""
    from contractsnap._config import load_settings

    root = Path(__file__).parents[2]
    settings = load_settings(root)
    names = [s.name for s in settings.scenarios]
    assert "deleted-book-is-gone" in names


def test_a_regex_that_does_not_match_says_so() -> None:
    message = "'/books/7' does not match the regular expression /tags/(\\d+)"
    with pytest.raises(ExpressionError, match=f"^{re.escape(message)}$"):
        evaluate("$response.header.Location#regex:/tags/(\\d+)", exchange())


def test_a_star_in_a_body_pointer_is_the_first_item() -> None:
    answer = httpx.Response(200, json={"items": [{"id": 3}, {"id": 4}]})
    assert evaluate("$response.body#/items/*/id", exchange(answer)) == 3
