"""Case generation and the frozen request format, on a real FastAPI app."""

from __future__ import annotations

import dataclasses
import json
import math
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Cookie, FastAPI, Form, Header, Query, Security
from fastapi.security import APIKeyCookie, APIKeyHeader, APIKeyQuery
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field

from contractsnap._canonical import JSON, canonical, decode_value, dumps, encode_value
from contractsnap._cases import (
    FrozenCase,
    freeze,
    generate,
    revise,
    stable_seed,
    still_valid,
    thaw,
)
from contractsnap._config import build_settings
from contractsnap._documents import Request
from contractsnap._schema import ApiSchema, Operation

# -- the app -------------------------------------------------------------------------------


class Genre(str, Enum):
    FICTION = "fiction"
    SCIENCE = "science"


class Author(BaseModel):
    name: str = Field(min_length=1, max_length=20)
    born: int | None = Field(default=None, ge=1000, le=2100)


class BookIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Dune", "genre": "science", "author": {"name": "F. Herbert"}}]
        }
    )

    title: str = Field(min_length=1, max_length=30)
    genre: Genre
    author: Author


app = FastAPI(title="cases", version="1")
api_key = APIKeyHeader(name="X-API-Key")
query_token = APIKeyQuery(name="api_token", auto_error=False)
session_cookie = APIKeyCookie(name="sid", auto_error=False)


@app.post("/books", operation_id="create_book", tags=["books"])
def create_book(book: BookIn, key: Annotated[str, Security(api_key)]) -> BookIn:
    return book


@app.get("/books/{book_id}", operation_id="get_book", tags=["books"])
def get_book(book_id: int) -> dict[str, int]:
    return {"id": book_id}


@app.get("/search", operation_id="search")
def search(
    q: Annotated[str, Query(max_length=10)],
    limit: Annotated[int, Query(ge=1, le=5)] = 2,
    genre: Genre | None = None,
) -> list[str]:
    return [q] * limit


@app.get("/me", operation_id="me")
def me(
    x_client: Annotated[str, Header(max_length=8)],
    theme: Annotated[str | None, Cookie(max_length=5)] = None,
) -> dict[str, str | None]:
    return {"client": x_client, "theme": theme}


@app.post("/login", operation_id="login")
def login(
    username: Annotated[str, Form(min_length=1, max_length=8)],
    password: Annotated[str, Form(min_length=1, max_length=8)],
) -> dict[str, str]:
    return {"user": username}


@app.get("/private", operation_id="private")
def private(
    token: Annotated[str | None, Security(query_token)],
    sid: Annotated[str | None, Security(session_cookie)],
) -> dict[str, str]:
    return {}


DOCUMENT: dict[str, Any] = app.openapi()
LABELS = [
    "POST /books",
    "GET /books/{book_id}",
    "GET /search",
    "GET /me",
    "POST /login",
    "GET /private",
]


def load(raw: dict[str, Any], root: Path) -> ApiSchema:
    return ApiSchema(DOCUMENT, build_settings(raw, root=root, source="test"))


def operation(schema: ApiSchema, label: str) -> Operation:
    return next(op for op in schema.operations if op.label == label)


def at(value: JSON, *keys: str) -> JSON:
    """``value[keys[0]][keys[1]]...``: a member of nested objects."""
    for key in keys:
        assert isinstance(value, dict), value
        value = value[key]
    return value


def requests(cases: list[FrozenCase]) -> list[dict[str, Any]]:
    return [dict(c.request) for c in cases]


def transport(case: Any) -> dict[str, Any]:
    """A case's request as sent, without the per-instance test case id."""
    kwargs: dict[str, Any] = case.as_transport_kwargs(base_url="http://test")
    kwargs["headers"] = {
        k: v for k, v in kwargs["headers"].items() if k.lower() != "x-schemathesis-testcaseid"
    }
    return kwargs


