"""The OpenAPI document: operations, selectors, fingerprints and credential names."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, Field

from contractsnap import ConfigError, SchemaError
from contractsnap._config import OperationSettings, build_settings
from contractsnap._openapi import security_parameters
from contractsnap._schema import ApiSchema
from contractsnap._selectors import selector_matches, validate_selector

# -- the app -------------------------------------------------------------------------------


class Author(BaseModel):
    name: str = Field(max_length=20)


class BookIn(BaseModel):
    title: str = Field(max_length=30)
    author: Author


class BookOut(BaseModel):
    id: int
    title: str


app = FastAPI(title="schema", version="1")


@app.get("/books", tags=["books"], operation_id="list_books")
def list_books(limit: Annotated[int, Query(ge=1)] = 10) -> list[BookOut]:
    return []


@app.post("/books", tags=["books", "write"], operation_id="create_book")
def create_book(book: BookIn) -> BookOut:
    return BookOut(id=1, title=book.title)


@app.get("/books/{book_id}", tags=["books"], operation_id="get_book")
def get_book(book_id: int) -> BookOut:
    return BookOut(id=book_id, title="x")


@app.delete("/books/{book_id}", tags=["books", "write"], operation_id="delete_book")
def delete_book(book_id: int) -> None:
    return None


@app.get("/health", operation_id="health")
def health() -> dict[str, str]:
    return {"status": "ok"}


DOCUMENT: dict[str, Any] = app.openapi()
ALL = [
    "GET /books",
    "POST /books",
    "GET /books/{book_id}",
    "DELETE /books/{book_id}",
    "GET /health",
]


def load(raw: dict[str, Any], root: Path, document: dict[str, Any] | None = None) -> ApiSchema:
    return ApiSchema(document or DOCUMENT, build_settings(raw, root=root, source="test"))


def labels(schema: ApiSchema) -> list[str]:
    return [op.label for op in schema.operations]


def fingerprints(schema: ApiSchema) -> dict[str, str]:
    return {op.label: op.fingerprint for op in schema.operations}


class TestOperations:
    """Operations are listed in document order with their metadata."""

    def test_document_order(self, tmp_path: Path) -> None:
        """Paths in document order, methods in path-item order."""
        assert labels(load({}, tmp_path)) == ALL

    def test_metadata(self, tmp_path: Path) -> None:
        """Each operation carries its id, tags, file stem and settings."""
        op = load({}, tmp_path).operations[3]
        assert (op.method, op.path, op.operation_id, op.tags, op.file_stem) == (
            "DELETE",
            "/books/{book_id}",
            "delete_book",
            ("books", "write"),
            "DELETE_books_{book_id}",
        )
        assert op.settings == OperationSettings()
        assert op.error is None
        assert op.api_operation is not None
        assert op.api_operation.label == "DELETE /books/{book_id}"

    def test_document_order_is_not_sorted(self, tmp_path: Path) -> None:
        """A document listing /z before /a keeps that order."""
        document = {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/z": {
                    "post": {"responses": {"200": {"description": "ok"}}},
                    "get": {"responses": {"200": {"description": "ok"}}},
                },
                "/a": {"get": {"responses": {"200": {"description": "ok"}}}},
            },
        }
        assert labels(load({}, tmp_path, document)) == ["POST /z", "GET /z", "GET /a"]

    def test_non_operation_keys_are_skipped(self, tmp_path: Path) -> None:
        """Path-item keys such as ``parameters`` and ``summary`` are not operations."""
        document = copy.deepcopy(DOCUMENT)
        document["paths"]["/health"]["summary"] = "Health"
        document["paths"]["/health"]["parameters"] = []
        assert labels(load({}, tmp_path, document)) == ALL

    def test_unreadable_operation(self, tmp_path: Path) -> None:
        """An operation schemathesis cannot read is listed with the reason."""
        document = copy.deepcopy(DOCUMENT)
        document["paths"]["/health"]["get"]["parameters"] = [
            {"$ref": "#/components/parameters/Missing"}
        ]
        op = load({}, tmp_path, document).operations[-1]
        assert op.label == "GET /health"
        assert op.api_operation is None
        assert op.error == "Unresolvable reference in the schema"

    def test_no_paths(self, tmp_path: Path) -> None:
        """A document without ``paths`` is a SchemaError naming the app and the fix."""
        with pytest.raises(
            SchemaError,
            match=re.escape(
                "the OpenAPI document of bookstore:app has no `paths` table; "
                "check `schema_path`/`schema` in [tool.contractsnap]"
            ),
        ):
            load({"app": "bookstore:app"}, tmp_path, {"openapi": "3.1.0", "info": {}})

    def test_per_operation_settings(self, tmp_path: Path) -> None:
        """Each operation gets the settings of the first matching ``operations`` table."""
        schema = load(
            {"operations": {"tag:write": {"max_cases": 3}, "GET /books*": {"fuzz": 2}}}, tmp_path
        )
        got = {op.label: (op.settings.max_cases, op.settings.fuzz) for op in schema.operations}
        assert got == {
            "GET /books": (100, 2),
            "POST /books": (3, 0),
            "GET /books/{book_id}": (100, 2),
            "DELETE /books/{book_id}": (3, 0),
            "GET /health": (100, 0),
        }


class TestSelection:
    """include and exclude select operations by label, tag, id, method or path."""

    @pytest.mark.parametrize(
        ("include", "selected"),
        [
            (["GET /books"], ["GET /books"]),
            (["get /books"], ["GET /books"]),
            (["GET /books/*"], ["GET /books/{book_id}"]),
            (["GET /books*"], ["GET /books", "GET /books/{book_id}"]),
            (["* /books/{book_id}"], ["GET /books/{book_id}", "DELETE /books/{book_id}"]),
            (["tag:write"], ["POST /books", "DELETE /books/{book_id}"]),
            (["id:health"], ["GET /health"]),
            (["method:get"], ["GET /books", "GET /books/{book_id}", "GET /health"]),
            (["method:DELETE"], ["DELETE /books/{book_id}"]),
            (["path:/books/*"], ["GET /books/{book_id}", "DELETE /books/{book_id}"]),
            (["path:/books"], ["GET /books", "POST /books"]),
            (["id:health", "tag:write"], ["POST /books", "DELETE /books/{book_id}", "GET /health"]),
        ],
    )
    def test_include(self, tmp_path: Path, include: list[str], selected: list[str]) -> None:
        """Only operations matching some include selector are kept, in document order."""
        assert labels(load({"include": include}, tmp_path)) == selected

    @pytest.mark.parametrize(
        ("key", "selector", "hint"),
        [
            ("include", "tag:nothing", ""),
            ("include", "tag:writes", ' did you mean "tag:write"?'),
            ("include", "GET /Books", ' did you mean "GET /books"?'),
            ("exclude", "id:helth", ' did you mean "id:health"?'),
            ("exclude", "path:/book", ' did you mean "path:/books"?'),
        ],
    )
    def test_a_selector_that_matches_nothing_is_an_error(
        self, tmp_path: Path, key: str, selector: str, hint: str
    ) -> None:
        with pytest.raises(ConfigError) as info:
            load({key: [selector]}, tmp_path)
        assert str(info.value) == (
            f"test: `{key}` entry {selector!r} matches no operation of the schema;{hint} "
            "Fix the selector or remove it"
        )

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (
                {"parameters": {"bok_id": 1}},
                "test: `bok_id` in [tool.contractsnap.parameters] names no parameter of any "
                "operation; did you mean `book_id`?",
            ),
            (
                {"parameters": {"query.book_id": 1}},
                "test: `query.book_id` in [tool.contractsnap.parameters] names no parameter of "
                "any operation; did you mean `path.book_id`?",
            ),
            (
                {"operations": {"GET /books": {"parameters": {"book_id": 1}}}},
                'test: `book_id` in the `parameters` of [tool.contractsnap.operations."GET '
                '/books"] names no parameter of the operations it applies to;',
            ),
        ],
    )
    def test_a_parameters_value_no_operation_takes_is_an_error(
        self, tmp_path: Path, raw: dict[str, Any], message: str
    ) -> None:
        with pytest.raises(ConfigError) as info:
            load(raw, tmp_path)
        assert str(info.value) == (
            f"{message} Fix the name (`name` or `place.name`, as the schema spells it) or remove it"
        )

    @pytest.mark.parametrize(
        "raw",
        [
            {"parameters": {"book_id": 1, "path.book_id": 2}},
            {"operations": {"path:/books/*": {"parameters": {"book_id": 1}}}},
        ],
    )
    def test_a_parameters_value_an_operation_takes_is_kept(
        self, tmp_path: Path, raw: dict[str, Any]
    ) -> None:
        settings = {op.label: op.settings for op in load(raw, tmp_path).operations}
        assert settings["GET /books/{book_id}"].parameters
        assert not settings["GET /books"].parameters

    def test_an_operations_table_that_matches_nothing_is_an_error(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match=r'operations."POST /book"\] matches no operation'):
            load({"operations": {"POST /book": {"negative": True}}}, tmp_path)

    @pytest.mark.parametrize(
        ("exclude", "kept"),
        [
            (["tag:books"], ["GET /health"]),
            (["method:GET", "id:delete_book"], ["POST /books"]),
            (["path:/books*"], ["GET /health"]),
            (
                ["POST /*"],
                ["GET /books", "GET /books/{book_id}", "DELETE /books/{book_id}", "GET /health"],
            ),
        ],
    )
    def test_exclude(self, tmp_path: Path, exclude: list[str], kept: list[str]) -> None:
        """Operations matching any exclude selector are dropped."""
        assert labels(load({"exclude": exclude}, tmp_path)) == kept

    def test_exclude_wins_over_include(self, tmp_path: Path) -> None:
        """An operation both included and excluded is dropped."""
        assert labels(load({"include": ["tag:books"], "exclude": ["tag:write"]}, tmp_path)) == [
            "GET /books",
            "GET /books/{book_id}",
        ]


class TestSelectorMatches:
    """selector_matches on its own."""

    OP: dict[str, Any] = {  # noqa: RUF012 - read-only test data
        "method": "GET",
        "path": "/books/{book_id}",
        "operation_id": "get_book",
        "tags": ("books", "read"),
    }

    @pytest.mark.parametrize(
        ("selector", "expected"),
        [
            ("GET /books/{book_id}", True),
            ("GET /books/{book_id}/", False),
            ("POST /books/{book_id}", False),
            ("* /books/*", True),
            ("GET /books/?book_id}", True),
            ("GET /books/?", False),
            ("GET /books/[{]book_id}", True),
            ("tag:read", True),
            ("tag:rea", False),
            ("id:get_book", True),
            ("id:GET_BOOK", False),
            ("method:get", True),
            ("method:post", False),
            ("path:/books/{book_id}", True),
            ("path:/BOOKS/*", False),
        ],
    )
    def test_matches(self, selector: str, expected: bool) -> None:
        """Globs are case-sensitive on paths; methods are case-insensitive."""
        assert selector_matches(selector, **self.OP) is expected

    def test_operation_without_id(self) -> None:
        """``id:`` never matches an operation without an operationId."""
        assert (
            selector_matches("id:None", method="GET", path="/x", operation_id=None, tags=())
            is False
        )


class TestValidateSelector:
    """validate_selector accepts the documented forms and explains the others."""

    @pytest.mark.parametrize(
        "selector",
        [
            "GET /books",
            "get /books/{book_id}",
            "* /books/*",
            "TRACE /",
            "tag:books",
            "id:x",
            "method:POST",
            "path:/books/*",
            "GET /a:b",
        ],
    )
    def test_valid(self, selector: str, tmp_path: Path) -> None:
        """Each documented form is accepted, directly and as an ``include`` entry."""
        validate_selector(selector)
        settings = build_settings({"include": [selector]}, root=tmp_path, source="test")
        assert settings.include == (selector,)

    @pytest.mark.parametrize("kind", ["tag", "id", "method", "path"])
    def test_empty_value(self, kind: str) -> None:
        """A kind prefix with nothing after it says so."""
        with pytest.raises(ValueError, match=f"^selector '{kind}:' has nothing after `{kind}:`$"):
            validate_selector(f"{kind}:")

    @pytest.mark.parametrize(
        "selector",
        [
            "books",
            "/books",
            "GET",
            "GET books",
            "FETCH /books",
            "GET  /books",
            "tags:books",
            "TAG:books",
            "",
        ],
    )
    def test_invalid(self, selector: str) -> None:
        """Anything else is refused with every accepted form listed."""
        message = (
            f'invalid operation selector {selector!r}; use "GET /books/{{book_id}}" (globs '
            'allowed), "tag:NAME", "id:OPERATION_ID", "method:POST", "path:/books/*" or '
            '"scenario:NAME"'
        )
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            validate_selector(selector)


class TestFingerprint:
    """A fingerprint changes exactly when the generated requests could change."""

    def test_identical_across_loads(self, tmp_path: Path) -> None:
        """Two loads of the same document give the same fingerprints."""
        one = fingerprints(load({}, tmp_path))
        two = fingerprints(load({}, tmp_path / "elsewhere", copy.deepcopy(DOCUMENT)))
        assert one == two
        assert all(re.fullmatch(r"[0-9a-f]{16}", f) for f in one.values())
        assert len(set(one.values())) == len(one)

    def test_nested_request_component_changes(self, tmp_path: Path) -> None:
        """Editing a component referenced by a request body changes that operation only."""
        before = fingerprints(load({}, tmp_path))
        document = copy.deepcopy(DOCUMENT)
        document["components"]["schemas"]["Author"]["properties"]["name"]["maxLength"] = 10
        after = fingerprints(load({}, tmp_path, document))
        assert [label for label in ALL if before[label] != after[label]] == ["POST /books"]

    def test_direct_request_component_changes(self, tmp_path: Path) -> None:
        """Adding a field to the body schema itself changes the fingerprint."""
        before = fingerprints(load({}, tmp_path))
        document = copy.deepcopy(DOCUMENT)
        document["components"]["schemas"]["BookIn"]["properties"]["isbn"] = {"type": "string"}
        after = fingerprints(load({}, tmp_path, document))
        assert before["POST /books"] != after["POST /books"]

    def test_response_schema_does_not_count(self, tmp_path: Path) -> None:
        """Editing a schema used only in responses changes no fingerprint."""
        before = fingerprints(load({}, tmp_path))
        document = copy.deepcopy(DOCUMENT)
        document["components"]["schemas"]["BookOut"]["properties"]["isbn"] = {"type": "string"}
        document["components"]["schemas"]["HTTPValidationError"]["title"] = "Changed"
        document["paths"]["/health"]["get"]["responses"]["200"]["description"] = "Changed"
        assert fingerprints(load({}, tmp_path, document)) == before

    def test_docs_do_not_count(self, tmp_path: Path) -> None:
        """Summaries, tags and operation ids change no fingerprint."""
        before = fingerprints(load({}, tmp_path))
        document = copy.deepcopy(DOCUMENT)
        operation = document["paths"]["/books"]["post"]
        operation["summary"] = "Something else"
        operation["tags"] = ["other"]
        operation["operationId"] = "renamed"
        assert fingerprints(load({}, tmp_path, document)) == before

    def test_parameter_changes(self, tmp_path: Path) -> None:
        """Editing a query parameter changes that operation's fingerprint."""
        before = fingerprints(load({}, tmp_path))
        document = copy.deepcopy(DOCUMENT)
        document["paths"]["/books"]["get"]["parameters"][0]["schema"]["minimum"] = 2
        after = fingerprints(load({}, tmp_path, document))
        assert [label for label in ALL if before[label] != after[label]] == ["GET /books"]

    def test_path_level_parameter_changes(self, tmp_path: Path) -> None:
        """Parameters declared on the path item count for every operation under it."""
        before = fingerprints(load({}, tmp_path))
        document = copy.deepcopy(DOCUMENT)
        document["paths"]["/books/{book_id}"]["parameters"] = [
            {"name": "X-Tenant", "in": "header", "schema": {"type": "string"}}
        ]
        after = fingerprints(load({}, tmp_path, document))
        assert [label for label in ALL if before[label] != after[label]] == [
            "GET /books/{book_id}",
            "DELETE /books/{book_id}",
        ]

    def test_generation_settings_count(self, tmp_path: Path) -> None:
        """Generation settings change the fingerprints of the operations they apply to."""
        before = fingerprints(load({}, tmp_path))
        after = fingerprints(load({"operations": {"id:health": {"fuzz": 3}}}, tmp_path))
        assert [label for label in ALL if before[label] != after[label]] == ["GET /health"]

    def test_check_settings_do_not_count(self, tmp_path: Path) -> None:
        """Checks, strictness and timeouts do not change the generated requests."""
        before = fingerprints(load({}, tmp_path))
        after = fingerprints(
            load({"checks": ["not_a_server_error"], "strict": True, "timeout": 1}, tmp_path)
        )
        assert after == before


