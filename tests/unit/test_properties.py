"""Properties of the normaliser, the file codec and case generation, on random inputs.

Random JSON bodies (unicode keys, every JSON type), random responses and redaction rules,
and random small OpenAPI documents: nothing crashes but with a ``ContractsnapError``,
secrets never survive redaction, and the snapshot text is a deterministic, lossless codec.
"""

from __future__ import annotations

import base64
import html
import json
import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from contractsnap import ConfigError, ContractsnapError
from contractsnap._canonical import canonical, decode_value, dumps, encode_value
from contractsnap._cases import generate, thaw
from contractsnap._config import Settings
from contractsnap._credentials import header_values as _secret_values
from contractsnap._documents import JSONObject
from contractsnap._normalize import Rules, body_fields, differences, redact
from contractsnap._schema import ApiSchema

PROPERTY = settings(max_examples=100, database=None, deadline=None, derandomize=True)

#: Text as apps send it: any character but lone surrogates (see ``test_lone_surrogates``).
TEXT = st.text(max_size=12)
FLOATS = st.floats(allow_nan=False, allow_infinity=False).filter(
    lambda x: x != 0 or math.copysign(1, x) > 0  # -0.0 == 0.0, but dumps spells it "-0.0"
)
SCALARS = st.none() | st.booleans() | st.integers() | FLOATS | TEXT
JSON: st.SearchStrategy[Any] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
#: JSON as an app may send it: NaN and infinities are not JSON, but Python emits them.
LOOSE_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/problem+json; charset=utf-8",
        "text/plain",
        "text/html; charset=latin-1",
        "application/octet-stream",
        "application/xml",
        "",
        "APPLICATION/JSON",
        ";;;",
    ]
)
HEADERS = st.dictionaries(
    st.sampled_from(["content-type", "location", "x-echo", "set-cookie", "www-authenticate"]),
    TEXT | st.lists(TEXT, min_size=2, max_size=3),
    max_size=4,
)
SELECTORS = st.sampled_from(
    ["$.id", "$..id", "$.*", "$..*", "$.items[*].id", "$[0]", "$['a b']", '$["\\u00e9"]', "$.a.b"]
)
RULES = st.builds(
    lambda detectors, selectors, headers, secrets: Rules.from_settings(
        [*detectors, *selectors], headers, secrets
    ),
    st.lists(st.sampled_from(["uuid", "timestamp", "date"]), unique=True),
    st.lists(SELECTORS, max_size=3),
    st.lists(st.sampled_from(["set-cookie", "x-echo", "authorization"]), max_size=2),
    st.lists(st.text(min_size=1, max_size=10), max_size=3),
)
PLACEHOLDER = re.compile(r"<(?:secret|redacted|uuid|timestamp|date):\d+>")