@pytest.fixture
def schema(tmp_path: Path) -> ApiSchema:
    return load({}, tmp_path)


# -- the value codec ---------------------------------------------------------------------------


class TestCodec:
    """encode_value makes generated values JSON-safe; decode_value restores them."""

    def test_bytes(self) -> None:
        """Bytes become base64 and come back as the same bytes."""
        assert encode_value(b"\x00\xffhi") == {"$base64": "AP9oaQ=="}
        assert decode_value({"$base64": "AP9oaQ=="}) == b"\x00\xffhi"

    @pytest.mark.parametrize(("value", "spelled"), [(math.inf, "inf"), (-math.inf, "-inf")])
    def test_infinities(self, value: float, spelled: str) -> None:
        """Infinities are spelled out and restored."""
        assert encode_value(value) == {"$float": spelled}
        assert decode_value(encode_value(value)) == value

    def test_nan(self) -> None:
        """NaN is spelled out and restored as NaN."""
        assert encode_value(math.nan) == {"$float": "nan"}
        decoded = decode_value({"$float": "nan"})
        assert isinstance(decoded, float)
        assert math.isnan(decoded)

    def test_nested(self) -> None:
        """Values nested in dicts and lists are encoded; tuples become lists, keys strings."""
        value = {"a": [b"x", {"b": math.inf}], 1: (1, 2.5, None, True, "s")}
        encoded = encode_value(value)
        assert encoded == {
            "a": [{"$base64": "eA=="}, {"b": {"$float": "inf"}}],
            "1": [1, 2.5, None, True, "s"],
        }
        json.dumps(encoded, allow_nan=False)
        assert decode_value(encoded) == {
            "a": [b"x", {"b": math.inf}],
            "1": [1, 2.5, None, True, "s"],
        }

    def test_unknown_objects(self) -> None:
        """Other objects are kept as their repr so that nothing is silently lost."""
        assert encode_value({"s": {1}}) == {"s": {"$repr": "{1}"}}

    def test_plain_json_is_unchanged(self) -> None:
        """JSON values go through both ways untouched."""
        value = {"a": [1, "x", None, False, {"b": 2.5}], "c": {}}
        assert encode_value(value) == value
        assert decode_value(value) == value

    @settings(max_examples=200, database=None, deadline=None)
    @given(
        value=st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(alphabet="abc", max_size=3), inner, max_size=4)
            ),
            max_leaves=20,
        )
    )
    def test_round_trip(self, value: Any) -> None:
        """decode(encode(x)) == x for generated values, and the encoding is strict JSON."""
        encoded = encode_value(value)
        assert json.loads(json.dumps(encoded, allow_nan=False)) == encoded
        decoded = decode_value(encoded)
        if _has_nan(value):
            assert canonical(encode_value(decoded)) == canonical(encoded)
        else:
            assert decoded == value

    @pytest.mark.parametrize("value", [{"$base64": "aGk="}, {"$float": "1.5"}, {"$float": "x"}])
    def test_marker_keys_round_trip(self, value: dict[str, str]) -> None:
        """A generated object that happens to use a marker key survives the round trip."""
        assert decode_value(encode_value(value)) == value


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


class TestFrozenCase:
    """A frozen case has a stable id derived from its request only."""

    def test_id_is_stable_and_order_free(self) -> None:
        """The id is 8 hex digits and ignores key order, source and description."""
        a = FrozenCase(
            "coverage", "one", {"method": "GET", "path": "/x", "query": {"a": 1, "b": 2}}
        )
        b = FrozenCase("fuzz", "two", {"query": {"b": 2, "a": 1}, "path": "/x", "method": "GET"})
        assert a.id == b.id
        assert len(a.id) == 8
        assert int(a.id, 16) >= 0

    def test_id_depends_on_the_request(self) -> None:
        """Different requests get different ids."""
        a = FrozenCase("coverage", "", {"method": "GET", "path": "/x"})
        b = FrozenCase("coverage", "", {"method": "GET", "path": "/y"})
        assert a.id != b.id

    def test_to_json(self) -> None:
        """to_json is what a snapshot file stores for the case."""
        case = FrozenCase("coverage", "Default", {"method": "GET", "path": "/x"})
        assert case.to_json() == {
            "id": case.id,
            "source": "coverage",
            "description": "Default",
            "request": {"method": "GET", "path": "/x"},
        }


