"""Fuzzing the snapshot file reader: whatever is in a file, the error names the file.

Arbitrary bytes and mutated valid documents (keys deleted, values replaced by other JSON of
any type, unknown format versions, deep nesting) are written to a file and read back with
``read`` and ``is_ours``: ``read`` returns a snapshot or raises ``SnapshotFileError`` whose
message names the file; ``is_ours`` answers True or False.
"""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractsnap import SnapshotFileError
from contractsnap._cases import FrozenCase
from contractsnap._documents import Request
from contractsnap._snapshot import FORMAT, StoredSnapshot, is_ours, read, read_scenario

FUZZ = settings(max_examples=150, database=None, deadline=None, derandomize=True)
NAME = "GET_books_{book_id}.json"

JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
VERSIONS = st.sampled_from(
    [
        "contractsnap/0",
        "contractsnap/1",
        "contractsnap/2",
        "contractsnap/99999999999999999999",
        "contractsnap/\u00b2",  # a digit to str.isdigit, not to int()
        "contractsnap/\u0661",
        "contractsnap/",
        "contractsnap/one",
        "contractsnap/1 ",
        "syrupy/1",
    ]
) | st.text(max_size=16)


def valid_document(cases: int) -> dict[str, Any]:
    request: Request = {"method": "GET", "path": "/books/1", "path_parameters": {"book_id": "1"}}
    case = FrozenCase("coverage", "Default positive test case", request)
    return {
        "format": FORMAT,
        "operation": {
            "fingerprint": "0123456789abcdef",
            "method": "GET",
            "operationId": "get_book",
            "path": "/books/{book_id}",
        },
        "cases": [
            {**case.to_json(), "response": {"status": 200, "body": {"id": i}}} for i in range(cases)
        ],
    }


def locations(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside a JSON document, the root first."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from locations(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from locations(item, (*prefix, index))


@st.composite
def mutated(draw: st.DrawFn, valid: Callable[[int], dict[str, Any]]) -> Any:
    """A valid document (of 0 to 3 cases or steps) with one to four keys deleted or values
    replaced, or its format changed."""
    document: Any = copy.deepcopy(valid(draw(st.integers(0, 3))))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(locations(document))))
        if not where:
            document = draw(JSON)
            continue
        parent = document
        for step in where[:-1]:
            parent = parent[step]
        key = where[-1]
        action = draw(st.sampled_from(["delete", "replace", "version"]))
        if action == "delete":
            del parent[key]
        elif action == "version" and isinstance(document, dict):
            document["format"] = draw(VERSIONS)
        else:
            parent[key] = draw(JSON)
    return document


