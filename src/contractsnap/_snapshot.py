"""Snapshot files: the format, the codec, the one reader, atomic writes and syrupy's extension.

One file per operation, ``<snapshot_dir>/<METHOD>_<path>.json``::

    {
      "cases": [{"description", "id", "request", "response", "source", "violations"?}, ...],
      "format": "contractsnap/2",
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
import operator
import os
import secrets
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar, cast

from syrupy.data import SnapshotCollection, SnapshotCollections
from syrupy.extensions.json import JSONSnapshotExtension
from syrupy.location import PyTestLocation
from syrupy.types import PropertyFilter, PropertyMatcher, SerializedData, SnapshotIndex

from ._canonical import JSON, decode_value, dumps
from ._cases import FrozenCase
from ._documents import (
    Case,
    Document,
    JSONObject,
    OperationDocument,
    Request,
    Response,
    ScenarioDocument,
    Step,
)
from ._errors import SnapshotFileError

#: ``contractsnap/2`` adds ``violations`` to a case or step that breaks the contract: the
#: checks it broke when it was recorded (its contract debt), and stores this machine's
#: directories in responses as placeholders (``<cwd>``, ``<tmp>``, ``<home>``, ``<python>``)
#: and ``uuid4().hex`` values as ``uuid`` ones (with that detector).
#: Older files have neither: they are replayed as they were recorded (``BEFORE_2``).
FORMAT = "contractsnap/2"
#: The formats a scenario's file may have.
_WITH_SCENARIOS = frozenset({"contractsnap/1", FORMAT})
#: The formats without contract debt and machine-path placeholders.
BEFORE_2 = frozenset({"contractsnap/0", "contractsnap/1"})
#: The app's OpenAPI document, stored beside the operation files.
SCHEMA_FILE = "openapi.json"
#: The sub-directory of the snapshot directory that holds the scenario files.
SCENARIO_DIR = "scenarios"
_PREFIX = "contractsnap/"


# -- a parsed value's fields, failing as Python fails -----------------------------------------
# The reader names what is wrong with a file by the error Python raises reading it
# (``missing or malformed field 'request'``, ``... 'int' object is not iterable``): these
# read a field of a parsed JSON value and raise that same error.


def _key(value: JSON, key: str) -> JSON:
    """``value[key]``: a ``KeyError`` naming a missing key, the ``TypeError`` Python raises
    for a value that is not an object."""
    if isinstance(value, dict):
        return value[key]
    if isinstance(value, (list, str)):
        operator.itemgetter(key)(value)  # raises Python's own TypeError, worded per version
    raise TypeError(f"{type(value).__name__!r} object is not subscriptable")


def _each(value: JSON) -> Sequence[JSON]:
    """What ``for item in value`` visits (an object's keys, a text's characters), or the
    ``TypeError`` Python raises for a value that is not iterable."""
    if isinstance(value, list):
        return value
    if isinstance(value, (dict, str)):
        return list(value)
    raise TypeError(f"{type(value).__name__!r} object is not iterable")


def _as_object(value: JSON) -> JSONObject:
    """``value`` as an object, or the ``AttributeError`` ``value.items()`` raises."""
    if isinstance(value, dict):
        return value
    raise AttributeError(f"{type(value).__name__!r} object has no attribute 'items'")


# -- formats -----------------------------------------------------------------------------------


def known_violations(document: Mapping[str, object]) -> list[frozenset[str]]:
    """The checks each case (or step) of a document broke when it was recorded, in order."""
    entries = document.get("cases", document.get("steps"))
    found = []
    for entry in entries if isinstance(entries, list) else ():
        names = entry.get("violations") if isinstance(entry, Mapping) else None
        found.append(frozenset(n for n in names if isinstance(n, str)) if names else frozenset())
    return found


def without_violations(document: Document) -> JSONObject:
    """A document as a format without contract debt has it: what a file of that format is
    compared with."""
    key = "steps" if "steps" in document else "cases"
    entries = [
        {k: v for k, v in entry.items() if k != "violations"}
        for entry in cast(list[JSONObject], document[key])  # type: ignore[literal-required]
    ]
    return {**cast(JSONObject, document), key: cast(JSON, entries)}


def _from_0(document: Mapping[str, JSON]) -> JSONObject:
    """``contractsnap/0``, the pre-release layout: a case kept its request under ``req`` and
    its response under ``resp``; everything else was as in ``contractsnap/1``."""
    cases: list[JSON] = [
        {
            **{k: v for k, v in _as_object(case).items() if k not in ("req", "resp")},
            "request": _key(case, "req"),
            "response": _key(case, "resp"),
        }
        for case in _each(document["cases"])
    ]
    return {**document, "cases": cases}


#: Every format this version reads, with the function that turns a parsed document of that
#: format into the current layout (``FORMAT``). A new format adds an entry here, so files
#: written by an older contractsnap are replayed as they are and rewritten on the next
#: ``--snapshot-update``: an upgrade never forces cases to be generated again.
_SUPPORTED: dict[str, Callable[[Mapping[str, JSON]], JSONObject]] = {
    "contractsnap/0": _from_0,
    "contractsnap/1": dict,
    FORMAT: dict,
}


#: The formats ``read`` and ``upgrade`` accept.
READABLE_FORMATS = frozenset(_SUPPORTED)


def upgrade(document: Mapping[str, JSON]) -> JSONObject:
    """A parsed snapshot document in the current layout, whatever readable format it has.

    Raises ``KeyError`` for a format this version cannot read, and ``KeyError``,
    ``TypeError`` or ``AttributeError`` for a document that does not have the layout its
    format names. The result is not checked yet: ``check`` does that.
    """
    version = document["format"]
    convert = _SUPPORTED.get(version) if isinstance(version, str) else None
    if convert is None:
        raise KeyError(version)
    return {**convert(document), "format": FORMAT}


# -- the shape of a document -------------------------------------------------------------------

#: What a field may hold: a type, or one of several.
_Kind = type[object] | tuple[type[object], ...]
#: The fields of one part of a document: required ones, then optional ones.
_Shape = tuple[Mapping[str, _Kind], Mapping[str, _Kind]]

_TEXT_OR_NULL = (str, type(None))
_OPERATION: _Shape = (
    {"fingerprint": str, "method": str, "operationId": _TEXT_OR_NULL, "path": str},
    {},
)
#: A case without a ``description`` is read, as an empty one. ``Case`` declares it required
#: all the same (contractsnap always writes it): what reads one from a file uses ``.get``.
_CASE: _Shape = (
    {"id": str, "source": str, "request": dict, "response": dict},
    {"description": str, "state": dict, "violations": list},
)
_SCENARIO: _Shape = ({"fingerprint": str, "name": str, "origin": str}, {})
_CARRIED: _Shape = ({"expression": str, "step": int, "value": object}, {})
_STEP: _Shape = (
    {"id": str, "operation": str, "request": dict, "response": dict},
    {"link": str, "state": dict, "violations": list},
)
_REQUEST: _Shape = (
    {"method": str, "path": str},
    {
        "path_parameters": dict,
        "query": dict,
        "headers": dict,
        "cookies": dict,
        "body": object,
        "media_type": _TEXT_OR_NULL,
    },
)


def _misfit(value: JSONObject, shape: _Shape) -> str | None:
    """The first field of ``value`` that is missing or holds the wrong kind of value."""
    required, optional = shape
    for name, kind in required.items():
        if name not in value or not isinstance(value[name], kind):
            return name
    for name, kind in optional.items():
        if name in value and not isinstance(value[name], kind):
            return name
    return None


def _entries_misfit(found: JSON, name: str, shape: _Shape, *, requests: bool) -> str | None:
    """The first misfit of a list of cases or steps (``name`` when it is not a list of
    objects), their requests included when ``requests``."""
    if not isinstance(found, list):
        return name
    for entry in found:
        if not isinstance(entry, dict):
            return name
        problem = _misfit(entry, shape)
        if problem:
            return problem
        request = entry["request"]
        if requests and isinstance(request, dict):  # a dict: checked with ``shape``
            problem = _misfit(request, _REQUEST)
            if problem:
                return problem
    return None


def _operation_misfit(document: JSONObject) -> str | None:
    operation = document.get("operation")
    if not isinstance(operation, dict):
        return "operation"
    return _misfit(operation, _OPERATION) or _entries_misfit(
        document.get("cases"), "cases", _CASE, requests=True
    )


def _scenario_misfit(document: JSONObject, *, requests: bool = True) -> str | None:
    scenario, carried = document.get("scenario"), document.get("carried")
    if not isinstance(scenario, dict):
        return "scenario"
    problem = _misfit(scenario, _SCENARIO)
    if problem:
        return problem
    if not isinstance(carried, dict):
        return "carried"
    for entry in carried.values():
        if not isinstance(entry, dict):
            return "carried"
        problem = _misfit(entry, _CARRIED)
        if problem:
            return problem
    return _entries_misfit(document.get("steps"), "steps", _STEP, requests=requests)


def _misfit_of(document: JSONObject) -> str | None:
    if not isinstance(document.get("format"), str):
        return "format"
    if "scenario" in document:
        return _scenario_misfit(document)
    return _operation_misfit(document)


def check(document: JSONObject) -> Document | None:
    """An upgraded document as the snapshot document it is, or None if it has not the shape
    of one (a hand edit): a scenario's file if it has a ``scenario`` key, else an
    operation's. Values JSON cannot hold are not decoded here (``request_problem``)."""
    if _misfit_of(document) is not None:
        return None
    return cast(Document, document)  # checked: every field the TypedDicts declare