class TestStableSeed:
    """Fuzz seeds come from the operation label, never from the salted ``hash()``."""

    def test_pinned_value(self) -> None:
        """The seed of a label is fixed across processes and releases."""
        assert stable_seed("GET /books", "positive") == 6616451003052047816

    def test_inputs_matter(self) -> None:
        """Label and salt both change the seed."""
        seeds = {
            stable_seed("GET /a", "positive"),
            stable_seed("GET /b", "positive"),
            stable_seed("GET /a", "negative"),
        }
        assert len(seeds) == 3


class TestGenerate:
    """generate() returns deterministic, de-duplicated cases."""

    @pytest.mark.parametrize("label", LABELS)
    def test_returns_cases(self, schema: ApiSchema, label: str) -> None:
        """Every operation gets at least one positive case with its method and path."""
        op = operation(schema, label)
        cases = generate(op, schema.security)
        assert cases
        method, path = label.split(" ")
        assert {c.request["method"] for c in cases} == {method}
        assert all(c.source in {"examples", "coverage", "simplest"} for c in cases)
        if "{" not in path:
            assert {c.request["path"] for c in cases} == {path}

    def test_documented_values(self, schema: ApiSchema) -> None:
        """Coverage cases use every enum value and respect the nested model's constraints."""
        cases = generate(operation(schema, "POST /books"), schema.security)
        bodies = [c.request["body"] for c in cases]
        assert {at(b, "genre") for b in bodies} == {"fiction", "science"}
        names = [at(b, "author", "name") for b in bodies]
        assert all(isinstance(n, str) and 1 <= len(n) <= 20 for n in names)
        assert {c.request["media_type"] for c in cases} == {"application/json"}

    def test_schema_example_comes_first(self, schema: ApiSchema) -> None:
        """The schema's example is the first case, then coverage cases follow."""
        cases = generate(operation(schema, "POST /books"), schema.security)
        assert cases[0] == FrozenCase(
            "examples",
            "Positive test case",
            {
                "method": "POST",
                "path": "/books",
                "body": {"author": {"name": "F. Herbert"}, "genre": "science", "title": "Dune"},
                "media_type": "application/json",
            },
        )
        assert {c.source for c in cases[1:]} == {"coverage"}

    def test_examples_off(self, tmp_path: Path) -> None:
        """``examples = false`` leaves the schema's example out."""
        schema = load({"examples": False}, tmp_path)
        cases = generate(operation(schema, "POST /books"), schema.security)
        assert {c.source for c in cases} == {"coverage"}

    def test_form_body(self, schema: ApiSchema) -> None:
        """A form operation is generated with the urlencoded media type."""
        cases = generate(operation(schema, "POST /login"), schema.security)
        assert {c.request["media_type"] for c in cases} == {"application/x-www-form-urlencoded"}
        bodies = [c.request["body"] for c in cases]
        assert all(isinstance(b, dict) and set(b) == {"username", "password"} for b in bodies)

    def test_parameters(self, schema: ApiSchema) -> None:
        """Path, query and header parameters land in their own request parts."""
        book = generate(operation(schema, "GET /books/{book_id}"), schema.security)[0].request
        assert set(book["path_parameters"]) == {"book_id"}
        assert book["path"] == f"/books/{book['path_parameters']['book_id']}"
        search = generate(operation(schema, "GET /search"), schema.security)
        assert all("q" in c.request["query"] for c in search)
        me = generate(operation(schema, "GET /me"), schema.security)
        assert all("x-client" in c.request["headers"] for c in me)

    def test_deterministic(self, schema: ApiSchema, tmp_path: Path) -> None:
        """Generating twice, even from a second load of the schema, gives identical requests."""
        again = load({}, tmp_path)
        for label in LABELS:
            first = generate(operation(schema, label), schema.security)
            second = generate(operation(schema, label), schema.security)
            third = generate(operation(again, label), again.security)
            assert first == second == third, label

    def test_fuzz_is_deterministic(self, tmp_path: Path) -> None:
        """``fuzz = 5`` adds up to 5 seeded cases per operation, the same ones every time."""
        one = load({"fuzz": 5, "coverage": False, "examples": False}, tmp_path)
        two = load({"fuzz": 5, "coverage": False, "examples": False}, tmp_path)
        for label in LABELS:
            first = generate(operation(one, label), one.security)
            assert first == generate(operation(two, label), two.security), label
            assert 1 <= len(first) <= 5
            assert {c.source for c in first} == {"fuzz"}

    def test_fuzz_adds_to_coverage(self, tmp_path: Path) -> None:
        """Fuzz cases come after the coverage cases."""
        base = load({}, tmp_path)
        fuzzed = load({"fuzz": 5}, tmp_path)
        plain = generate(operation(base, "GET /search"), base.security)
        more = generate(operation(fuzzed, "GET /search"), fuzzed.security)
        assert more[: len(plain)] == plain
        assert len(more) > len(plain)
        assert {c.source for c in more[len(plain) :]} == {"fuzz"}

    def test_negative(self, tmp_path: Path) -> None:
        """``negative = true`` adds cases with the source "negative"; positives stay first."""
        base = load({}, tmp_path)
        negative = load({"negative": True}, tmp_path)
        for label in LABELS:
            plain = generate(operation(base, label), base.security)
            cases = generate(operation(negative, label), negative.security)
            assert "negative" in {c.source for c in cases}, label
            assert "negative" not in {c.source for c in plain}, label
            assert {json.dumps(r, sort_keys=True) for r in requests(plain)} <= {
                json.dumps(r, sort_keys=True) for r in requests(cases)
            }, label

    def test_negative_fuzz(self, tmp_path: Path) -> None:
        """Negative fuzz cases are labelled "negative" too."""
        schema = load({"negative": True, "fuzz": 3, "coverage": False, "examples": False}, tmp_path)
        cases = generate(operation(schema, "GET /search"), schema.security)
        assert {c.source for c in cases} == {"fuzz", "negative"}

    @pytest.mark.parametrize("cap", [1, 2, 3])
    def test_max_cases(self, tmp_path: Path, cap: int) -> None:
        """``max_cases`` caps the number of cases, keeping the first ones."""
        capped = load({"max_cases": cap, "negative": True}, tmp_path)
        full = load({"negative": True}, tmp_path)
        for label in LABELS:
            cases = generate(operation(capped, label), capped.security)
            all_cases = generate(operation(full, label), full.security)
            assert cases == all_cases[:cap], label

    def test_per_operation_settings(self, tmp_path: Path) -> None:
        """An ``operations`` table changes generation for the operations it selects only."""
        schema = load({"operations": {"GET /search": {"max_cases": 1}}}, tmp_path)
        assert len(generate(operation(schema, "GET /search"), schema.security)) == 1
        assert len(generate(operation(schema, "GET /me"), schema.security)) > 1

    def test_no_duplicates(self, tmp_path: Path) -> None:
        """No two cases of an operation have the same request."""
        schema = load({"negative": True, "fuzz": 5}, tmp_path)
        for label in LABELS:
            ids = [c.id for c in generate(operation(schema, label), schema.security)]
            assert len(ids) == len(set(ids)), label

    def test_simplest_when_nothing_else(self, tmp_path: Path) -> None:
        """With coverage and examples off, one deterministic simplest valid request remains."""
        one = load({"coverage": False, "examples": False}, tmp_path)
        two = load({"coverage": False, "examples": False}, tmp_path)
        for label in LABELS:
            cases = generate(operation(one, label), one.security)
            assert [c.source for c in cases] == ["simplest"], label
            assert cases == generate(operation(two, label), two.security), label

    def test_requests_are_json(self, tmp_path: Path) -> None:
        """Every stored request is strict JSON."""
        schema = load({"negative": True, "fuzz": 5}, tmp_path)
        for label in LABELS:
            for case in generate(operation(schema, label), schema.security):
                assert json.loads(json.dumps(case.request, allow_nan=False)) == case.request


