"""Snapshot files: the format, the codec, the one reader, atomic writes and syrupy's extension.

One file per operation, ``<snapshot_dir>/<METHOD>_<path>.json``::

    {
      "cases": [{"description", "id", "request", "response", "source"}, ...],
      "format": "contractsnap/1",
      "operation": {"fingerprint", "method", "operationId", "path"}
    }

Sorted keys, two-space indentation, a final newline (``_canonical.dumps``), JSON bodies as
structured data: a diff on a code-review page shows which request changed and how its
response changed. Every file of the snapshot directory is parsed here (``load``, ``loads``).
syrupy compares and writes the files; contractsnap reads them itself to replay the frozen
requests, and owns orphan detection (syrupy's would delete files of operations it did not
run, see ``OperationSnapshot.discover_snapshots``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import secrets
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from syrupy.data import SnapshotCollections
from syrupy.extensions.json import JSONSnapshotExtension

from ._canonical import JSON, decode_value, dumps
from ._cases import FrozenCase
from ._errors import SnapshotFileError

FORMAT = "contractsnap/1"
#: The app's OpenAPI document, stored beside the operation files.
SCHEMA_FILE = "openapi.json"
#: The sub-directory of the snapshot directory that holds the scenario files.
SCENARIO_DIR = "scenarios"
_PREFIX = "contractsnap/"


def _from_0(document: Mapping[str, Any]) -> dict[str, Any]:
    """``contractsnap/0``, the pre-release layout: a case kept its request under ``req`` and
    its response under ``resp``; everything else was as in ``contractsnap/1``."""
    cases = [
        {
            **{k: v for k, v in case.items() if k not in ("req", "resp")},
            "request": case["req"],
            "response": case["resp"],
        }
        for case in document["cases"]
    ]
    return {**document, "cases": cases}


#: Every format this version reads, with the function that turns a parsed document of that
#: format into the current layout (``FORMAT``). A new format adds an entry here, so files
#: written by an older contractsnap are replayed as they are and rewritten on the next
#: ``--snapshot-update``: an upgrade never forces cases to be generated again.
_SUPPORTED: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "contractsnap/0": _from_0,
    FORMAT: dict,
}


#: The formats ``read`` and ``upgrade`` accept.
READABLE_FORMATS = frozenset(_SUPPORTED)


def upgrade(document: Mapping[str, Any]) -> dict[str, Any]:
    """A parsed snapshot document in the current layout, whatever readable format it has.

    Raises ``KeyError`` for a format this version cannot read, and ``KeyError`` or
    ``TypeError`` for a document that does not have the layout its format names.
    """
    return {**_SUPPORTED[document["format"]](document), "format": FORMAT}


def loads(data: str | bytes) -> JSON:
    """The JSON value of a snapshot file's text (or of the OpenAPI document beside them);
    ``ValueError`` saying why it is not JSON, too deep a nesting included."""
    try:
        value: JSON = json.loads(data)
    except RecursionError as exc:
        raise ValueError(str(exc)) from None
    return value


def read_text(path: Path) -> str:
    """The text of a file of the snapshot directory; ``UnicodeDecodeError`` if not UTF-8."""
    return path.read_text(encoding="utf-8")


def load(path: Path) -> JSON:
    """The JSON value of a file of the snapshot directory (``OSError`` if it cannot be
    read, ``ValueError`` if it is not UTF-8 JSON)."""
    return loads(read_text(path))


@dataclasses.dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot file as read back: the frozen cases and what they answered."""

    path: Path
    method: str
    path_template: str
    fingerprint: str
    cases: tuple[FrozenCase, ...]
    responses: tuple[Mapping[str, Any], ...]
    #: The file's document in the current layout (upgraded if it was older).
    document: Mapping[str, Any]
    #: The format the file is written in; older than ``FORMAT`` until the next update.
    version: str = FORMAT


def in_directory(path: Path) -> str:
    """``snapshots/NAME.json``, or ``snapshots/scenarios/NAME.json`` for a scenario's file."""
    return "/".join(path.parts[-3:] if path.parent.name == SCENARIO_DIR else path.parts[-2:])