def as_scenario(document: Document) -> ScenarioDocument:
    """A checked document that is not an operation's (``"scenario" in document``; mypy
    narrows only the other way, ``"scenario" not in document``)."""
    if "scenario" not in document:
        raise TypeError("an operation's document is not a scenario's")
    return cast(ScenarioDocument, document)  # checked above and by ``check``


# -- reading -----------------------------------------------------------------------------------


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
    responses: tuple[Response, ...]
    #: The file's document in the current layout (upgraded if it was older).
    document: OperationDocument
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


def _malformed(path: Path, field: str | None) -> None:
    """Refuse a file whose field ``field`` is missing or holds the wrong kind of value."""
    if field is not None:
        raise _fail(path, f"missing or malformed field {field!r}")


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


def _parse(path: Path) -> tuple[JSONObject, str]:
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
        upgraded = upgrade(raw)
        operation = upgraded["operation"]
        requests: list[JSON] = []
        for case in _each(upgraded["cases"]):
            _key(case, "source")
            requests.append(_key(case, "request"))
        for case in _each(upgraded["cases"]):
            _key(case, "response")
        for field in ("method", "path", "fingerprint"):
            _key(operation, field)
    except (KeyError, TypeError, AttributeError) as exc:  # AttributeError: a case not an object
        raise _fail(path, f"missing or malformed field {exc}") from None
    for request in requests:
        problem = request_problem(request)
        if problem:
            raise _fail(path, f"a case {problem}")
    _malformed(path, _operation_misfit(upgraded))
    document = cast(OperationDocument, upgraded)  # checked by _operation_misfit
    cases = document["cases"]
    return StoredSnapshot(
        path=path,
        method=document["operation"]["method"],
        path_template=document["operation"]["path"],
        fingerprint=document["operation"]["fingerprint"],
        cases=tuple(
            FrozenCase(
                source=c["source"], description=c.get("description", ""), request=c["request"]
            )
            for c in cases
        ),
        responses=tuple(c["response"] for c in cases),
        document=document,
        version=version,
    )