class TestSecurity:
    """Credentials the generator invents are never stored."""

    def test_security_names(self, schema: ApiSchema) -> None:
        """The app's API-key header, query parameter and cookie are known credentials."""
        assert schema.security == {
            "header": {"authorization", "cookie", "set-cookie", "proxy-authorization", "x-api-key"},
            "query": {"api_token"},
            "cookie": {"sid"},
        }

    def test_freeze_drops_security_header(self, schema: ApiSchema) -> None:
        """An APIKeyHeader value is dropped by freeze; other headers are kept."""
        op = operation(schema, "POST /books")
        assert op.api_operation is not None
        case = op.api_operation.Case(
            headers={
                "X-API-Key": "generated",
                "X-Trace": "t",
                "Content-Length": "9",
                "Connection": "close",
            },
            body={"title": "t", "genre": "fiction", "author": {"name": "a"}},
            media_type="application/json",
        )
        assert freeze(case, schema.security) == {
            "method": "POST",
            "path": "/books",
            "headers": {"X-Trace": "t"},
            "body": {"title": "t", "genre": "fiction", "author": {"name": "a"}},
            "media_type": "application/json",
        }

    def test_freeze_drops_security_query_and_cookie(self, schema: ApiSchema) -> None:
        """API-key query parameters and cookies are dropped; others are kept."""
        op = operation(schema, "GET /private")
        assert op.api_operation is not None
        case = op.api_operation.Case(
            query={"api_token": "x", "page": "1"},
            cookies={"sid": "y", "theme": "dark"},
            headers={"Authorization": "Bearer z"},
        )
        assert freeze(case, schema.security) == {
            "method": "GET",
            "path": "/private",
            "query": {"page": "1"},
            "cookies": {"theme": "dark"},
        }

    def test_generated_cases_hold_no_credentials(self, tmp_path: Path) -> None:
        """No generated case of a secured operation stores a credential."""
        schema = load({"negative": True, "fuzz": 5}, tmp_path)
        for label in ("POST /books", "GET /private"):
            for case in generate(operation(schema, label), schema.security):
                headers = {k.lower() for k in case.request.get("headers", {})}
                assert "x-api-key" not in headers, case.request
                assert "api_token" not in case.request.get("query", {}), case.request
                assert "sid" not in case.request.get("cookies", {}), case.request