def _fail(path: Path, what: str) -> SnapshotFileError:
    return SnapshotFileError(
        f"{path.name}: {what}; restore it (git checkout -- {in_directory(path)}) "
        "or delete it and record again with `pytest --snapshot-update`"
    )


def is_ours(path: Path) -> bool:
    """Whether ``path`` looks like a contractsnap snapshot file (any format version)."""
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        document = loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    version = document.get("format") if isinstance(document, dict) else None
    return isinstance(version, str) and version.startswith(_PREFIX)


def _newer(version: str) -> bool:
    number, current = version.removeprefix(_PREFIX), FORMAT.removeprefix(_PREFIX)
    return number.isdecimal() and int(number) > int(current)  # not "²": int() refuses it


def _parse(path: Path) -> tuple[dict[str, Any], str]:
    """A snapshot file's JSON object and its format; every problem is a SnapshotFileError."""
    try:
        text = read_text(path)
    except UnicodeDecodeError:
        raise _fail(path, "not UTF-8 text") from None
    try:
        raw = loads(text)
    except ValueError as exc:
        raise _fail(path, f"not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise _fail(path, "not a JSON object")
    version = raw.get("format")
    if not isinstance(version, str) or version not in _SUPPORTED:
        if isinstance(version, str) and _newer(version):
            raise SnapshotFileError(
                f"{path.name}: written in format {version!r}, newer than this contractsnap "
                f"understands ({FORMAT}); upgrade contractsnap"
            )
        if isinstance(version, str) and version.startswith(_PREFIX):
            raise _fail(
                path,
                f"unknown format {version!r} (this contractsnap reads "
                f"{', '.join(sorted(_SUPPORTED))})",
            )
        raise _fail(path, "no `format` field naming a contractsnap format")
    return raw, version


def read(path: Path) -> StoredSnapshot:
    """Parse, validate and upgrade a snapshot file; every problem is a ``SnapshotFileError``."""
    raw, version = _parse(path)
    try:
        document = upgrade(raw)
        operation = document["operation"]
        cases = tuple(
            FrozenCase(
                source=str(c["source"]),
                description=str(c.get("description", "")),
                request=c["request"],
            )
            for c in document["cases"]
        )
        responses = tuple(c["response"] for c in document["cases"])
        stored = StoredSnapshot(
            path=path,
            method=str(operation["method"]),
            path_template=str(operation["path"]),
            fingerprint=str(operation["fingerprint"]),
            cases=cases,
            responses=responses,
            document=document,
            version=version,
        )
    except (KeyError, TypeError, AttributeError) as exc:  # AttributeError: a case not an object
        raise _fail(path, f"missing or malformed field {exc}") from None
    for case in cases:
        problem = request_problem(case.request)
        if problem:
            raise _fail(path, f"a case {problem}")
    return stored


def request_problem(request: Any) -> str | None:
    """Why a stored request cannot be sent as it is (a hand edit), or None."""
    if not isinstance(request, Mapping) or not isinstance(request.get("method"), str):
        return "has no request method"
    if not isinstance(request.get("path"), str):
        return "has no `path` as text"
    if not isinstance(request.get("media_type", ""), (str, type(None))):
        return "has a `media_type` that is not text"
    for part in ("path_parameters", "query", "headers", "cookies"):
        if not isinstance(request.get(part, {}), Mapping):
            return f"has a `{part}` that is not an object"
    try:
        decode_value(dict(request))
    except (TypeError, ValueError) as exc:  # binascii.Error is a ValueError
        return f"has a value that cannot be decoded ({exc})"
    return None


def entries(document: Mapping[str, Any]) -> list[Any]:
    """What a parsed document holds: an operation's ``cases`` or a scenario's ``steps``
    (an empty list when the field is missing or not a list)."""
    found = document.get("steps" if "scenario" in document else "cases")
    return found if isinstance(found, list) else []


@dataclasses.dataclass(frozen=True)
class StoredScenario:
    """A scenario file as read back: the stored requests of its steps, placeholders kept."""

    fingerprint: str
    requests: tuple[Mapping[str, Any], ...]
    document: Mapping[str, Any]


def read_scenario(path: Path) -> StoredScenario:
    """Parse and validate a scenario file; every problem is a ``SnapshotFileError``."""
    raw, version = _parse(path)
    if version != FORMAT:
        raise _fail(path, f"format {version} has no scenarios")
    try:
        fingerprint = str(raw["scenario"]["fingerprint"])
        requests = tuple(step["request"] for step in raw["steps"])
        if not all(isinstance(r, dict) and "method" in r for r in requests):
            raise _fail(path, "a step has no request method")
        if not all(isinstance(step.get("response"), dict) for step in raw["steps"]):
            raise _fail(path, "a step has no response")
    except (KeyError, TypeError, AttributeError) as exc:
        raise _fail(path, f"missing or malformed field {exc}") from None
    return StoredScenario(fingerprint, requests, raw)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, whole.

    The bytes go to ``.NAME.RANDOM.tmp`` beside ``path``, reach the disk, and the temporary
    file is renamed over ``path``. An exception or interrupt removes it; a killed process
    leaves it behind, for ``leftover_temp_files`` (the next full update deletes it).
    """
    data = text.encode("utf-8")  # first: a text that cannot be written creates nothing
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temporary(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new, empty temporary file beside ``path``, open for writing.

    Created with mode 0o666 for the kernel to apply the umask, as to a plain write (mkstemp
    would make it 0600); reading the umask would mean setting it, for every thread at once.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:  # pragma: no cover - 32 random bits taken already
            continue


def leftover_temp_files(directory: Path) -> Iterator[Path]:
    """Temporary files an interrupted write left behind (``atomic_write`` names them
    ``.NAME.RANDOM.tmp``)."""
    if directory.is_dir():
        yield from sorted(directory.glob(".*.json.*.tmp"))


class OperationSnapshot(JSONSnapshotExtension):
    """syrupy extension: one file per operation in the suite's snapshot directory.

    A subclass per suite sets ``directory``; the snapshot name is the file stem.
    """

    directory: ClassVar[Path] = Path("snapshots")

    @classmethod
    def for_directory(cls, directory: Path) -> type[OperationSnapshot]:
        return type("OperationSnapshot", (cls,), {"directory": directory})

    @classmethod
    def dirname(cls, *, test_location: Any) -> str:
        return str(cls.directory)

    @classmethod
    def get_file_basename(cls, *, test_location: Any, index: Any) -> str:
        return str(index)

    @classmethod
    def matches_test_location(cls, *, test_location: Any, snapshot_location: str) -> bool:
        return True  # files are named after operations, not tests (syrupy >= 7)

    def discover_snapshots(
        self, *, test_location: Any, ignore_extensions: Any = None
    ) -> SnapshotCollections:
        # syrupy ties files to test names and would delete the files of deselected, skipped
        # or crashed tests; contractsnap finds orphans from the schema instead.
        return SnapshotCollections()

    def serialize(
        self, data: Any, *, exclude: Any = None, include: Any = None, matcher: Any = None
    ) -> str:
        return dumps(data)

    def diff_lines(self, serialized_data: Any, snapshot_data: Any) -> Iterator[str]:
        import difflib

        yield from difflib.unified_diff(
            str(snapshot_data).splitlines(),
            str(serialized_data).splitlines(),
            "snapshot",
            "received",
            lineterm="",
            n=3,
        )

    @classmethod
    def write_snapshot(
        cls, *, snapshot_location: str, snapshots: Any, name_order: Any = None
    ) -> None:
        with warnings.catch_warnings():  # syrupy 6 warns it cannot relate the file to a test
            warnings.filterwarnings("ignore", message=r"\s*Can not relate snapshot")
            super().write_snapshot(
                snapshot_location=snapshot_location, snapshots=snapshots, name_order=name_order
            )

    @classmethod
    def write_snapshot_collection(cls, *, snapshot_collection: Any, name_order: Any = None) -> None:
        for snapshot in snapshot_collection:
            atomic_write(Path(snapshot_collection.location), str(snapshot.data))