def request_problem(request: object) -> str | None:
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


def entries(document: Document) -> Sequence[Case | Step]:
    """What a checked document holds: an operation's ``cases`` or a scenario's ``steps``."""
    if "scenario" not in document:
        return document["cases"]
    return as_scenario(document)["steps"]


@dataclasses.dataclass(frozen=True)
class StoredScenario:
    """A scenario file as read back: the stored requests of its steps, placeholders kept."""

    fingerprint: str
    requests: tuple[Request, ...]
    #: The file's document, its ``format`` the current one (a scenario's layout has not
    #: changed since scenarios came, in ``contractsnap/1``).
    document: ScenarioDocument
    #: The format the file is written in; older than ``FORMAT`` until the next update.
    version: str = FORMAT


def read_scenario(path: Path) -> StoredScenario:
    """Parse and validate a scenario file; every problem is a ``SnapshotFileError``.

    The fields of its requests are the policy's to check, with ``request_problem``, before
    a stored request is sent: a file stale for its scenario is recorded again whatever its
    requests hold, and a request's problem is told with the step it belongs to.
    """
    raw, version = _parse(path)
    if version not in _WITH_SCENARIOS:
        raise _fail(path, f"format {version} has no scenarios")
    try:
        _key(raw["scenario"], "fingerprint")
        steps = _each(raw["steps"])
        requests = [_key(step, "request") for step in steps]
        if not all(isinstance(r, dict) and "method" in r for r in requests):
            raise _fail(path, "a step has no request method")
        if not all(isinstance(s, dict) and isinstance(s.get("response"), dict) for s in steps):
            raise _fail(path, "a step has no response")
    except (KeyError, TypeError, AttributeError) as exc:
        raise _fail(path, f"missing or malformed field {exc}") from None
    _malformed(path, _scenario_misfit(raw, requests=False))
    # Checked by _scenario_misfit; a step's request is a JSON object with a method, and the
    # policy checks the rest (request_problem) before it sends it, as the docstring says.
    document = cast(ScenarioDocument, {**raw, "format": FORMAT})
    return StoredScenario(
        document["scenario"]["fingerprint"],
        tuple(step["request"] for step in document["steps"]),
        document,
        version,
    )