class TestFreezeThaw:
    """A thawed case sends exactly the request that was frozen."""

    def test_all_parts(self, schema: ApiSchema) -> None:
        """Path parameters, query, headers, cookies and body survive the round trip."""
        op = operation(schema, "GET /me")
        assert op.api_operation is not None
        case = op.api_operation.Case(
            headers={"x-client": "v1"},
            cookies={"theme": "dark"},
            query={"extra": ["a", "b"]},
        )
        frozen = freeze(case, schema.security)
        assert frozen == {
            "method": "GET",
            "path": "/me",
            "headers": {"x-client": "v1"},
            "cookies": {"theme": "dark"},
            "query": {"extra": ["a", "b"]},
        }
        assert transport(thaw(op, frozen)) == transport(case)

    def test_path_parameters(self, schema: ApiSchema) -> None:
        """The path is rebuilt from the stored path parameters."""
        op = operation(schema, "GET /books/{book_id}")
        assert op.api_operation is not None
        case = op.api_operation.Case(path_parameters={"book_id": 42})
        frozen = freeze(case, schema.security)
        assert frozen == {"method": "GET", "path": "/books/42", "path_parameters": {"book_id": 42}}
        assert transport(thaw(op, frozen)) == transport(case)
        assert transport(case)["url"] == "http://test/books/42"

    def test_form_body(self, schema: ApiSchema) -> None:
        """A form body is sent form-encoded after the round trip."""
        op = operation(schema, "POST /login")
        assert op.api_operation is not None
        case = op.api_operation.Case(
            body={"username": "ü", "password": "p"}, media_type="application/x-www-form-urlencoded"
        )
        frozen = freeze(case, schema.security)
        assert transport(thaw(op, frozen)) == transport(case)
        assert transport(case)["data"] == {"username": "ü", "password": "p"}

    def test_frozen_request_survives_json(self, schema: ApiSchema) -> None:
        """A request read back from JSON text thaws to the same request."""
        op = operation(schema, "POST /books")
        assert op.api_operation is not None
        case = op.api_operation.Case(
            body={"title": "t", "genre": "science", "author": {"name": "a", "born": None}},
            media_type="application/json",
        )
        frozen = json.loads(json.dumps(freeze(case, schema.security)))
        assert transport(thaw(op, frozen)) == transport(case)

    @pytest.mark.parametrize("label", LABELS)
    def test_generated_cases(self, tmp_path: Path, label: str) -> None:
        """Every generated case thaws to a case that freezes to the same request."""
        schema = load({"negative": True, "fuzz": 5}, tmp_path)
        op = operation(schema, label)
        for case in generate(op, schema.security):
            thawed = thaw(op, case.request)
            assert freeze(thawed, schema.security) == dict(case.request)
            assert transport(thaw(op, case.request)) == transport(thawed)

    @pytest.mark.parametrize(
        "label", ["GET /books/{book_id}", "GET /search", "GET /me", "POST /login"]
    )
    def test_raw_generated_cases(self, label: str) -> None:
        """For schemathesis' own cases, freeze then thaw gives the same transport kwargs."""
        schema = load({}, Path(__file__).parent)
        op = operation(schema, label)
        assert op.api_operation is not None

        @settings(
            max_examples=25, database=None, deadline=None, suppress_health_check=list(HealthCheck)
        )
        @given(case=op.api_operation.as_strategy())
        def check(case: Any) -> None:
            assert transport(thaw(op, freeze(case, schema.security))) == transport(case)

        check()


