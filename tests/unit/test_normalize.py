"""Response normalisation: selectors, bodies, redaction, differences and suggested rules."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import time
import uuid
from typing import Any

import pytest

from contractsnap._canonical import JSON
from contractsnap._documents import JSONObject
from contractsnap._normalize import (
    Rules,
    Tokens,
    body_fields,
    clock_readings,
    differences,
    only_growth,
    quoted,
    redact,
    reordered,
    split_differences,
    suggest_rules,
    volatile_kinds,
)
from contractsnap._normalize import document as normalise_document
from contractsnap._selectors import compile_selector, path_to_selector
from contractsnap._volatile import epoch_now, jwt_claims

UUID_A = "123e4567-e89b-12d3-a456-426614174000"
UUID_B = "00000000-0000-4000-8000-000000000001"
STAMP_A = "2024-01-02T10:00:00Z"
STAMP_B = "2024-01-02T10:00:01.123+02:00"


def rules(
    redact_rules: tuple[str, ...] = (),
    secret_headers: tuple[str, ...] = (),
    secret_values: tuple[str, ...] = (),
) -> Rules:
    return Rules.from_settings(redact_rules, secret_headers, secret_values)


def at(value: JSON, *keys: str) -> JSON:
    """``value[keys[0]][keys[1]]...``: a member of nested objects."""
    for key in keys:
        assert isinstance(value, dict), value
        value = value[key]
    return value


class TestCompileSelector:
    """``$``-path selectors parse into steps or fail with a message that says why."""

    @pytest.mark.parametrize(
        ("selector", "steps"),
        [
            ("$.id", (("key", "id"),)),
            ("$.items[*].id", (("key", "items"), ("key", "*"), ("key", "id"))),
            ("$.items[0].id", (("key", "items"), ("index", 0), ("key", "id"))),
            ("$..name", (("desc", "name"),)),
            ("$..*", (("desc", "*"),)),
            ("$.*", (("key", "*"),)),
            ("$['a b']", (("key", "a b"),)),
            ('$["x.y"].z', (("key", "x.y"), ("key", "z"))),
            ("$.a-b._c", (("key", "a-b"), ("key", "_c"))),
            ("$.meta..etag", (("key", "meta"), ("desc", "etag"))),
        ],
    )
    def test_valid(self, selector: str, steps: tuple[tuple[str, str | int], ...]) -> None:
        """Each valid selector compiles to the expected steps."""
        assert compile_selector(selector) == steps

    @pytest.mark.parametrize(
        ("selector", "message"),
        [
            ("id", "a selector starts with `$`, the response body"),
            ("", "a selector starts with `$`, the response body"),
            ("$", "`$` alone would redact the whole body; name a field, e.g. `$.id`"),
            ("$.", "unexpected '.' at position 1"),
            ("$[", "unexpected '[' at position 1"),
            ("$.items[x]", "unexpected '[x]' at position 7"),
            ("$ .a", "unexpected ' .a' at position 1"),
            ("$.1a", "unexpected '.1a' at position 1"),
            ("$[-1]", "unexpected '[-1]' at position 1"),
            ("$...a", "unexpected '...a' at position 1"),
            ("$.a[", "unexpected '[' at position 3"),
            ("$['open]", 'unexpected "[\'open]" at position 1'),
        ],
    )
    def test_invalid(self, selector: str, message: str) -> None:
        """Each invalid selector raises ValueError naming the problem and its position."""
        with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
            compile_selector(selector)


class TestPathToSelector:
    """Paths of a body are spelled as selectors that select them again."""

    @pytest.mark.parametrize(
        ("path", "generalise", "selector"),
        [
            (("items", 3, "id"), True, "$.items[*].id"),
            (("items", 3, "id"), False, "$.items[3].id"),
            ((0,), True, "$[*]"),
            (("a b",), True, '$["a b"]'),
            (("1st",), True, '$["1st"]'),
            ((), True, "$"),
        ],
    )
    def test_spelling(self, path: tuple[str | int, ...], generalise: bool, selector: str) -> None:
        """Identifiers use dots, other keys brackets, list indexes ``[*]`` or ``[n]``."""
        assert path_to_selector(path, generalise=generalise) == selector

    @pytest.mark.parametrize("key", ["a b", "1st", "x.y", "bücher"])
    def test_round_trip_through_redaction(self, key: str) -> None:
        """The selector for a key redacts that key."""
        selector = path_to_selector((key,))
        out = redact({"body": {key: "v", "other": "w"}}, rules((selector,)))
        assert out["body"] == {key: "<redacted:1>", "other": "w"}

    @pytest.mark.parametrize("key", ["名前", 'say "hi"', "é-x"])
    def test_round_trip_of_escaped_keys(self, key: str) -> None:
        """The selector for a key that needs escaping still redacts that key."""
        selector = path_to_selector((key,))
        out = redact({"body": {key: "v"}}, rules((selector,)))
        assert out["body"] == {key: "<redacted:1>"}


class TestBodyFields:
    """A body is stored as parsed JSON, as text or as length + sha256."""

    def test_json(self) -> None:
        """A JSON body is parsed into structured data."""
        assert body_fields(b'{"a": [1, 2.5, null, true]}', "application/json", 100) == {
            "body": {"a": [1, 2.5, None, True]}
        }

    def test_json_suffix_and_parameters(self) -> None:
        """``+json`` media types with parameters count as JSON; non-finite floats are encoded."""
        assert body_fields(b'{"x": NaN}', "application/problem+json; charset=utf-8", 100) == {
            "body": {"x": {"$float": "nan"}}
        }

    def test_invalid_json_declared_as_json(self) -> None:
        """A body declared as JSON that does not parse is kept as text."""
        assert body_fields(b'{"a": ', "application/json", 100) == {"text": '{"a": '}

    def test_text(self) -> None:
        """A text body is stored as text."""
        assert body_fields("héllo".encode(), "text/plain; charset=utf-8", 100) == {"text": "héllo"}

    def test_missing_content_type_is_text(self) -> None:
        """A UTF-8 body without a content type is stored as text."""
        assert body_fields(b"hello", "", 100) == {"text": "hello"}

    def test_xml_is_text(self) -> None:
        """XML media types are text."""
        assert body_fields(b"<a/>", "application/xml", 100) == {"text": "<a/>"}

    def test_binary(self) -> None:
        """A non-text media type is stored as length and sha256, even if it decodes."""
        assert body_fields(b"hello", "application/octet-stream", 100) == {
            "binary": {"length": 5, "sha256": hashlib.sha256(b"hello").hexdigest()}
        }

    def test_undecodable_text(self) -> None:
        """Bytes that are not UTF-8 are binary even under a text media type."""
        assert body_fields(b"\xff\xfe", "text/plain", 100) == {
            "binary": {"length": 2, "sha256": hashlib.sha256(b"\xff\xfe").hexdigest()}
        }

    def test_empty(self) -> None:
        """An empty body adds no field at all."""
        assert body_fields(b"", "application/json", 100) == {}

    def test_over_max_size(self) -> None:
        """A body over ``max_size`` is length + sha256 whatever its type."""
        content = b'{"a": "0123456789"}'
        assert body_fields(content, "application/json", len(content) - 1) == {
            "binary": {"length": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        }

    def test_exactly_max_size(self) -> None:
        """A body of exactly ``max_size`` bytes is still parsed."""
        assert body_fields(b"[1]", "application/json", 3) == {"body": [1]}


class TestRulesFromSettings:
    """Settings are split into detectors, compiled selectors, header names and secrets."""

    def test_split(self) -> None:
        """Detectors and selectors are separated; headers are lower-cased; secrets sorted."""
        built = rules(("uuid", "$.id", "date"), ("Set-Cookie",), ("abc", "long-secret", "key1"))
        assert built == Rules(
            detectors=("uuid", "date"),
            selectors=((("key", "id"),),),
            secret_headers=frozenset({"set-cookie"}),
            secret_values=("long-secret", "key1"),
        )


class TestSecrets:
    """Credential values and credential headers never reach a snapshot."""

    def test_secret_values_anywhere(self) -> None:
        """A secret is replaced inside body strings, nested values, text and headers."""
        response: JSONObject = {
            "status": 200,
            "headers": {"x-echo": "got Bearer tok-123!"},
            "body": {"msg": "auth Bearer tok-123 ok", "deep": [{"v": "Bearer tok-123"}]},
        }
        out = redact(response, rules(secret_values=("Bearer tok-123",)))
        assert out == {
            "status": 200,
            "headers": {"x-echo": "got <secret:1>!"},
            "body": {"msg": "auth <secret:1> ok", "deep": [{"v": "<secret:1>"}]},
        }

    def test_secret_in_text_body(self) -> None:
        """A secret echoed in a text body is replaced."""
        out = redact({"text": "key=sekrit-key;"}, rules(secret_values=("sekrit-key",)))
        assert out == {"text": "key=<secret:1>;"}

    def test_longest_secret_wins(self) -> None:
        """A secret containing another is replaced whole, not in pieces."""
        out = redact({"body": {"a": "token-abcd-xyz"}}, rules(secret_values=("abcd", "token-abcd")))
        assert out == {"body": {"a": "<secret:1>-xyz"}}

    def test_short_secrets_are_ignored(self) -> None:
        """Values shorter than 4 characters are not treated as secrets (too many false hits)."""
        out = redact({"body": {"abc": "abc"}}, rules(secret_values=("abc",)))
        assert out == {"body": {"abc": "abc"}}

    def test_secret_headers(self) -> None:
        """Credential headers such as Set-Cookie are replaced whole, lists included."""
        response: JSONObject = {
            "headers": {"set-cookie": ["a=1", "b=2"], "x-api-key": "k", "location": "/x"}
        }
        out = redact(response, rules(secret_headers=("set-cookie", "X-API-Key")))
        assert out == {
            "headers": {"location": "/x", "set-cookie": "<secret:1>", "x-api-key": "<secret:2>"}
        }

    def test_input_is_not_modified(self) -> None:
        """redact returns a copy and leaves its input alone."""
        response: JSONObject = {"headers": {"set-cookie": "a=1"}, "body": {"id": UUID_A}}
        redact(response, rules(("uuid",), ("set-cookie",)))
        assert response == {"headers": {"set-cookie": "a=1"}, "body": {"id": UUID_A}}


class TestSelectors:
    """``$``-path selectors replace whole values."""

    BODY: JSONObject = {  # noqa: RUF012 - read-only test data
        "id": 7,
        "items": [{"token": "t1", "n": 1}, {"token": 5, "n": 2}],
        "deep": {"x": {"etag": "W/1"}, "etag": "W/2"},
        "name": "kept",
    }

    def test_key(self) -> None:
        """``$.id`` replaces the top-level value, whatever its type."""
        out = redact({"body": self.BODY}, rules(("$.id",)))
        assert at(out, "body", "id") == "<redacted:1>"
        assert at(out, "body", "name") == "kept"

    def test_wildcard_index(self) -> None:
        """``[*]`` selects every list element."""
        out = redact({"body": self.BODY}, rules(("$.items[*].token",)))
        assert at(out, "body", "items") == [
            {"n": 1, "token": "<redacted:1>"},
            {"n": 2, "token": "<redacted:2>"},
        ]

    def test_fixed_index(self) -> None:
        """``[1]`` selects one list element only."""
        out = redact({"body": self.BODY}, rules(("$.items[1].n",)))
        assert at(out, "body", "items") == [
            {"n": 1, "token": "t1"},
            {"n": "<redacted:1>", "token": 5},
        ]

    def test_descendant(self) -> None:
        """``..name`` selects the key at any depth."""
        out = redact({"body": self.BODY}, rules(("$..etag",)))
        assert at(out, "body", "deep") == {"etag": "<redacted:1>", "x": {"etag": "<redacted:2>"}}

    def test_selectors_do_not_touch_text_or_headers(self) -> None:
        """Selectors apply to JSON bodies only."""
        response: JSONObject = {"headers": {"id": "h"}, "text": "id"}
        assert redact(response, rules(("$.id", "$..*"))) == response

    def test_equal_values_share_a_token(self) -> None:
        """Two selected fields with the same value get the same placeholder."""
        out = redact({"body": {"a": 1, "b": 1, "c": 2}}, rules(("$.*",)))
        assert out["body"] == {"a": "<redacted:1>", "b": "<redacted:1>", "c": "<redacted:2>"}

    def test_container_value(self) -> None:
        """A selector naming a list or an object replaces the whole value."""
        out = redact({"body": {"meta": {"a": 1}, "tags": ["x"]}}, rules(("$.meta", "$.tags")))
        assert out["body"] == {"meta": "<redacted:1>", "tags": "<redacted:2>"}


class TestDetectors:
    """uuid, timestamp and date detectors replace matching text anywhere."""

    def test_uuid_timestamp_date(self) -> None:
        """Each detector replaces its values in body strings, including substrings."""
        body: JSONObject = {
            "id": UUID_A,
            "at": STAMP_A,
            "on": "2024-01-02",
            "msg": f"made {UUID_A} on 2024-01-02",
        }
        out = redact({"body": body}, rules(("uuid", "timestamp", "date")))
        assert out["body"] == {
            "at": "<timestamp:1>",
            "id": "<uuid:1>",
            "msg": "made <uuid:1> on <date:1>",
            "on": "<date:1>",
        }

    def test_detectors_are_opt_in(self) -> None:
        """Without a detector, volatile-looking values are kept."""
        body: JSONObject = {"id": UUID_A, "at": STAMP_A}
        assert redact({"body": body}, rules()) == {"body": body}

    def test_timestamp_variants(self) -> None:
        """Fractions, offsets and a space separator are part of one timestamp."""
        out = redact(
            {"body": [STAMP_B, "2024-01-02 10:00", "x 2024-01-02T10:00:00.5Z y"]},
            rules(("timestamp",)),
        )
        assert out["body"] == ["<timestamp:1>", "<timestamp:2>", "x <timestamp:3> y"]

    def test_date_does_not_split_a_timestamp(self) -> None:
        """The date detector leaves the date inside an ISO timestamp alone."""
        out = redact({"body": [STAMP_A]}, rules(("date",)))
        assert out["body"] == [STAMP_A]

    def test_text_body(self) -> None:
        """Detectors apply to text bodies."""
        assert redact({"text": f"id {UUID_A}"}, rules(("uuid",))) == {"text": "id <uuid:1>"}

    def test_detector_order_does_not_matter(self) -> None:
        """A timestamp is redacted whole whether `date` or `timestamp` is listed first."""
        out = redact({"body": ["2024-01-02 10:00:00"]}, rules(("date", "timestamp")))
        assert out["body"] == ["<timestamp:1>"]


class TestCorrelatedPlaceholders:
    """The same value gets the same token within a response; numbering is deterministic."""

    def test_same_uuid_in_body_and_location(self) -> None:
        """The id in the body and in the Location header become the same ``<uuid:1>``."""
        response: JSONObject = {
            "status": 201,
            "headers": {"location": f"/books/{UUID_A}", "content-type": "application/json"},
            "body": {"id": UUID_A, "title": "x"},
        }
        out = redact(response, rules(("uuid",)))
        assert out == {
            "status": 201,
            "headers": {"content-type": "application/json", "location": "/books/<uuid:1>"},
            "body": {"id": "<uuid:1>", "title": "x"},
        }

    def test_two_uuids(self) -> None:
        """Two different uuids get ``<uuid:1>`` and ``<uuid:2>``, in sorted-key order."""
        out = redact({"body": {"b": UUID_A, "a": UUID_B, "c": UUID_B}}, rules(("uuid",)))
        assert out["body"] == {"a": "<uuid:1>", "b": "<uuid:2>", "c": "<uuid:1>"}

    def test_counters_are_per_kind(self) -> None:
        """Each kind of placeholder counts from 1."""
        body: JSONObject = {"a": UUID_A, "b": STAMP_A, "c": UUID_B, "d": "x"}
        out = redact({"body": body}, rules(("uuid", "timestamp", "$.d")))
        assert out["body"] == {
            "a": "<uuid:1>",
            "b": "<timestamp:1>",
            "c": "<uuid:2>",
            "d": "<redacted:1>",
        }

    def test_numbering_is_deterministic(self) -> None:
        """Key insertion order does not change the numbering."""
        first = redact({"body": {"x": UUID_A, "y": UUID_B}}, rules(("uuid",)))
        second = redact({"body": {"y": UUID_B, "x": UUID_A}}, rules(("uuid",)))
        assert first == second == {"body": {"x": "<uuid:1>", "y": "<uuid:2>"}}

    def test_numbering_restarts_per_response(self) -> None:
        """Each call starts its own numbering."""
        one = redact({"body": [UUID_A]}, rules(("uuid",)))
        two = redact({"body": [UUID_B]}, rules(("uuid",)))
        assert one == two == {"body": ["<uuid:1>"]}

    def test_body_keys_are_sorted(self) -> None:
        """The redacted body is rebuilt with sorted keys at every level."""
        out = redact({"body": {"b": {"z": 1, "y": 2}, "a": 0}}, rules())
        body, inner = at(out, "body"), at(out, "body", "b")
        assert isinstance(body, dict)
        assert isinstance(inner, dict)
        assert list(body) == ["a", "b"]
        assert list(inner) == ["y", "z"]


class TestQuoted:
    """A check's message quotes a response: it hides what the response's redaction hid."""

    def test_detected_values_and_secrets_are_hidden(self) -> None:
        hidden = Rules.from_settings(["timestamp"], secret_values=["tok-5f1a9c3e77d2"])
        message = f'"{STAMP_A}" is not a "date-time"; "tok-5f1a9c3e77d2" is not of type "integer"'
        assert quoted(message, hidden, Tokens()) == (
            '"<timestamp:1>" is not a "date-time"; "<secret:1>" is not of type "integer"'
        )

    def test_a_value_a_selector_hid_is_hidden_by_its_token(self) -> None:
        tokens = Tokens()
        redact({"body": {"code": "ABCDEF-123", "n": 1}}, rules(("$.code",)), tokens)
        assert quoted('"ABCDEF-123" is too long', rules(("$.code",)), tokens) == (
            '"<redacted:1>" is too long'
        )

    def test_a_message_never_renumbers_a_response(self) -> None:
        """The next step of a scenario numbers its values as if no message had been read."""
        tokens = Tokens()
        quoted(f"{UUID_B} is not allowed", rules(("uuid",)), tokens)
        out = redact({"body": {"id": UUID_A}}, rules(("uuid",)), tokens)
        assert out["body"] == {"id": "<uuid:1>"}


class TestDifferences:
    """differences lists every differing leaf path in a stable order."""

    def test_equal(self) -> None:
        """Equal values have no differences."""
        assert differences({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) == []

    def test_leaves(self) -> None:
        """Nested dict and list leaves are reported with their full path, sorted by key."""
        a = {"z": 1, "a": {"items": [{"id": 1}, {"id": 2}]}}
        b = {"z": 2, "a": {"items": [{"id": 1}, {"id": 3}]}}
        assert differences(a, b) == [(("a", "items", 1, "id"), 2, 3), (("z",), 1, 2)]

    def test_missing_keys(self) -> None:
        """A key present on one side only is reported against ``<absent>``."""
        assert differences({"a": 1}, {"b": 1}) == [
            (("a",), 1, "<absent>"),
            (("b",), "<absent>", 1),
        ]

    def test_lists_of_different_length(self) -> None:
        """Lists of different lengths are one difference at the list itself."""
        assert differences({"l": [1]}, {"l": [1, 2]}) == [(("l",), [1], [1, 2])]

    def test_type_change(self) -> None:
        """A value that changes type is one difference."""
        assert differences({"m": None}, {"m": {"x": 1}}) == [(("m",), None, {"x": 1})]

    def test_top_level(self) -> None:
        """Scalars at the top level differ at the empty path."""
        assert differences("a", "b") == [((), "a", "b")]

    def test_bool_and_int_differ(self) -> None:
        """``true`` and ``1`` are different JSON values."""
        assert differences({"a": True}, {"a": 1}) == [(("a",), True, 1)]


class TestSuggestRules:
    """suggest_rules proposes detectors for volatile values and selectors otherwise."""

    def test_uuid(self) -> None:
        """Two differing uuids suggest the uuid detector."""
        assert suggest_rules([(("id",), UUID_A, UUID_B)]) == ["uuid"]

    def test_timestamp(self) -> None:
        """Two differing timestamps suggest the timestamp detector."""
        assert suggest_rules([(("meta", "at"), STAMP_A, STAMP_B)]) == ["timestamp"]

    def test_date(self) -> None:
        """Two differing dates suggest the date detector."""
        assert suggest_rules([(("on",), "2024-01-01", "2024-01-02")]) == ["date"]

    def test_other_values_get_a_selector(self) -> None:
        """Numbers and plain strings get a ``$.path`` selector, ``[*]`` for list indexes."""
        changed = [
            (("items", 3, "n"), 1, 2),
            (("token",), "abc", "def"),
            (("a b",), 1, 2),
        ]
        assert suggest_rules(changed) == ["$.items[*].n", "$.token", '$["a b"]']

    def test_detector_needs_both_sides(self) -> None:
        """A uuid on one side only is not a uuid difference."""
        assert suggest_rules([(("id",), UUID_A, "<absent>")]) == ["$.id"]

    def test_no_duplicates(self) -> None:
        """Each rule is suggested once, in first-seen order."""
        changed = [
            (("items", 0, "id"), UUID_A, UUID_B),
            (("items", 0, "n"), 1, 2),
            (("items", 1, "n"), 3, 4),
            (("other",), UUID_B, UUID_A),
        ]
        assert suggest_rules(changed) == ["uuid", "$.items[*].n"]

    def test_suggested_rules_hide_leaf_differences(self) -> None:
        """Applying the suggestions makes two responses with volatile leaves equal."""
        a: JSONObject = {"id": UUID_A, "items": [{"n": 1}], "at": STAMP_A}
        b: JSONObject = {"id": UUID_B, "items": [{"n": 2}], "at": STAMP_B}
        suggested = suggest_rules(differences(a, b))
        assert suggested == ["timestamp", "uuid", "$.items[*].n"]
        assert redact({"body": a}, rules(tuple(suggested))) == redact(
            {"body": b}, rules(tuple(suggested))
        )

    def test_suggested_rules_hide_container_differences(self) -> None:
        """Applying the suggestions makes responses whose lists change length equal."""
        a: dict[str, Any] = {"items": [1, 2], "meta": None}
        b: dict[str, Any] = {"items": [1, 2, 3], "meta": {"x": 1}}
        suggested = suggest_rules(differences(a, b))
        assert suggested == ["$.items", "$.meta"]
        assert redact({"body": a}, rules(tuple(suggested))) == redact(
            {"body": b}, rules(tuple(suggested))
        )


def test_secret_tokens_do_not_depend_on_the_hash_seed() -> None:
    """Secrets of equal length that share a spelling get the same tokens in every process."""
    import os
    import subprocess
    import sys

    code = (
        "from contractsnap._normalize import Rules, redact\n"
        "rules = Rules.from_settings([], [], ['abc+defgh', 'abc defgh'])\n"
        "print(redact({'text': 'abc%2Bdefgh / abc defgh'}, rules)['text'])\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert len(outputs) == 1, outputs


class TestOnlyGrowth:
    """What data kept between passes or runs looks like: ids up, lists longer, nothing else."""

    @pytest.mark.parametrize(
        ("old", "new", "grown"),
        [
            ({"id": 1}, {"id": 12}, True),
            ({"items": [], "total": 0}, {"items": [{"id": 1}], "total": 1}, True),
            ({"id": 12}, {"id": 1}, False),  # smaller: something else
            ({"id": 1, "name": "a"}, {"id": 2, "name": "b"}, False),  # and another change
            ({"ok": False}, {"ok": True}, False),  # booleans are not counters
            ({"price": 1.5}, {"price": 2.5}, False),  # nor are floats
            ({"id": 1}, {"id": 1}, False),  # no difference at all
            ({"status": 200}, {"status": 201}, False),  # a changed status is not a counter
            ({"status": 200, "body": {"id": 1}}, {"status": 201, "body": {"id": 2}}, False),
        ],
    )
    def test_policy(self, old: dict[str, Any], new: dict[str, Any], grown: bool) -> None:
        assert only_growth(differences(old, new)) is grown


class TestUnordered:
    """``unordered`` sorts the lists it selects: their order is the app's hash seed's."""

    def test_selected_lists_are_sorted_others_kept(self) -> None:
        response: JSONObject = {"status": 200, "body": {"tags": ["b", "c", "a"], "ids": [3, 1]}}
        out = redact(response, Rules.from_settings((), unordered=("$.tags",)))
        assert out["body"] == {"ids": [3, 1], "tags": ["a", "b", "c"]}

    def test_the_whole_body_can_be_unordered(self) -> None:
        out = redact({"body": [{"n": 2}, {"n": 1}]}, Rules.from_settings((), unordered=("$",)))
        assert out["body"] == [{"n": 1}, {"n": 2}]

    def test_placeholder_numbers_do_not_decide_the_order(self) -> None:
        """Items that differ only in a placeholder's number keep the app's order: the
        numbers follow the order the app sent, so sorting by them would not settle it."""
        body: JSON = [{"id": UUID_B, "n": 1}, {"id": UUID_A, "n": 0}]
        out = redact({"body": body}, Rules.from_settings(("uuid",), unordered=("$",)))
        assert out["body"] == [{"id": "<uuid:2>", "n": 0}, {"id": "<uuid:1>", "n": 1}]

    def test_the_document_is_normalised_like_a_body(self) -> None:
        document: JSON = {
            "info": {"version": "1.0+2026-12-03T10:00:00"},
            "components": {"Colour": {"enum": ["red", "blue"]}},
        }
        rules = Rules.from_settings(("$.info.version",), unordered=("$..enum",))
        assert normalise_document(document, rules) == {
            "components": {"Colour": {"enum": ["blue", "red"]}},
            "info": {"version": "<redacted:1>"},
        }
        assert normalise_document(document, Rules()) is document  # nothing to do: as served


class TestSplitDifferences:
    def test_reordered_lists_are_told_apart_from_changed_values(self) -> None:
        changed, lists = split_differences(
            {"a": [1, 2], "b": {"c": [{"x": 1}, {"y": 2}]}, "d": 1},
            {"a": [2, 1], "b": {"c": [{"y": 2}, {"x": 1}]}, "d": 2},
        )
        assert changed == [(("d",), 1, 2)]
        assert lists == [("a",), ("b", "c")]

    def test_a_list_with_other_items_is_a_change_not_a_reorder(self) -> None:
        changed, lists = split_differences({"a": [1, 2]}, {"a": [2, 3]})
        assert lists == []
        assert changed == [(("a", 0), 1, 2), (("a", 1), 2, 3)]

    def test_reordered_is_none_unless_order_is_all_that_changed(self) -> None:
        assert reordered({"a": [1, 2]}, {"a": [2, 1]}) == [("a",)]
        assert reordered({"a": [1, 2]}, {"a": [1, 2]}) is None
        assert reordered({"a": [1, 2], "b": 1}, {"a": [2, 1], "b": 2}) is None


def _token(claims: dict[str, object], header: dict[str, object] | None = None) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part(header or {'alg': 'HS256'})}.{part(claims)}.c2lnbmF0dXJl"


NOW = 1_796_000_000.0


class TestClockValues:
    """Values read from the clock: redacted by their detectors, named by recording."""

    def test_jwt_epoch_detectors_and_uuid4_hex(self) -> None:
        token = _token({"sub": "ada", "iat": 1})
        body: JSON = {"t": f"Bearer {token}", "at": int(time.time()), "id": uuid.uuid4().hex}
        out = redact({"body": body}, Rules.from_settings(("jwt", "epoch", "uuid"), current=True))
        assert out["body"] == {"at": "<epoch:1>", "id": "<uuid:1>", "t": "Bearer <jwt:1>"}

    def test_a_jwt_shape_without_an_alg_header_is_left_alone(self) -> None:
        fake = _token({"iat": 1}, header={"kid": "x"})
        assert jwt_claims(fake) is None
        assert redact({"body": fake}, rules(("jwt",)))["body"] == fake

    def test_epoch_seconds_and_milliseconds_near_now_only(self) -> None:
        assert epoch_now(int(NOW) - 3600, NOW)
        assert epoch_now(int(NOW * 1000), NOW)
        assert not epoch_now(1_000_000_000, NOW)
        assert not epoch_now(42, NOW)
        assert not epoch_now(True, NOW)

    def test_clock_readings_name_each_value_of_now(self) -> None:
        response: JSONObject = {
            "status": 200,
            "body": {
                "token": _token({"iat": int(NOW), "exp": int(NOW) + 60}),
                "fixed": _token({"iat": 1_000_000_000}),
                "issued": int(NOW),
                "started": "2026-11-29T12:33:20+00:00",
                "born": "1990-01-01T00:00:00Z",
            },
        }
        assert clock_readings(response, NOW) == [
            ("epoch", "$.issued", f"epoch seconds of now ({int(NOW)})"),
            ("timestamp", "$.started", "a timestamp of now (2026-11-29T12:33:20+00:00)"),
            ("jwt", "$.token", "a JWT whose iat, exp hold the time"),
        ]

    def test_volatile_kinds_need_every_difference_to_look_volatile(self) -> None:
        a, b = _token({"n": 1}), _token({"n": 2})
        assert volatile_kinds([(("body", "t"), a, b)]) == ["jwt"]
        assert volatile_kinds([(("body", "t"), a, b), (("body", "n"), 1, 2)]) is None
        assert volatile_kinds([(("body", "id"), UUID_A, UUID_B)]) == ["uuid"]

    def test_epoch_seconds_in_text_such_as_an_etag(self) -> None:
        now = int(time.time())
        response: JSONObject = {"headers": {"etag": f'W/"{now}"'}, "body": {"tel": "4155550123"}}
        assert clock_readings(response) == [
            ("epoch", "headers.etag", f"epoch seconds of now ({now})")
        ]
        assert redact(response, rules(("epoch",)))["headers"] == {"etag": 'W/"<epoch:1>"'}

    def test_a_file_of_the_older_format_keeps_uuid4_hex_and_paths(self) -> None:
        """contractsnap/1 files are replayed as they were recorded (``current`` False)."""
        value = f"{uuid.uuid4().hex} {os.getcwd()}/data"
        assert redact({"body": value}, rules(("uuid",)))["body"] == value
        assert redact({"body": value}, Rules.from_settings(("uuid",), current=True))["body"] == (
            "<uuid:1> <cwd>/data"
        )
