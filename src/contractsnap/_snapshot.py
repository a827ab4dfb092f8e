"""Snapshot files: the format, the codec, atomic writes and the syrupy extension.

One file per operation, ``<snapshot_dir>/<METHOD>_<path>.json``::

    {
      "cases": [{"description", "id", "request", "response", "source"}, ...],
      "format": "contractsnap/1",
      "operation": {"fingerprint", "method", "operationId", "path"}
    }

Sorted keys, two-space indentation, a final newline, JSON bodies as structured data: a
diff on a code-review page shows which request changed and how its response changed.
syrupy compares and writes the files; contractsnap reads them itself to replay the frozen
requests, and owns orphan detection (syrupy's would delete files of operations it did not
run, see ``OperationSnapshot.discover_snapshots``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

from syrupy.data import SnapshotCollections
from syrupy.extensions.json import JSONSnapshotExtension

from ._cases import FrozenCase
from ._errors import SnapshotFileError

FORMAT = "contractsnap/1"
#: The app's OpenAPI document, stored beside the operation files.
SCHEMA_FILE = "openapi.json"
_SUPPORTED = (FORMAT,)


def dumps(document: Mapping[str, Any]) -> str:
    """The exact text of a snapshot file."""
    return (
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    )


@dataclasses.dataclass(frozen=True)
class StoredSnapshot:
    """A snapshot file as read back: the frozen cases and what they answered."""

    path: Path
    method: str
    path_template: str
    fingerprint: str
    cases: tuple[FrozenCase, ...]
    responses: tuple[Mapping[str, Any], ...]
    document: Mapping[str, Any]


def _fail(path: Path, what: str) -> SnapshotFileError:
    return SnapshotFileError(
        f"{path.name}: {what}; restore it (git checkout -- {path.parent.name}/{path.name}) "
        "or delete it and record again with `pytest --snapshot-update`"
    )


def is_ours(path: Path) -> bool:
    """Whether ``path`` looks like a contractsnap snapshot file (any format version)."""
    if path.suffix != ".json" or not path.is_file():
        return False
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    version = document.get("format") if isinstance(document, dict) else None
    return isinstance(version, str) and version.startswith("contractsnap/")


def read(path: Path) -> StoredSnapshot:
    """Parse and validate a snapshot file; every problem is a ``SnapshotFileError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise _fail(path, "not UTF-8 text") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise _fail(path, f"not valid JSON ({exc})") from None
    if not isinstance(document, dict):
        raise _fail(path, "not a JSON object")
    version = document.get("format")
    if version not in _SUPPORTED:
        if isinstance(version, str) and version.startswith("contractsnap/"):
            raise SnapshotFileError(
                f"{path.name}: written in format {version!r}, newer than this contractsnap "
                f"understands ({FORMAT}); upgrade contractsnap"
            )
        raise _fail(path, "no `format` field naming a contractsnap format")
    try:
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
        )
    except (KeyError, TypeError) as exc:
        raise _fail(path, f"missing or malformed field {exc}") from None
    for case in cases:
        if not isinstance(case.request, dict) or "method" not in case.request:
            raise _fail(path, "a case has no request method")
    return stored


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600 files
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@functools.cache
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def leftover_temp_files(directory: Path) -> Iterator[Path]:
    """Temporary files an interrupted write left behind."""
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