# -- writing -----------------------------------------------------------------------------------


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
    def dirname(cls, *, test_location: PyTestLocation) -> str:
        return str(cls.directory)

    @classmethod
    def get_file_basename(cls, *, test_location: PyTestLocation, index: SnapshotIndex) -> str:
        return str(index)

    @classmethod
    def matches_test_location(
        cls, *, test_location: PyTestLocation, snapshot_location: str
    ) -> bool:
        return True  # files are named after operations, not tests (syrupy >= 7)

    def discover_snapshots(
        self, *, test_location: PyTestLocation, ignore_extensions: list[str] | None = None
    ) -> SnapshotCollections:
        # syrupy ties files to test names and would delete the files of deselected, skipped
        # or crashed tests; contractsnap finds orphans from the schema instead.
        return SnapshotCollections()

    def serialize(
        self,
        data: object,
        *,
        exclude: PropertyFilter | None = None,
        include: PropertyFilter | None = None,
        matcher: PropertyMatcher | None = None,
    ) -> str:
        return dumps(data)

    def diff_lines(
        self, serialized_data: SerializedData, snapshot_data: SerializedData
    ) -> Iterator[str]:
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
        cls,
        *,
        snapshot_location: str,
        snapshots: list[tuple[SerializedData, PyTestLocation, SnapshotIndex]],
        name_order: dict[str, int] | None = None,
    ) -> None:
        with warnings.catch_warnings():  # syrupy 6 warns it cannot relate the file to a test
            warnings.filterwarnings("ignore", message=r"\s*Can not relate snapshot")
            super().write_snapshot(
                snapshot_location=snapshot_location, snapshots=snapshots, name_order=name_order
            )

    @classmethod
    def write_snapshot_collection(
        cls, *, snapshot_collection: SnapshotCollection, name_order: dict[str, int] | None = None
    ) -> None:
        for snapshot in snapshot_collection:
            atomic_write(Path(snapshot_collection.location), str(snapshot.data))