def scheme_document(schemes: dict[str, Any], key: str = "openapi") -> dict[str, Any]:
    if key == "swagger":
        return {"swagger": "2.0", "paths": {}, "securityDefinitions": schemes}
    return {"openapi": "3.1.0", "paths": {}, "components": {"securitySchemes": schemes}}


BASE_HEADERS = {"authorization", "cookie", "set-cookie", "proxy-authorization"}


class TestSecurityParameters:
    """The names of headers, query parameters and cookies that carry credentials."""

    def test_no_schemes(self) -> None:
        """Authorization, Cookie and Set-Cookie always count as credentials."""
        assert security_parameters({"paths": {}}) == {
            "header": BASE_HEADERS,
            "query": set(),
            "cookie": set(),
        }

    def test_api_keys(self) -> None:
        """apiKey schemes add their name where they live; header names are lower-cased."""
        document = scheme_document(
            {
                "h": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "q": {"type": "apiKey", "in": "query", "name": "Api_Token"},
                "c": {"type": "apiKey", "in": "cookie", "name": "SessionID"},
            }
        )
        assert security_parameters(document) == {
            "header": {*BASE_HEADERS, "x-api-key"},
            "query": {"Api_Token"},
            "cookie": {"SessionID"},
        }

    def test_http_bearer(self) -> None:
        """http bearer and basic use Authorization, which is always included."""
        document = scheme_document(
            {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            }
        )
        assert security_parameters(document) == {
            "header": BASE_HEADERS,
            "query": set(),
            "cookie": set(),
        }

    def test_swagger_2(self) -> None:
        """Swagger 2.0 ``securityDefinitions`` are read too."""
        document = scheme_document(
            {"k": {"type": "apiKey", "in": "header", "name": "X-Key"}}, "swagger"
        )
        assert security_parameters(document)["header"] == {*BASE_HEADERS, "x-key"}

    def test_malformed_schemes_are_ignored(self) -> None:
        """Schemes without a usable location or name add nothing."""
        document = scheme_document(
            {
                "a": {"type": "apiKey", "in": "body", "name": "x"},
                "b": {"type": "apiKey", "in": "header"},
                "c": "not a table",
                "d": {"type": "oauth2", "flows": {}},
            }
        )
        assert security_parameters(document) == {
            "header": BASE_HEADERS,
            "query": set(),
            "cookie": set(),
        }

    def test_from_a_fastapi_app(self, tmp_path: Path) -> None:
        """ApiSchema exposes the names of the app's schemes."""
        document = copy.deepcopy(DOCUMENT)
        document["components"]["securitySchemes"] = {
            "key": {"type": "apiKey", "in": "header", "name": "X-Key"}
        }
        schema = load({}, tmp_path, document)
        assert schema.security["header"] == {*BASE_HEADERS, "x-key"}