def strings(value: Any) -> Iterator[str]:
    """Every string of a JSON value, object keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def reorder(value: Any, data: st.DataObject) -> Any:
    """The same JSON value with the keys of every object in a drawn order."""
    if isinstance(value, dict):
        keys = data.draw(st.permutations(list(value)))
        return {k: reorder(value[k], data) for k in keys}
    if isinstance(value, list):
        return [reorder(v, data) for v in value]
    return value


class TestNormaliser:
    @PROPERTY
    @given(body=LOOSE_JSON, content_type=CONTENT_TYPES, max_size=st.integers(0, 400))
    def test_json_bodies(self, body: Any, content_type: str, max_size: int) -> None:
        """Any JSON body (NaN too) gives one JSON-safe body field that the codec writes."""
        content = json.dumps(body).encode()
        fields = body_fields(content, content_type, max_size)
        assert set(fields) <= {"body", "text", "binary"}
        assert len(fields) == 1
        dumps(fields).encode("utf-8")
        if "body" in fields:
            assert canonical(fields["body"]) == canonical(encode_value(body))

    @PROPERTY
    @given(content=st.binary(max_size=300), content_type=CONTENT_TYPES)
    def test_any_bytes(self, content: bytes, content_type: str) -> None:
        """Any bytes under any content type give at most one field; binary keeps the length."""
        fields = body_fields(content, content_type, 1000)
        assert len(fields) == (1 if content else 0)
        if "binary" in fields:
            binary = fields["binary"]
            assert isinstance(binary, dict)
            assert binary["length"] == len(content)
        dumps(fields)

    @PROPERTY
    @given(
        status=st.integers(100, 599),
        headers=HEADERS,
        body=JSON,
        text=st.none() | st.text(max_size=40),
        rules=RULES,
    )
    def test_redact_never_crashes(
        self, status: int, headers: dict[str, Any], body: Any, text: str | None, rules: Rules
    ) -> None:
        """Any response under any rules redacts to a JSON-safe response of the same shape."""
        response: dict[str, Any] = {"status": status, "headers": headers}
        if text is None:
            response["body"] = body
        else:
            response["text"] = text
        out = redact(response, rules)
        assert set(out) == set(response)
        assert out["status"] == status
        assert redact(response, rules) == out  # the same input, the same placeholders
        json.loads(dumps(out))

    @PROPERTY
    @given(
        secret=st.text(min_size=4, max_size=24).filter(lambda s: "\x00" not in s),
        body=JSON,
        data=st.data(),
    )
    def test_secrets_never_survive(self, secret: str, body: Any, data: st.DataObject) -> None:
        """A secret planted anywhere, in any spelling, is gone after redaction."""
        quoted = quote(secret, safe="")
        spellings = [
            secret,
            quoted,
            # escapes in lower case (lowering the whole text would change the secret itself)
            re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted),
            quote_plus(secret),
            base64.b64encode(secret.encode()).decode(),
            base64.urlsafe_b64encode(secret.encode()).decode().rstrip("="),
            json.dumps(secret)[1:-1],
            json.dumps(json.dumps(secret))[1:-1],
            html.escape(secret),
        ]
        planted = data.draw(st.sampled_from(spellings))
        # A secret inside the response's own fixed names ("head" in "headers") is not leaked.
        fixed = ("status", "headers", "x-echo", "location", "/next?t=", "body", "echo", "k")
        assume(not any(planted in name for name in fixed))
        prefix, suffix = data.draw(TEXT), data.draw(TEXT)
        response: JSONObject = {
            "status": 200,
            "headers": {"x-echo": f"{prefix}{planted}", "location": f"/next?t={planted}"},
            "body": {"echo": [body, f"{prefix}{planted}{suffix}"], planted: {"k": planted}},
        }
        rules = Rules.from_settings(["uuid"], [], [secret])
        out = redact(response, rules)
        for value in strings(out):
            visible = PLACEHOLDER.sub("\x00", value)
            assert planted not in visible, (planted, value)

    @PROPERTY
    @given(
        secrets=st.lists(st.text(min_size=4, max_size=12), min_size=2, max_size=4, unique=True),
        data=st.data(),
    )
    def test_overlapping_secrets(self, secrets: list[str], data: st.DataObject) -> None:
        """Secrets that overlap, contain or repeat one another are all gone, whole."""
        pieces = data.draw(st.lists(st.sampled_from(secrets), min_size=1, max_size=6))
        glue = data.draw(st.lists(st.sampled_from(["", "", "-", " "]), min_size=len(pieces)))
        text = "".join(p + g for p, g in zip(pieces, glue, strict=False))
        # Overlap two secrets on a shared character when they allow it.
        a, b = secrets[0], secrets[1]
        text += a + b[1:] if a[-1:] == b[:1] else a + b
        out = redact({"text": text}, Rules.from_settings([], [], secrets))
        shown = out["text"]
        assert isinstance(shown, str)
        visible = PLACEHOLDER.sub("\x00", shown)
        for secret in secrets:
            assert secret not in visible, (secret, shown)

    @PROPERTY
    @given(a=JSON, b=JSON)
    def test_differences(self, a: Any, b: Any) -> None:
        """No difference between a value and itself; a difference whenever the text differs."""
        assert differences(a, a) == []
        found = differences(a, b)
        assert bool(found) == (dumps(a) != dumps(b))
        for path, _, _ in found:
            assert all(isinstance(p, (str, int)) for p in path)


PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=4)


class TestCredentials:
    @PROPERTY
    @given(user=PRINTABLE.filter(lambda u: ":" not in u), password=PRINTABLE | st.just(""))
    def test_basic_credentials(self, user: str, password: str) -> None:
        """Basic credentials count as secrets decoded: the password, or the user (an API key
        sent as the user name) when there is no password."""
        encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
        values = _secret_values({"Authorization": f"Basic {encoded}"})
        assert f"Basic {encoded}" in values
        assert f"{user}:{password}" in values
        assert (password or user) in values

    @PROPERTY
    @given(name=st.sampled_from(["Authorization", "X-Key", "Cookie"]), value=st.text(min_size=1))
    def test_values_http_cannot_carry(self, name: str, value: str) -> None:
        """A non-ASCII value is refused with the header's name; an ASCII one is a secret."""
        if value.isascii():
            assert value in _secret_values({name: value})
            return
        with pytest.raises(ConfigError, match=f"header '{name}' is non-ASCII text") as info:
            _secret_values({name: value})
        assert value not in str(info.value)

    def test_values_of_another_type(self) -> None:
        """A value that is not a string is refused, by header name and type."""
        with pytest.raises(ConfigError, match="header 'X-Key' is int;"):
            _secret_values({"X-Key": 42})