class TestFrozenOrder:
    def test_generated_requests_equal_their_file_form(self, tmp_path: Path) -> None:
        """A generated request is already in the key order it has when read back from a file."""
        schema = ApiSchema(app.openapi(), build_settings({}, root=tmp_path, source="test"))
        for operation in schema.operations:
            for case in generate(operation, schema.security):
                reread = json.loads(dumps(case.request))
                assert json.dumps(case.request) == json.dumps(reread)


# -- revising the cases of a changed operation ------------------------------------------------


def _search(q: object = "a", **query: object) -> dict[str, Any]:
    return {"method": "GET", "path": "/search", "query": {"q": q, **query}}


class TestStillValid:
    """A stored request fits the operation as defined now, or it does not."""

    @pytest.mark.parametrize(
        ("request_", "fits"),
        [
            (_search(), True),
            (_search(limit="3"), True),  # query values are stored as sent: text
            (_search(limit=3), True),
            (_search(limit="9"), False),  # above the maximum
            (_search(genre="poetry"), False),  # not in the enum
            (_search(color="red"), False),  # a parameter the operation does not have
            ({"method": "GET", "path": "/search", "query": {}}, False),  # `q` is required
        ],
    )
    def test_query(self, schema: ApiSchema, request_: dict[str, Any], fits: bool) -> None:
        assert still_valid(operation(schema, "GET /search"), request_, schema.security) is fits  # type: ignore[arg-type]

    def test_body(self, schema: ApiSchema) -> None:
        create = operation(schema, "POST /books")
        author: JSON = {"name": "F. Herbert"}
        body: dict[str, JSON] = {"title": "Dune", "genre": "science", "author": author}
        good: Request = {"method": "POST", "path": "/books", "media_type": "application/json"}
        assert still_valid(create, {**good, "body": body}, schema.security)
        assert not still_valid(
            create, {**good, "body": {**body, "genre": "poetry"}}, schema.security
        )
        assert not still_valid(create, good, schema.security)  # the body is required