class TestScale:
    def test_shared_references_fingerprint_in_linear_time(self, tmp_path: Path) -> None:
        """A chain of components that each use the next twice is fingerprinted quickly."""
        depth = 40
        schemas: dict[str, Any] = {
            f"N{i}": {
                "type": "object",
                "properties": {
                    "a": {"$ref": f"#/components/schemas/N{i + 1}"},
                    "b": {"$ref": f"#/components/schemas/N{i + 1}"},
                },
            }
            for i in range(depth)
        }
        schemas[f"N{depth}"] = {"type": "string"}
        document: dict[str, Any] = {
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/x": {
                    "post": {
                        "requestBody": {
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/N0"}}
                            }
                        },
                        "responses": {"200": {"description": "ok"}},
                    }
                }
            },
            "components": {"schemas": schemas},
        }
        settings = build_settings({}, root=tmp_path, source="test")
        first = ApiSchema(document, settings).operations[0].fingerprint
        edited = copy.deepcopy(document)
        edited["components"]["schemas"][f"N{depth}"] = {"type": "integer"}
        assert ApiSchema(edited, settings).operations[0].fingerprint != first

    def test_path_item_references_are_followed(self, tmp_path: Path) -> None:
        """An operation behind a path-item `$ref` is listed, never silently dropped."""
        document = {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/ok": {"$ref": "#/components/pathItems/Ok"}},
            "components": {
                "pathItems": {
                    "Ok": {
                        "get": {
                            "operationId": "ok",
                            "tags": None,
                            "responses": {"200": {"description": "ok"}},
                        }
                    }
                }
            },
        }
        schema = ApiSchema(document, build_settings({}, root=tmp_path, source="test"))
        assert [op.label for op in schema.operations] == ["GET /ok"]
        assert schema.operations[0].tags == ()