def check(content: bytes) -> StoredSnapshot | None:
    """Read ``content`` from a snapshot file; only a ``SnapshotFileError`` may come out."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / NAME
        path.write_bytes(content)
        ours = is_ours(path)
        assert ours in (True, False)
        try:
            stored = read(path)
        except SnapshotFileError as exc:
            message = str(exc)
            assert NAME in message, message
            assert "\n" not in message, message
            return None
        assert ours, "read accepted a file is_ours rejects"
        # What the rest of contractsnap uses of a snapshot is there and usable.
        assert all(len(case.id) == 8 for case in stored.cases)
        assert len(stored.responses) == len(stored.cases)
        return stored


class TestReaderFuzz:
    @FUZZ
    @given(content=st.binary(max_size=2000))
    def test_arbitrary_bytes(self, content: bytes) -> None:
        """Random bytes are refused with a SnapshotFileError naming the file."""
        check(content)

    @FUZZ
    @given(text=st.text(max_size=400))
    def test_arbitrary_text(self, text: str) -> None:
        """Random text (UTF-8) is refused the same way."""
        check(text.encode())

    @FUZZ
    @given(document=mutated(valid_document))
    def test_mutated_documents(self, document: Any) -> None:
        """A valid document with keys deleted or values of another type is read or refused."""
        check(json.dumps(document).encode())

    @FUZZ
    @given(document=mutated(valid_document), cut=st.integers(0, 2000))
    def test_truncated_documents(self, document: Any, cut: int) -> None:
        """A file cut short (an interrupted copy) is refused with the file's name."""
        text = json.dumps(document, indent=2).encode()
        check(text[: min(cut, len(text))])

    @FUZZ
    @given(version=VERSIONS)
    def test_any_format_version(self, version: str) -> None:
        """An unknown, newer or malformed format version is refused by name."""
        document = valid_document(1)
        document["format"] = version
        check(json.dumps(document).encode())

    @pytest.mark.parametrize(
        "content",
        [
            b"[" * 100_000,
            b'{"format": "contractsnap/1", "cases": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
            b'{"format": "contractsnap/1", "cases": "abc", "operation": {}}',
            b'{"format": "contractsnap/0", "cases": ["abc"], "operation": {}}',
            b'{"format": "contractsnap/0", "cases": [[1]], "operation": {}}',
            b'{"format": "contractsnap/1", "cases": {"x": 1}, "operation": []}',
            b'{"format": "contractsnap/\xc2\xb2", "cases": [], "operation": {}}',
            b'{"format": ["contractsnap/1"], "cases": [], "operation": {}}',
            b'{"format": "contractsnap/1", "cases": [], "operation": {"method": 1e999}}',
            b'{"format": "contractsnap/1", "cases": [], "operation": {}, "x": 1'
            + b"1" * 5000
            + b"}",
            b"\xef\xbb\xbf{}",
            b"\xff\xfe{\x00}\x00",
            b"",
        ],
    )
    def test_known_hostile_files(self, content: bytes) -> None:
        """Deep nesting, wrong container types and strange versions are refused by name."""
        check(content)

    def test_valid_document_is_read(self) -> None:
        """The unmutated document reads back with its cases (the fuzzing starts from it)."""
        stored = check(json.dumps(valid_document(2)).encode())
        assert stored is not None
        assert [c["id"] for c in valid_document(2)["cases"]] == [c.id for c in stored.cases]


SCENARIO_NAME = "POST_books_201.json"


def valid_scenario(steps: int) -> dict[str, Any]:
    return {
        "carried": {"<carried:1>": {"expression": "$response.body#/id", "step": 1, "value": 7}},
        "format": FORMAT,
        "scenario": {
            "fingerprint": "0123456789abcdef",
            "name": "POST /books 201",
            "origin": "links",
        },
        "steps": [
            {
                "id": f"{i:08x}",
                "operation": "GET /books/{book_id}",
                "request": {"method": "GET", "path": "/books/<carried:1>"},
                "response": {"status": 200},
            }
            for i in range(steps)
        ],
    }


class TestScenarioReaderFuzz:
    """``read_scenario`` returns usable requests or one line naming the file."""

    @FUZZ
    @given(document=mutated(valid_scenario))
    def test_mutated_scenarios(self, document: Any) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "scenarios" / SCENARIO_NAME
            path.parent.mkdir()
            path.write_text(json.dumps(document))
            try:
                stored = read_scenario(path)
            except SnapshotFileError as exc:
                message = str(exc)
                assert SCENARIO_NAME in message, message
                assert "\n" not in message, message
                return
            assert all(isinstance(r, dict) for r in stored.requests)
            assert all("method" in r for r in stored.requests)
            assert isinstance(stored.fingerprint, str)

    @FUZZ
    @given(content=st.binary(max_size=500))
    def test_arbitrary_bytes(self, content: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / SCENARIO_NAME
            path.write_bytes(content)
            with pytest.raises(SnapshotFileError, match=SCENARIO_NAME):
                read_scenario(path)

    def test_valid_scenario_is_read(self, tmp_path: Path) -> None:
        path = tmp_path / SCENARIO_NAME
        path.write_text(json.dumps(valid_scenario(2)))
        stored = read_scenario(path)
        assert stored.fingerprint == "0123456789abcdef"
        assert [r["path"] for r in stored.requests] == ["/books/<carried:1>"] * 2
