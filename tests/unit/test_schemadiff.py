"""OpenAPI change classification: each rule, references and cycles."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from contractsnap._schemadiff import DOCUMENT, compare

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "paths": {
        "/books": {
            "get": {
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer"},
                    },
                    {
                        "name": "genre",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["fiction", "poetry"]},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Book"},
                                }
                            }
                        },
                    }
                },
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/BookIn"}}
                    }
                },
                "responses": {
                    "201": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Book"}}
                        },
                    }
                },
            },
        },
    },
    "components": {
        "schemas": {
            "BookIn": {
                "type": "object",
                "required": ["title"],
                "properties": {"title": {"type": "string"}, "price": {"type": "number"}},
            },
            "Book": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "next": {"$ref": "#/components/schemas/Book"},
                },
            },
        }
    },
}


def changed(edit: Any) -> list[tuple[str, str, str]]:
    head = copy.deepcopy(BASE)
    edit(head)
    return compare(BASE, head)


class TestSchemaRules:
    def test_a_success_no_longer_documented_breaks_its_clients(self) -> None:
        """``201`` now answered ``200``: clients that waited for a 201 break."""

        def edit(document: Any) -> None:
            responses = document["paths"]["/books"]["post"]["responses"]
            responses["200"] = responses.pop("201")

        assert changed(edit) == [
            ("additive", "response 200 documented", "POST /books"),
            ("breaking", "response 201 no longer documented", "POST /books"),
        ]

    def test_an_error_no_longer_documented_is_additive(self) -> None:
        base = copy.deepcopy(BASE)
        base["paths"]["/books"]["post"]["responses"]["422"] = {"description": "invalid"}
        assert compare(base, BASE) == [
            ("additive", "response 422 no longer documented", "POST /books")
        ]

    @pytest.mark.parametrize(
        ("edit", "expected"),
        [
            (
                lambda d: d["paths"]["/books"].pop("post"),
                ("breaking", "operation removed from the schema", "POST /books"),
            ),
            (
                lambda d: d["paths"].update({"/x": {"get": {"responses": {}}}}),
                ("additive", "operation added to the schema", "GET /x"),
            ),
            (
                lambda d: d["paths"]["/books"]["get"]["parameters"][0].update(required=True),
                ("breaking", "parameter `limit` (query) became required", "GET /books"),
            ),
            (
                lambda d: d["paths"]["/books"]["get"]["parameters"].append(
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
                ),
                ("breaking", "required parameter `q` (query) added", "GET /books"),
            ),
            (
                lambda d: d["paths"]["/books"]["get"]["parameters"].append(
                    {"name": "q", "in": "query", "schema": {"type": "string"}}
                ),
                ("additive", "parameter `q` (query) added", "GET /books"),
            ),
            (
                lambda d: d["paths"]["/books"]["get"]["parameters"][1]["schema"]["enum"].remove(
                    "poetry"
                ),
                ("breaking", "parameter `genre`: enum value 'poetry' of `$` removed", "GET /books"),
            ),
            (
                lambda d: (
                    d["components"]["schemas"]["BookIn"]["properties"].update(
                        isbn={"type": "string"}
                    )
                    or d["components"]["schemas"]["BookIn"]["required"].append("isbn")
                ),
                ("breaking", "request property `$.isbn` added as required", "POST /books"),
            ),
            (
                lambda d: d["paths"]["/books"]["get"]["parameters"][0]["schema"].update(maximum=20),
                ("breaking", "parameter `limit`: maximum 20 added to `$`", "GET /books"),
            ),
            (
                lambda d: d["components"]["schemas"]["BookIn"]["properties"]["title"].update(
                    minLength=3
                ),
                ("breaking", "minLength 3 added to `$.title`", "POST /books"),
            ),
            (
                lambda d: d["components"]["schemas"]["BookIn"]["required"].append("price"),
                ("breaking", "request property `$.price` became required", "POST /books"),
            ),
            (
                lambda d: d["components"]["schemas"]["BookIn"]["properties"]["price"].update(
                    type="string"
                ),
                ("breaking", "type of `$.price` changed from number to string", "POST /books"),
            ),
        ],
    )
    def test_rule(self, edit: Any, expected: tuple[str, str, str]) -> None:
        """Each schema change is classified by its rule."""
        assert changed(edit) == [expected]

    def test_response_property_removed_everywhere_it_is_used(self) -> None:
        """An edit in a component shows in every operation whose responses use it."""
        found = changed(lambda d: d["components"]["schemas"]["Book"]["properties"].pop("title"))
        assert found == [
            ("breaking", "response property `$[*].title` removed (200)", "GET /books"),
            ("breaking", "response property `$.title` removed (201)", "POST /books"),
        ]

    def test_recursive_schemas_terminate(self) -> None:
        """A self-referencing schema is compared without looping."""
        assert changed(lambda d: None) == []

    def test_description_only(self) -> None:
        """A change no rule names is additive documentation."""
        found = changed(lambda d: d["paths"]["/books"]["get"].update(description="Lists books."))
        assert found == [("additive", "documentation changed", "GET /books")]


class TestOutsidePaths:
    """Every value that differs outside ``paths`` is listed once, under the document; what
    the operations' changes classify already is not listed again."""

    def test_a_default_in_components_and_the_version_are_listed(self) -> None:
        def edit(d: Any) -> None:
            d["components"]["schemas"]["BookIn"]["properties"]["price"]["default"] = 0
            d["info"]["version"] = "2"

        assert changed(edit) == [
            (
                "additive",
                '`$.components.schemas.BookIn.properties.price.default`: "<absent>" then 0',
                DOCUMENT,
            ),
            ("additive", '`$.info.version`: "1" then "2"', DOCUMENT),
        ]

    def test_a_reordered_enum_is_listed(self) -> None:
        base = copy.deepcopy(BASE)
        base["components"]["schemas"]["Book"]["properties"]["id"]["enum"] = [1, 2]
        head = copy.deepcopy(base)
        head["components"]["schemas"]["Book"]["properties"]["id"]["enum"] = [2, 1]
        assert compare(base, head) == [
            (
                "additive",
                "`$.components.schemas.Book.properties.id.enum`: the same items in another order",
                DOCUMENT,
            )
        ]
