"""Snapshot file names: readable, stable, unique and safe on every OS."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contractsnap._naming import file_stem

#: Characters no snapshot file name may contain (path separators and Windows-reserved ones).
FORBIDDEN = re.compile(r'[/\\\x00:<>|?*"]')
#: The longest stem: 120 readable characters, a dash and an 8-digit hash.
MAX_STEM = 129

HOSTILE_PATHS = [
    "/../x",
    "/..",
    "/./x",
    "/.hidden",
    "/a:b",
    "/a\x00b",
    "/a\\b",
    '/a<b>c|d?e*f"g',
    "//etc/passwd",
    "C:/Windows/system32",
    "\\\\server\\share",
    "/con",
    "/nul",
    "/LPT1",
    "/aux.json",
    "/x/com1",
    "/" + "a" * 300,
    "/" + "/".join(["seg"] * 100),
    "/bücher/книги/本",
    "/books/",
    "/BOOKS",
    "",
    "books",
    "/ ",
    "/a b",
]


def assert_safe(stem: str) -> None:
    assert not FORBIDDEN.search(stem), stem
    assert not stem.startswith("."), stem
    assert 0 < len(stem) <= MAX_STEM, stem
    assert stem == stem.strip(), stem


class TestReadableNames:
    """Ordinary operations get the plain, hash-free spelling."""

    @pytest.mark.parametrize(
        ("method", "path", "stem"),
        [
            ("get", "/books", "GET_books"),
            ("GET", "/books/{book_id}", "GET_books_{book_id}"),
            ("delete", "/books/{book_id}/cover", "DELETE_books_{book_id}_cover"),
            ("post", "/v1.2/items", "POST_v1.2_items"),
            ("put", "/a-b/{Id}", "PUT_a-b_{Id}"),
            ("patch", "/orders/{id}/lines/{no}", "PATCH_orders_{id}_lines_{no}"),
        ],
    )
    def test_plain_path(self, method: str, path: str, stem: str) -> None:
        """A lower-case path of safe segments becomes METHOD_seg_seg with no hash."""
        assert file_stem(method, path) == stem

    def test_root_path(self) -> None:
        """The root path is the bare method name."""
        assert file_stem("get", "/") == "GET"

    def test_method_is_upper_cased(self) -> None:
        """The method is spelled in upper case whatever the input case."""
        assert file_stem("get", "/books") == file_stem("GET", "/books") == "GET_books"


class TestHostilePaths:
    """Paths that could escape the directory or break a file system get a safe name."""

    @pytest.mark.parametrize("path", HOSTILE_PATHS)
    def test_stem_is_safe(self, path: str) -> None:
        """No separator, NUL, colon or Windows-reserved character; no leading dot; bounded."""
        assert_safe(file_stem("GET", path))

    @pytest.mark.parametrize("path", HOSTILE_PATHS)
    def test_stem_is_stable(self, path: str) -> None:
        """The same operation always gets the same name."""
        assert file_stem("GET", path) == file_stem("GET", path)

    @pytest.mark.parametrize("hash_seed", ["0", "1", "12345"])
    def test_stable_across_processes(self, hash_seed: str) -> None:
        """Names do not depend on the process (no salted ``hash()``)."""
        script = (
            "import json, sys\n"
            "from contractsnap._naming import file_stem\n"
            "print(json.dumps([file_stem('GET', p) for p in json.load(sys.stdin)]))\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(HOSTILE_PATHS),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert json.loads(result.stdout) == [file_stem("GET", p) for p in HOSTILE_PATHS]

    @pytest.mark.parametrize("path", HOSTILE_PATHS)
    def test_hostile_paths_get_a_hash(self, path: str) -> None:
        """A path that cannot be spelled losslessly carries an 8-digit hash suffix."""
        assert re.search(r"-[0-9a-f]{8}$", file_stem("GET", path))

    @pytest.mark.parametrize(
        ("path", "stem"),
        [
            ("/../x", "GET__x-7ef100e0"),
            ("/a:b", "GET_a-b-ef267814"),
            ("/a\x00b", "GET_a-b-93943324"),
            ("/con", "GET_con-57c7c95b"),
            ("/nul", "GET_nul-42cccab2"),
            ("/LPT1", "GET_LPT1-1579f84d"),
            ("/books/", "GET_books_-730a7112"),
            ("/Books", "GET_Books-ab67290a"),
        ],
    )
    def test_exact_hostile_stems(self, path: str, stem: str) -> None:
        """The readable part keeps what is safe and the hash pins the exact path."""
        assert file_stem("GET", path) == stem

    @pytest.mark.parametrize("name", ["con", "PRN", "aux", "nul", "com1", "COM9", "lpt1", "LPT5"])
    def test_reserved_device_names(self, name: str) -> None:
        """Windows device names, in any case and any segment, never stand alone."""
        for path in (f"/{name}", f"/x/{name}", f"/{name}/x", f"/{name}.txt"):
            stem = file_stem("GET", path)
            assert re.search(r"-[0-9a-f]{8}$", stem), (path, stem)

    def test_long_path_is_truncated(self) -> None:
        """A 300-character path gives 120 readable characters plus the hash."""
        stem = file_stem("GET", "/" + "a" * 300)
        assert len(stem) == MAX_STEM
        assert stem.startswith("GET_" + "a" * 116 + "-")

    def test_long_paths_sharing_a_prefix_differ(self) -> None:
        """Two long paths equal in their first 120 characters still get distinct names."""
        assert file_stem("GET", "/" + "a" * 300) != file_stem("GET", "/" + "a" * 299 + "b")

    def test_unicode_path(self) -> None:
        """Non-ASCII characters are replaced and the exact path is kept in the hash."""
        stem = file_stem("GET", "/bücher")
        assert stem.startswith("GET_b-cher-")
        assert stem != file_stem("GET", "/b-cher")
        assert stem != file_stem("GET", "/bxcher")


class TestDistinctNames:
    """Paths that could share a spelling get different names."""

    @pytest.mark.parametrize(
        ("a", "b"),
        [
            ("/a_b", "/a/b"),
            ("/Books", "/books"),
            ("/books/", "/books"),
            ("/a:b", "/a-b"),
            ("/a b", "/a-b"),
            ("/", "/."),
            ("//x", "/x"),
            ("/bücher", "/b-cher"),
        ],
    )
    def test_colliding_pairs(self, a: str, b: str) -> None:
        """Each pair of look-alike paths gets two different stems."""
        assert file_stem("GET", a) != file_stem("GET", b)

    def test_methods_are_distinct(self) -> None:
        """The same path under two methods gets two names."""
        assert file_stem("GET", "/books") != file_stem("POST", "/books")

    @pytest.mark.parametrize("path", ["/x-", "/x.", "/-x"])
    def test_leading_or_trailing_dash_or_dot(self, path: str) -> None:
        """A path whose last character is a dash or a dot is not named like the bare path."""
        assert file_stem("GET", path) != file_stem("GET", "/x")

    @pytest.mark.parametrize(
        ("hashed", "forged"), [("/a_b", "/a/b-3b7805aa"), ("/con", "/con-57c7c95b")]
    )
    def test_hash_suffix_cannot_be_spelled_by_another_path(self, hashed: str, forged: str) -> None:
        """A hash-free name never equals the hashed name of a different path."""
        assert file_stem("GET", forged) != file_stem("GET", hashed)


class TestProperties:
    """Every path, however strange, gives a file inside the snapshot directory."""

    @settings(max_examples=300, database=None, deadline=None)
    @given(
        method=st.sampled_from(["get", "put", "post", "delete", "options", "head", "patch"]),
        path=st.text(max_size=400),
    )
    def test_file_stays_in_directory(self, method: str, path: str) -> None:
        """``snapshots/<stem>.json`` resolves to a direct child of ``snapshots``."""
        directory = Path("/srv/project/snapshots")
        stem = file_stem(method, path)
        assert_safe(stem)
        target = (directory / f"{stem}.json").resolve()
        assert target.parent == directory.resolve()
        assert target.name == f"{stem}.json"
        assert file_stem(method, path) == stem

    @settings(max_examples=300, database=None, deadline=None)
    @given(path=st.text(alphabet="/aB_-.:{}", max_size=12))
    def test_slash_prefixed_paths_are_safe(self, path: str) -> None:
        """Paths built from the characters that matter to naming give safe stems."""
        assert_safe(file_stem("GET", "/" + path))


#: A whole snapshot file name: a safe stem (no separator, no reserved or control character,
#: no leading dot or dash, no trailing dot or space) and the extension.
SAFE_STEM = re.compile(r"^[A-Za-z0-9{}_][A-Za-z0-9.{}_\-]*(?<![. ])$")
RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}
#: Every character, lone surrogates included (a JSON document can spell them with \ud800;
#: Hypothesis never draws them as characters, so they are drawn as code points).
ANY_CHAR = st.characters() | st.integers(0xD800, 0xDFFF).map(chr)
#: Characters that matter to naming, for paths that come close to one another.
NEAR = "/aAbB0_-.{}: %\\\x00é"
METHODS = st.sampled_from(["get", "put", "post", "delete", "options", "head", "patch", "trace"])


def assert_portable(stem: str) -> None:
    """A name every OS accepts, whichever suffix contractsnap puts after it."""
    assert SAFE_STEM.match(stem), stem
    assert len(f"{stem}.json.pending".encode()) <= 255, stem
    assert stem.split(".", maxsplit=1)[0].lower() not in RESERVED, stem


class TestHostileProperties:
    """Any method and any path give a portable name inside the directory, unique per pair."""

    @settings(max_examples=300, database=None, deadline=None, derandomize=True)
    @given(method=st.one_of(METHODS, st.text(ANY_CHAR, max_size=12)), path=st.text(ANY_CHAR))
    def test_any_operation_is_portable(self, method: str, path: str) -> None:
        """Whatever the schema's keys hold, the name is portable and stays in the directory."""
        stem = file_stem(method, path)
        assert_portable(stem)
        directory = Path("/srv/project/snapshots")
        assert (directory / f"{stem}.json").resolve().parent == directory

    @settings(max_examples=400, database=None, deadline=None, derandomize=True)
    @given(
        a=st.tuples(METHODS, st.text(NEAR, max_size=6)),
        b=st.tuples(METHODS, st.text(NEAR, max_size=6)),
    )
    def test_distinct_operations_get_distinct_names(
        self, a: tuple[str, str], b: tuple[str, str]
    ) -> None:
        """Two operations share a name only if they are the same; without path parameters,
        not even on a case-insensitive file system (macOS, Windows)."""
        if a[0].upper() == b[0].upper() and a[1] == b[1]:
            assert file_stem(*a) == file_stem(*b)
            return
        assert file_stem(*a) != file_stem(*b)
        if "{" not in a[1] + b[1]:
            assert file_stem(*a).lower() != file_stem(*b).lower()

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/../../etc/passwd"),
            ("GET", "/..\\..\\windows\\win.ini"),
            ("GET", "C:\\Windows"),
            ("GET", "/x/CON.txt"),
            ("GET", "/Com1.json"),
            ("GET", "/lpt9 "),
            ("GET", "/nul."),
            ("GET", "/trailing. . "),
            ("GET", "/" + "ß" * 300),
            ("GET", "/\ud800"),
            ("CON", "/"),
            ("nul", ""),
            ("../..", "/x"),
            ("GET/../", "/x"),
            ("", "/"),
            ("\x00", "\x00"),
        ],
    )
    def test_file_can_be_written(self, tmp_path: Path, method: str, path: str) -> None:
        """The file system accepts the name, and the file lands directly in the directory."""
        stem = file_stem(method, path)
        assert_portable(stem)
        target = tmp_path / f"{stem}.json"
        target.write_text("{}")
        assert [p.name for p in tmp_path.iterdir()] == [target.name]

    @pytest.mark.parametrize("method", ["CON", "con", "Aux", "LPT1", "com9"])
    def test_method_spelling_a_device_name(self, method: str) -> None:
        """A method that spells a device name gets a hash, even for the root path."""
        assert re.search(r"-[0-9a-f]{8}$", file_stem(method, "/"))

    def test_unusual_methods_cannot_forge_a_path(self) -> None:
        """A method with an underscore or brace cannot take another operation's name."""
        assert file_stem("GET_{X}", "/") != file_stem("GET", "/{X}")
        assert file_stem("GET_BOOKS", "/") != file_stem("GET", "/BOOKS")
