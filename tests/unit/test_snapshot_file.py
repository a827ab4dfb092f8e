"""Snapshot files: the exact text, reading them back, ownership and atomic writes."""

from __future__ import annotations

import base64
import json
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Any

import pytest

from contractsnap import SnapshotFileError
from contractsnap._canonical import dumps
from contractsnap._cases import FrozenCase
from contractsnap._documents import Request
from contractsnap._snapshot import (
    _SUPPORTED,
    FORMAT,
    StoredSnapshot,
    atomic_write,
    is_ours,
    leftover_temp_files,
    read,
    upgrade,
)

REQUEST: Request = {
    "method": "GET",
    "path": "/books/1",
    "path_parameters": {"book_id": "1"},
    "query": {"q": "ß"},
}
RESPONSE: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "body": {"title": "Bücher", "id": "<uuid:1>"},
}


def _base64_error() -> str:
    try:
        base64.b64decode(5)  # type: ignore[arg-type]
    except TypeError as exc:
        return str(exc)
    raise AssertionError("b64decode accepted an int")


#: What this Python says of base64 text that is a number (the wording varies by version).
BASE64_OF_INT = _base64_error()


def document(cases: int = 1, fmt: str = FORMAT) -> dict[str, Any]:
    case = FrozenCase("coverage", "Default positive test case", REQUEST)
    return {
        "format": fmt,
        "operation": {
            "fingerprint": "0123456789abcdef",
            "method": "GET",
            "operationId": "get_book",
            "path": "/books/{book_id}",
        },
        "cases": [{**case.to_json(), "response": RESPONSE} for _ in range(cases)],
    }


def fix_hint(name: str) -> str:
    return (
        f"; restore it (git checkout -- snapshots/{name}) or delete it and record again with "
        "`pytest --snapshot-update`"
    )


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    directory = tmp_path / "snapshots"
    directory.mkdir()
    return directory


class TestDumps:
    """The file text is sorted, indented by two spaces and ends with a newline."""

    def test_exact_text(self) -> None:
        """Keys are sorted at every level, two-space indented, with a final newline."""
        assert dumps({"b": 1, "a": {"d": [1, 2], "c": None}}) == (
            '{\n  "a": {\n    "c": null,\n    "d": [\n      1,\n      2\n    ]\n  },\n  "b": 1\n}\n'
        )

    def test_non_ascii_is_kept(self) -> None:
        """Non-ASCII text is written as is, not as ``\\u`` escapes."""
        text = dumps({"title": "Bücher 本"})
        assert text == '{\n  "title": "Bücher 本"\n}\n'

    def test_non_finite_floats_are_refused(self) -> None:
        """NaN is not JSON, so it cannot reach a file (values are encoded before)."""
        with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
            dumps({"x": float("nan")})

    def test_deterministic(self) -> None:
        """The same document always gives the same text, whatever the key order."""
        assert dumps({"a": 1, "b": 2}) == dumps({"b": 2, "a": 1})


