"""OpenAPI documents that are broken, unusual or large: read, refused or listed correctly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from contractsnap import SchemaError
from contractsnap._cases import generate
from contractsnap._client import _parse_document
from contractsnap._config import build_settings
from contractsnap._schema import ApiSchema

RESPONSES = {"200": {"description": "ok"}}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "bad", "version": "1"},
    "paths": {
        "/things": {"get": {"operationId": "list_things", "responses": RESPONSES}},
        "/things/{id}": {
            "parameters": [ID],
            "put": {
                "operationId": "put_thing",
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}
                    }
                },
                "responses": RESPONSES,
            },
        },
    },
    "components": {
        "schemas": {"Thing": {"type": "object", "properties": {"name": {"type": "string"}}}}
    },
}
FILE = "schema file 'api.json'"
FIX = "fix the file, or point `schema` in test at the app's OpenAPI document"
SECURITY: dict[str, set[str]] = {"header": set(), "query": set(), "cookie": set()}


def load(document: Any, **raw: Any) -> ApiSchema:
    settings = build_settings({"schema": "api.json", **raw}, root=Path("/project"), source="test")
    return ApiSchema(document, settings)


def edited(edit: Any) -> dict[str, Any]:
    document = copy.deepcopy(DOCUMENT)
    edit(document)
    return document


def errors(schema: ApiSchema) -> dict[str, str | None]:
    return {op.label: op.error for op in schema.operations}


class TestNotOpenApi:
    """A document that is not OpenAPI is a SchemaError naming the file, the key and the fix."""

    @pytest.mark.parametrize(
        ("edit", "message"),
        [
            (
                lambda d: d.pop("openapi"),
                f"{FILE} has no `openapi` field (or `swagger` for version 2.0), so it is not an "
                f"OpenAPI document; {FIX}",
            ),
            (
                lambda d: d.__setitem__("openapi", 3),
                f'{FILE}: `openapi` must be a version string such as "3.1.0", got int 3; {FIX}',
            ),
            (
                lambda d: (d.pop("openapi"), d.__setitem__("swagger", 2.0)),
                f'{FILE}: `swagger` must be a version string such as "2.0", got float 2.0; {FIX}',
            ),
            (lambda d: d.pop("paths"), f"{FILE} has no `paths` table; {FIX}"),
            (lambda d: d.__setitem__("paths", None), f"{FILE} has no `paths` table; {FIX}"),
            (
                lambda d: d["paths"].__setitem__("/things", []),
                f"{FILE}: `paths./things` is a list, not a path item object; fix that path in "
                "the document",
            ),
            (
                lambda d: d["paths"]["/things"].__setitem__("get", "list_things"),
                f"{FILE}: `paths./things.get` is a str, not an operation object; fix that "
                "operation in the document",
            ),
            (
                lambda d: d.__setitem__("openapi", "3.9.0"),
                f"{FILE}: schemathesis cannot load it: The provided schema uses Open API 3.9.0, "
                f"which is currently not supported; {FIX}",
            ),
        ],
        ids=[
            "no-version",
            "version-number",
            "swagger-number",
            "no-paths",
            "null-paths",
            "path-item-list",
            "operation-string",
            "unknown-version",
        ],
    )
    def test_refused(self, edit: Any, message: str) -> None:
        with pytest.raises(SchemaError) as info:
            load(edited(edit))
        assert str(info.value) == message

    def test_not_an_object(self) -> None:
        with pytest.raises(SchemaError, match=r"^schema file 'api.json' has no `paths` table"):
            load(["openapi", "3.1.0"])

    def test_served_document_names_the_app_and_the_url(self) -> None:
        """Without `schema`, the message names the app and where its document came from."""
        settings = build_settings({"app": "shop:app"}, root=Path("/project"), source="test")
        with pytest.raises(SchemaError) as info:
            ApiSchema(edited(lambda d: d.pop("openapi")), settings)
        assert str(info.value) == (
            "the OpenAPI document of shop:app has no `openapi` field (or `swagger` for version "
            "2.0), so it is not an OpenAPI document; check `schema_path`/`schema` in "
            "[tool.contractsnap] (the document came from GET /openapi.json)"
        )

    def test_a_document_found_at_a_usual_place_is_named_there(self) -> None:
        settings = build_settings({"app": "shop:app"}, root=Path("/project"), source="test")
        with pytest.raises(SchemaError, match=r"came from GET /schema/openapi\.json\)$"):
            ApiSchema(edited(lambda d: d.pop("openapi")), settings, "/schema/openapi.json")

    def test_extension_keys_in_paths_are_not_paths(self) -> None:
        """`x-` keys of the paths object are extensions, whatever their value."""
        schema = load(edited(lambda d: d["paths"].__setitem__("x-generated-by", "tool 1.0")))
        assert [op.label for op in schema.operations] == ["GET /things", "PUT /things/{id}"]


class TestReferences:
    """An operation with a `$ref` that leads nowhere is listed with the reason, not loaded
    with a hole where the reference was."""

    def test_missing_component_in_a_body(self) -> None:
        schema = load(edited(lambda d: d["components"]["schemas"].pop("Thing")))
        assert errors(schema) == {
            "GET /things": None,
            "PUT /things/{id}": "`$ref` '#/components/schemas/Thing' points nowhere in the "
            "document",
        }

    def test_missing_component_in_a_response(self) -> None:
        def edit(d: dict[str, Any]) -> None:
            d["paths"]["/things"]["get"]["responses"]["200"] = {
                "$ref": "#/components/responses/Things"
            }

        # schemathesis finds this one itself and gives its own reason.
        assert errors(load(edited(edit)))["GET /things"] == "Unresolvable reference in the schema"

    def test_missing_component_deep_in_a_chain(self) -> None:
        """A reference reached through another reference counts too."""

        def edit(d: dict[str, Any]) -> None:
            d["components"]["schemas"]["Thing"]["properties"]["owner"] = {
                "$ref": "#/components/schemas/Owner"
            }

        assert errors(load(edited(edit)))["PUT /things/{id}"] == (
            "`$ref` '#/components/schemas/Owner' points nowhere in the document"
        )

    def test_missing_path_level_parameter(self) -> None:
        def edit(d: dict[str, Any]) -> None:
            d["paths"]["/things/{id}"]["parameters"] = [{"$ref": "#/components/parameters/Id"}]

        assert errors(load(edited(edit)))["PUT /things/{id}"] == (
            "Unresolvable reference in the schema"
        )

    def test_other_document(self) -> None:
        def edit(d: dict[str, Any]) -> None:
            d["paths"]["/things"]["get"]["responses"]["200"] = {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "things.yaml#/Things"}}},
            }

        assert errors(load(edited(edit)))["GET /things"] == (
            "`$ref` 'things.yaml#/Things' points into another document, which contractsnap does "
            "not read; bundle the schema into one document"
        )

    def test_escaped_references_resolve(self) -> None:
        """JSON-pointer (`~1`) and percent escapes are followed, not reported."""

        def edit(d: dict[str, Any]) -> None:
            d["components"]["schemas"]["a/b c"] = {"type": "string"}
            d["components"]["schemas"]["Thing"]["properties"]["x"] = {
                "$ref": "#/components/schemas/a~1b%20c"
            }

        assert errors(load(edited(edit))) == {"GET /things": None, "PUT /things/{id}": None}

    def test_references_in_examples_are_data(self) -> None:
        def edit(d: dict[str, Any]) -> None:
            d["components"]["schemas"]["Thing"]["example"] = {"$ref": "#/not/a/reference"}

        assert errors(load(edited(edit)))["PUT /things/{id}"] is None

    def test_recursive_schema(self) -> None:
        """A tree node that references itself is listed and generates cases."""

        def edit(d: dict[str, Any]) -> None:
            d["components"]["schemas"]["Thing"]["properties"]["children"] = {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Thing"},
            }

        schema = load(edited(edit), fuzz=5)
        operation = schema.operations[1]
        assert operation.error is None
        bodies = [case.request.get("body") for case in generate(operation, SECURITY)]
        assert any(isinstance(b, dict) and b.get("children") for b in bodies)


class TestVersions:
    def test_swagger_2(self) -> None:
        """schemathesis 4 reads Swagger 2.0, so contractsnap does: cases use its types."""
        document = {
            "swagger": "2.0",
            "info": {"title": "two", "version": "1"},
            "paths": {
                "/things/{id}": {
                    "get": {
                        "parameters": [
                            {"name": "id", "in": "path", "required": True, "type": "integer"}
                        ],
                        "responses": RESPONSES,
                    }
                }
            },
        }
        (operation,) = load(document).operations
        assert operation.error is None
        cases = generate(operation, SECURITY)
        assert cases
        ids = [c.request["path_parameters"]["id"] for c in cases]
        assert all(isinstance(i, (int, str)) and isinstance(int(i), int) for i in ids)

    @pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
    def test_openapi_3(self, version: str) -> None:
        schema = load(edited(lambda d: d.__setitem__("openapi", version)))
        assert all(op.error is None for op in schema.operations)

    def test_no_responses(self) -> None:
        """An operation that declares no responses is listed and generates cases."""
        schema = load(edited(lambda d: d["paths"]["/things"]["get"].pop("responses")))
        operation = schema.operations[0]
        assert operation.error is None
        assert [c.request["path"] for c in generate(operation, SECURITY)] == ["/things"]


class TestManyOperations:
    def test_three_hundred_and_twenty_operations(self) -> None:
        """320 operations are all listed, under distinct file names, and all generate cases."""
        paths = {}
        for n in range(160):
            item = copy.deepcopy(DOCUMENT["paths"]["/things/{id}"])
            item["put"]["operationId"] = f"put_{n}"
            item["get"] = {"operationId": f"get_{n}", "responses": RESPONSES}
            paths[f"/things-{n}/{{id}}"] = item
        schema = load(edited(lambda d: d.__setitem__("paths", paths)), max_cases=2)
        assert len(schema.operations) == 320
        assert len({op.file_stem for op in schema.operations}) == 320
        assert len(schema.all_stems) == 320
        counts = [len(generate(op, SECURITY)) for op in schema.operations]
        assert all(1 <= count <= 2 for count in counts)


class TestParseDocument:
    """The text of a document: JSON, or YAML; one line per problem."""

    FIX = "fix it"

    def parse(self, text: str, where: str = "schema file 'api.json'", **kw: Any) -> Any:
        return _parse_document(text, where, self.FIX, **kw)

    def test_json(self) -> None:
        assert self.parse(json.dumps(DOCUMENT)) == DOCUMENT

    def test_broken_json_is_not_read_as_yaml(self) -> None:
        """A .json file (or text that starts like JSON) reports the JSON error."""
        text = '{"openapi": "3.1.0",}'
        with pytest.raises(json.JSONDecodeError) as json_error:  # wording varies by Python
            json.loads(text)
        with pytest.raises(SchemaError) as info:
            self.parse(text, where="GET /openapi.json")
        assert str(info.value) == (
            f"GET /openapi.json: the OpenAPI document is not valid JSON ({json_error.value}); "
            "fix it"
        )

    def test_yaml(self) -> None:
        """YAML-only values become what JSON would hold: dates are strings."""
        document = self.parse(
            "openapi: 3.1.0\ninfo: {title: t, version: 2024-05-01}\npaths: {}\n",
            where="schema file 'api.yaml'",
            yaml_only=True,
        )
        assert document == {
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "2024-05-01"},
            "paths": {},
        }

    def test_broken_yaml_is_one_line(self) -> None:
        with pytest.raises(SchemaError) as info:
            self.parse("openapi: 3.1.0\n paths: x\n", where="GET /openapi.json")
        assert str(info.value) == (
            "GET /openapi.json: the OpenAPI document is not valid YAML (mapping values are not "
            "allowed here at line 2, column 7); fix it"
        )

    @pytest.mark.parametrize(
        ("text", "kind"), [("", "empty"), ("[1, 2]", "a list"), ('"openapi"', "a str")]
    )
    def test_not_an_object(self, text: str, kind: str) -> None:
        with pytest.raises(SchemaError) as info:
            self.parse(text, where="GET /openapi.json")
        assert str(info.value) == (
            f"GET /openapi.json: the OpenAPI document is {kind}, not an object; fix it"
        )


class TestReferencesInData:
    """A "$ref" key inside examples, defaults, enums or extensions is data, not a reference."""

    def _dangling(self, operation: dict[str, Any]) -> list[str]:
        from contractsnap._schema import _References

        document = {"openapi": "3.1.0", "paths": {"/a": {"post": operation}}}
        return _References(document).dangling(operation)

    def test_data_keys_are_not_followed(self) -> None:
        """Media-type examples (values), defaults, enums, consts and x- keys hold data."""
        thing = {"$ref": "#/definitions/Thing"}
        operation = {
            "x-sample": thing,
            "requestBody": {
                "content": {
                    "application/json": {
                        "examples": {"one": {"value": thing}},
                        "example": thing,
                        "schema": {"type": "object", "default": thing, "enum": [thing]},
                    }
                }
            },
            "parameters": [{"name": "q", "in": "query", "schema": {"const": thing}}],
        }
        assert self._dangling(operation) == []

    def test_names_that_look_like_keywords_are_still_followed(self) -> None:
        """A property called "default" is a schema; an Example Object may be a reference."""
        operation = {
            "requestBody": {
                "content": {
                    "application/json": {
                        "examples": {"one": {"$ref": "#/components/examples/none"}},
                        "schema": {"properties": {"default": {"$ref": "#/nowhere"}}},
                    }
                }
            }
        }
        assert self._dangling(operation) == ["#/components/examples/none", "#/nowhere"]

    def test_pointers_into_arrays_resolve(self) -> None:
        """`#/paths/~1a/post/parameters/0` points at the first parameter."""
        from contractsnap._schema import _References

        document = {"paths": {"/a": {"post": {"parameters": [{"name": "q"}]}}}}
        refs = _References(document)
        assert refs.resolve("#/paths/~1a/post/parameters/0") == {"name": "q"}
        assert refs.resolve("#/paths/~1a/post/parameters/1") == {
            "$unresolved": "#/paths/~1a/post/parameters/1"
        }