class TestCodec:
    @PROPERTY
    @given(document=st.dictionaries(TEXT, JSON, max_size=6), data=st.data())
    def test_round_trip_and_determinism(
        self, document: dict[str, Any], data: st.DataObject
    ) -> None:
        """dumps -> json.loads gives the document back; key order never changes the bytes."""
        text = dumps(document)
        assert json.loads(text) == document
        assert text.endswith("\n")
        assert dumps(reorder(document, data)).encode() == text.encode()

    @PROPERTY
    @given(value=LOOSE_JSON | st.binary(max_size=20))
    def test_encoded_values_round_trip(self, value: Any) -> None:
        """Generated values (bytes, NaN, objects that look like markers) survive the file."""
        encoded = encode_value(value)
        back = decode_value(json.loads(dumps(encoded)))
        assert canonical(encode_value(back)) == canonical(encoded)


# -- random OpenAPI documents ----------------------------------------------------------------

SCHEMAS: st.SearchStrategy[Any] = st.recursive(
    st.sampled_from(
        [
            {},
            {"type": "string"},
            {"type": "integer", "minimum": 0, "maximum": 10},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "string", "format": "date-time"},
            {"type": "string", "format": "uuid"},
            {"type": "string", "pattern": "^[a-z]{2,4}$"},
            {"type": "string", "minLength": 5, "maxLength": 2},  # unsatisfiable
            {"enum": ["a", 1, None]},
            {"type": ["string", "integer"]},
            {"$ref": "#/components/schemas/Thing"},
            {"$ref": "#/components/schemas/Missing"},
            {"type": "wat"},
        ]
    ),
    lambda inner: (
        st.builds(
            lambda props, required: {
                "type": "object",
                "properties": props,
                "required": [k for k in props if required],
            },
            st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=3),
            st.booleans(),
        )
        | st.builds(lambda items: {"type": "array", "items": items, "maxItems": 3}, inner)
        | st.builds(lambda options: {"anyOf": options}, st.lists(inner, min_size=1, max_size=2))
    ),
    max_leaves=4,
)
PARAMETERS = st.builds(
    lambda name, where, required, schema: {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
    },
    st.text(min_size=1, max_size=6) | st.sampled_from(["id", "X-Key", "q", "session"]),
    st.sampled_from(["query", "header", "path", "cookie", "body"]),
    st.booleans(),
    SCHEMAS,
)
BODIES = st.builds(
    lambda media, schema: {"content": {media: {"schema": schema}}, "required": True},
    st.sampled_from(
        ["application/json", "multipart/form-data", "application/x-www-form-urlencoded", "text/x"]
    ),
    SCHEMAS,
)


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    parameters = draw(st.lists(PARAMETERS, max_size=3))
    segments = draw(st.lists(st.text(min_size=1, max_size=5), min_size=0, max_size=2))
    segments += [f"{{{p['name']}}}" for p in parameters if p["in"] == "path"]
    definition: dict[str, Any] = {
        "parameters": parameters,
        "responses": {"200": {"description": "ok", "content": {"application/json": {}}}},
    }
    if draw(st.booleans()):
        definition["requestBody"] = draw(BODIES)
    if draw(st.booleans()):
        definition["operationId"] = draw(st.text(max_size=6))
    return "/" + "/".join(segments), definition


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, definition in draw(st.lists(operations(), min_size=1, max_size=3)):
        method = draw(st.sampled_from(["get", "post", "put", "delete", "patch"]))
        paths.setdefault(path, {})[method] = definition
    schemes = {
        "key": {
            "type": "apiKey",
            "in": draw(st.sampled_from(["header", "query", "cookie"])),
            "name": draw(st.sampled_from(["X-Key", "q", "session", "api_key"])),
        },
        "bearer": {"type": "http", "scheme": "bearer"},
    }
    return {
        "openapi": draw(st.sampled_from(["3.0.3", "3.1.0"])),
        "info": {"title": "random", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Thing": draw(SCHEMAS)}, "securitySchemes": schemes},
        "security": [{"key": []}, {"bearer": []}],
    }


class TestRandomSchemas:
    @settings(
        max_examples=50,
        database=None,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(document=documents())
    def test_schema_and_generation(self, document: dict[str, Any]) -> None:
        """Random small documents load and generate cases, or fail with a ContractsnapError;
        every generated case is frozen, written and thawed."""
        try:
            schema = ApiSchema(document, Settings(app="random:app"))
            for operation in schema.operations:
                if operation.error:
                    continue
                for case in generate(operation, schema.security):
                    stored = json.loads(dumps(case.to_json()))
                    assert stored["id"] == case.id
                    thaw(operation, stored["request"])
        except ContractsnapError:
            pass