class TestRead:
    """read() parses and validates a snapshot file."""

    def test_round_trip(self, snapshots: Path) -> None:
        """A file written by dumps reads back into the same cases and responses."""
        path = snapshots / "GET_books_{book_id}.json"
        doc = document(cases=2)
        path.write_text(dumps(doc), encoding="utf-8")
        stored = read(path)
        case = FrozenCase("coverage", "Default positive test case", REQUEST)
        assert stored == StoredSnapshot(
            path=path,
            method="GET",
            path_template="/books/{book_id}",
            fingerprint="0123456789abcdef",
            cases=(case, case),
            responses=(RESPONSE, RESPONSE),
            document=stored.document,
        )
        assert stored.document == doc
        assert stored.cases[0].id == doc["cases"][0]["id"]
        assert dumps(stored.document) == path.read_text(encoding="utf-8")

    def test_description_is_optional(self, snapshots: Path) -> None:
        """A case without a description reads as an empty description."""
        doc = document()
        del doc["cases"][0]["description"]
        path = snapshots / "x.json"
        path.write_text(dumps(doc), encoding="utf-8")
        assert read(path).cases[0].description == ""

    def test_corrupt_json(self, snapshots: Path) -> None:
        """Broken JSON names the file, the parser error and the fix."""
        path = snapshots / "GET_x.json"
        path.write_text('{"format": ', encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == (
            "GET_x.json: not valid JSON (Expecting value: line 1 column 12 (char 11))"
            + fix_hint("GET_x.json")
        )

    def test_merge_conflict_markers(self, snapshots: Path) -> None:
        """A file left with merge-conflict markers is reported as invalid JSON."""
        path = snapshots / "GET_x.json"
        path.write_text("<<<<<<< HEAD\n{}\n=======\n{}\n>>>>>>> other\n", encoding="utf-8")
        with pytest.raises(
            SnapshotFileError, match=r"^GET_x\.json: not valid JSON \(Expecting value"
        ):
            read(path)

    def test_not_utf8(self, snapshots: Path) -> None:
        """Bytes that are not UTF-8 are reported as such."""
        path = snapshots / "GET_x.json"
        path.write_bytes(b"\xff\xfe{}")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == "GET_x.json: not UTF-8 text" + fix_hint("GET_x.json")

    def test_not_an_object(self, snapshots: Path) -> None:
        """A JSON value that is not an object is refused."""
        path = snapshots / "GET_x.json"
        path.write_text("[1, 2]\n", encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == "GET_x.json: not a JSON object" + fix_hint("GET_x.json")

    @pytest.mark.parametrize("fmt", [None, "other/1", 1])
    def test_missing_or_foreign_format(self, snapshots: Path, fmt: object) -> None:
        """Without a contractsnap ``format`` field the file is not a snapshot."""
        doc = document()
        if fmt is None:
            del doc["format"]
        else:
            doc["format"] = fmt
        path = snapshots / "GET_x.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == (
            "GET_x.json: no `format` field naming a contractsnap format" + fix_hint("GET_x.json")
        )

    def test_newer_format(self, snapshots: Path) -> None:
        """A newer format asks for an upgrade instead of a re-record."""
        path = snapshots / "GET_x.json"
        path.write_text(dumps(document(fmt="contractsnap/3")), encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == (
            "GET_x.json: written in format 'contractsnap/3', newer than this contractsnap "
            "understands (contractsnap/2); upgrade contractsnap"
        )

    @pytest.mark.parametrize(
        ("edit", "problem"),
        [
            (lambda d: d.pop("operation"), "missing or malformed field 'operation'"),
            (lambda d: d.pop("cases"), "missing or malformed field 'cases'"),
            (
                lambda d: d["operation"].pop("fingerprint"),
                "missing or malformed field 'fingerprint'",
            ),
            (lambda d: d["operation"].pop("method"), "missing or malformed field 'method'"),
            (lambda d: d["operation"].pop("path"), "missing or malformed field 'path'"),
            (lambda d: d["cases"][0].pop("source"), "missing or malformed field 'source'"),
            (lambda d: d["cases"][0].pop("request"), "missing or malformed field 'request'"),
            (lambda d: d["cases"][0].pop("response"), "missing or malformed field 'response'"),
            (
                lambda d: d.__setitem__("cases", 5),
                "missing or malformed field 'int' object is not iterable",
            ),
            (
                lambda d: d["cases"][0]["request"].pop("method"),
                "a case has no request method",
            ),
            (
                lambda d: d["cases"][0].__setitem__("request", ["GET"]),
                "a case has no request method",
            ),
            (
                lambda d: d["cases"][0]["request"].__setitem__("path_parameters", "x"),
                "a case has a `path_parameters` that is not an object",
            ),
            (
                lambda d: d["cases"][0]["request"].__setitem__("body", {"$base64": 5}),
                f"a case has a value that cannot be decoded ({BASE64_OF_INT})",
            ),
        ],
    )
    def test_missing_fields(self, snapshots: Path, edit: Any, problem: str) -> None:
        """Each missing or malformed field is named, with the fix."""
        doc = document()
        edit(doc)
        path = snapshots / "GET_x.json"
        path.write_text(dumps(doc), encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == f"GET_x.json: {problem}" + fix_hint("GET_x.json")

    def test_fix_hint_names_the_directory(self, tmp_path: Path) -> None:
        """The restore command names the snapshot directory the file is in."""
        path = tmp_path / "api-snaps" / "GET_x.json"
        path.parent.mkdir()
        path.write_text("{", encoding="utf-8")
        hint = re.escape("git checkout -- api-snaps/GET_x.json")
        with pytest.raises(SnapshotFileError, match=hint):
            read(path)


def format_0(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` in the pre-release layout: each case's request and response as req/resp."""
    cases = [
        {
            **{k: v for k, v in c.items() if k not in ("request", "response")},
            "req": c["request"],
            "resp": c["response"],
        }
        for c in doc["cases"]
    ]
    return {**doc, "format": "contractsnap/0", "cases": cases}


class TestFormatVersions:
    """Every readable format is upgraded to the current layout when read."""

    def test_every_version_upgrades_to_the_current_format(self) -> None:
        """Each supported version's reader gives a current document."""
        current = document(cases=2)
        for version in _SUPPORTED:
            old = format_0(current) if version == "contractsnap/0" else current
            assert upgrade({**old, "format": version}) == current

    def test_previous_format_reads_as_current(self, snapshots: Path) -> None:
        """A contractsnap/0 file reads into the same cases, responses and document as the
        current file it corresponds to, and says which format it was in."""
        current = snapshots / "GET_a.json"
        current.write_text(dumps(document(cases=2)), encoding="utf-8")
        old = snapshots / "GET_b.json"
        old.write_text(dumps(format_0(document(cases=2))), encoding="utf-8")
        new, previous = read(current), read(old)
        assert previous.version == "contractsnap/0"
        assert new.version == FORMAT
        assert previous.cases == new.cases
        assert previous.responses == new.responses
        assert dumps(previous.document) == current.read_text(encoding="utf-8")

    def test_previous_format_with_a_missing_field(self, snapshots: Path) -> None:
        """A hand-broken old file names the old field that is missing."""
        doc = format_0(document())
        del doc["cases"][0]["resp"]
        path = snapshots / "GET_x.json"
        path.write_text(dumps(doc), encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == (
            "GET_x.json: missing or malformed field 'resp'" + fix_hint("GET_x.json")
        )

    @pytest.mark.parametrize("fmt", ["contractsnap/beta", "contractsnap/-1", "contractsnap/"])
    def test_unknown_version(self, snapshots: Path, fmt: str) -> None:
        """A contractsnap format that is neither readable nor newer is named as unknown."""
        path = snapshots / "GET_x.json"
        path.write_text(dumps(document(fmt=fmt)), encoding="utf-8")
        with pytest.raises(SnapshotFileError) as info:
            read(path)
        assert str(info.value) == (
            f"GET_x.json: unknown format {fmt!r} (this contractsnap reads contractsnap/0, "
            "contractsnap/1, contractsnap/2)" + fix_hint("GET_x.json")
        )

    def test_previous_format_is_ours(self, snapshots: Path) -> None:
        path = snapshots / "GET_x.json"
        path.write_text(dumps(format_0(document())), encoding="utf-8")
        assert is_ours(path) is True


class TestIsOurs:
    """is_ours tells contractsnap files from other files in the snapshot directory."""

    def test_our_file(self, snapshots: Path) -> None:
        """A file written by dumps is ours."""
        path = snapshots / "GET_x.json"
        path.write_text(dumps(document()), encoding="utf-8")
        assert is_ours(path) is True

    def test_newer_format_is_ours(self, snapshots: Path) -> None:
        """A file of a newer format version is still ours."""
        path = snapshots / "GET_x.json"
        path.write_text(dumps(document(fmt="contractsnap/9")), encoding="utf-8")
        assert is_ours(path) is True

    def test_readme(self, snapshots: Path) -> None:
        """A README is never ours, even if it mentions the format."""
        path = snapshots / "README.md"
        path.write_text('Files with "format": "contractsnap/1" live here.\n', encoding="utf-8")
        assert is_ours(path) is False

    @pytest.mark.parametrize(
        "text",
        ['{"name": "package", "version": "1.0"}', '{"format": "png"}', "[]", ""],
    )
    def test_other_json(self, snapshots: Path, text: str) -> None:
        """JSON files of other tools are not ours."""
        path = snapshots / "other.json"
        path.write_text(text, encoding="utf-8")
        assert is_ours(path) is False

    def test_missing_file_and_directory(self, snapshots: Path) -> None:
        """A path that is not a file is not ours."""
        assert is_ours(snapshots / "absent.json") is False
        (snapshots / "dir.json").mkdir()
        assert is_ours(snapshots / "dir.json") is False

    def test_large_file_is_ours(self, snapshots: Path) -> None:
        """A snapshot file with many cases is still ours."""
        path = snapshots / "GET_x.json"
        path.write_text(dumps(document(cases=40)), encoding="utf-8")
        assert path.stat().st_size > 4096
        assert is_ours(path) is True


class TestAtomicWrite:
    """atomic_write replaces a file whole and leaves nothing behind."""

    def test_creates_file_and_directories(self, tmp_path: Path) -> None:
        """Missing parent directories are created."""
        path = tmp_path / "a" / "b" / "GET_x.json"
        atomic_write(path, "{}\n")
        assert path.read_text(encoding="utf-8") == "{}\n"

    def test_replaces_content(self, snapshots: Path) -> None:
        """An existing file is replaced and no temporary file is left."""
        path = snapshots / "GET_x.json"
        path.write_text("old content that is longer\n", encoding="utf-8")
        atomic_write(path, "new ü\n")
        assert path.read_bytes() == "new ü\n".encode()
        assert sorted(p.name for p in snapshots.iterdir()) == ["GET_x.json"]
        assert list(leftover_temp_files(snapshots)) == []

    def test_newlines_are_not_translated(self, snapshots: Path) -> None:
        """``\\n`` is written as is on every platform."""
        path = snapshots / "GET_x.json"
        atomic_write(path, "a\nb\n")
        assert path.read_bytes() == b"a\nb\n"

    def test_mode_follows_umask(self, snapshots: Path) -> None:
        """The file gets the permissions a plain write would give, not mkstemp's 0600."""
        reference = snapshots / "reference.json"
        reference.write_text("{}", encoding="utf-8")
        path = snapshots / "GET_x.json"
        atomic_write(path, "{}")
        assert stat.S_IMODE(path.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)

    def test_failed_write_keeps_old_file(self, snapshots: Path) -> None:
        """A write that fails leaves the old content and no temporary file."""
        path = snapshots / "GET_x.json"
        path.write_text("old\n", encoding="utf-8")
        with pytest.raises(UnicodeEncodeError):
            atomic_write(path, "bad \ud800 surrogate")
        assert path.read_text(encoding="utf-8") == "old\n"
        assert sorted(p.name for p in snapshots.iterdir()) == ["GET_x.json"]


class TestLeftoverTempFiles:
    """Temporary files of interrupted writes are found."""

    def test_finds_temp_files(self, snapshots: Path) -> None:
        """``.X.json.<random>.tmp`` files are listed, sorted; other files are not."""
        for name in (
            ".GET_x.json.abc.tmp",
            ".GET_a.json.k2j3_9.tmp",
            "GET_x.json",
            ".hidden",
            "GET_x.json.abc.tmp",
            ".GET_x.json",
            "notes.tmp",
        ):
            (snapshots / name).write_text("", encoding="utf-8")
        assert [p.name for p in leftover_temp_files(snapshots)] == [
            ".GET_a.json.k2j3_9.tmp",
            ".GET_x.json.abc.tmp",
        ]

    def test_matches_what_atomic_write_uses(self, snapshots: Path) -> None:
        """The pattern matches the temporary names atomic_write creates."""
        fd, name = tempfile.mkstemp(dir=snapshots, prefix=".GET_x.json.", suffix=".tmp")
        os.close(fd)
        assert list(leftover_temp_files(snapshots)) == [Path(name)]

    def test_missing_directory(self, tmp_path: Path) -> None:
        """A directory that does not exist has no leftovers."""
        assert list(leftover_temp_files(tmp_path / "nope")) == []


def test_lone_surrogates_are_written_escaped(tmp_path: Path) -> None:
    """A lone surrogate from an app's JSON is kept as its escape; the file is valid UTF-8."""
    from contractsnap._normalize import body_fields
    from contractsnap._snapshot import atomic_write

    document = body_fields(b'{"a": "x\\ud800y", "b": "\\ud83d\\ude00"}', "application/json", 1000)
    path = tmp_path / "GET_a.json"
    atomic_write(path, dumps(document))
    text = path.read_text(encoding="utf-8")
    assert '"x\\ud800y"' in text
    assert "\U0001f600" in text  # a valid pair is written as the character it encodes
    assert json.loads(text) == document