class TestRevise:
    def test_cases_that_still_fit_are_kept_first_and_new_ones_added(
        self, schema: ApiSchema
    ) -> None:
        search = operation(schema, "GET /search")
        kept = FrozenCase("coverage", "Default positive test case", _search("a", limit="2"))  # type: ignore[arg-type]
        gone = FrozenCase("coverage", "Maximum value", _search("a", limit="9"))  # type: ignore[arg-type]
        wrong = FrozenCase("negative", "Value above maximum", _search("a", limit="9"))  # type: ignore[arg-type]
        valid_now = FrozenCase("negative", "Unexpected", _search("a", limit="2"))  # type: ignore[arg-type]
        generated = generate(search, schema.security)
        revised = revise(search, [kept, gone, wrong, valid_now], generated, schema.security)
        # Still fitting (and a negative case still invalid) stay first, as they were.
        assert revised[:2] == [kept, wrong]
        # A generated case stands in for what was dropped, not for what was kept.
        assert all(c.description != "Default positive test case" for c in revised[2:])
        assert any(c.description == "Maximum value" for c in revised[2:])
        assert len({canonical(c.request) for c in revised}) == len(revised)

    @staticmethod
    def _with_known(schema: ApiSchema, q: str, max_cases: int = 4) -> Operation:
        """GET /search with ``[tool.contractsnap.parameters] q = ...``."""
        search = operation(schema, "GET /search")
        settings = dataclasses.replace(search.settings, parameters=(("q", q),), max_cases=max_cases)
        return dataclasses.replace(search, settings=settings)

    def test_a_known_values_case_goes_first_and_is_never_cut(self, schema: ApiSchema) -> None:
        """The table added to a recorded operation whose file is full (``max_cases``)."""
        plain = operation(schema, "GET /search")
        stored = generate(
            dataclasses.replace(plain, settings=dataclasses.replace(plain.settings, max_cases=4)),
            schema.security,
        )
        search = self._with_known(schema, "dune")
        revised = revise(search, stored, generate(search, schema.security), schema.security)
        assert [c.description for c in revised[:1]] == ["Known values: q=dune"]
        assert revised[1:] == stored[:3]  # the stored cases, in their order, cut at max_cases

    def test_a_known_values_case_of_other_values_is_replaced(self, schema: ApiSchema) -> None:
        before = self._with_known(schema, "dune")
        stored = generate(before, schema.security)
        after = self._with_known(schema, "emma")
        revised = revise(after, stored, generate(after, schema.security), schema.security)
        assert [c.description for c in revised if c.source == "parameters"] == [
            "Known values: q=emma"
        ]
        assert revised[0].request["query"]["q"] == "emma"

    def test_the_same_known_values_keep_their_stored_case(self, schema: ApiSchema) -> None:
        search = self._with_known(schema, "dune")
        stored = generate(search, schema.security)
        revised = revise(search, stored, generate(search, schema.security), schema.security)
        assert revised == stored

    def test_nothing_changed_means_nothing_added(self, schema: ApiSchema) -> None:
        search = operation(schema, "GET /search")
        generated = generate(search, schema.security)
        assert (
            revise(search, generated, generate(search, schema.security), schema.security)
            == generated
        )
