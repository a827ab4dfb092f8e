"""Pending snapshots: a failing comparison's new result, kept beside the snapshot for review.

``snapshots/GET_books.json`` gets ``snapshots/GET_books.json.pending`` (git-ignore
``*.pending``): the whole new document, in the snapshot format. Outside CI a failing gate
run writes it; in CI nothing is written and a pending file is itself a failure. The review
verbs accept or reject changed cases one at a time (a case has changed when its response
or the state it changed did); accepting a case rewrites only that case of the snapshot file.

A scenario's file ``snapshots/scenarios/NAME.json`` gets its pending file beside it, listed
one changed step at a time (``scenario NAME#STEP_ID``): a step has changed when its
response, the state it changed or a value carried from its answer did. A scenario is
accepted or rejected as a whole, though: its steps depend on each other (a later step sends
what an earlier one answered), so a file mixing old and new steps would record an exchange
that never happened. Any chosen step of a scenario decides all its changed steps, and the
review verbs say so.
"""

from __future__ import annotations

import dataclasses
import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypedDict

from . import _report, _snapshot
from ._canonical import dumps
from ._documents import (
    Carried,
    Case,
    Document,
    OperationDocument,
    Request,
    Response,
    ScenarioDocument,
    State,
    Step,
)
from ._errors import SnapshotFileError

SUFFIX = ".pending"


def pending_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + SUFFIX)


def write(snapshot: Path, document: Document) -> None:
    _snapshot.atomic_write(pending_path(snapshot), dumps(document))


def discard(snapshot: Path) -> None:
    pending_path(snapshot).unlink(missing_ok=True)


def files(directory: Path) -> list[Path]:
    """The pending files of a snapshot directory: operations', then scenarios' (and the
    OpenAPI document's, last)."""
    if not directory.is_dir():
        return []
    pattern = f"*.json{SUFFIX}"
    schema = schema_pending(directory)
    found = [p for p in sorted(directory.glob(pattern)) if p != schema]
    found += sorted((directory / _snapshot.SCENARIO_DIR).glob(pattern))
    return found + ([schema] if schema.exists() else [])


def schema_pending(directory: Path) -> Path:
    """Where a gate leaves the newer OpenAPI document the pending changes come from."""
    return pending_path(directory / _snapshot.SCHEMA_FILE)


def settle_schema(directory: Path, *, accepted: bool) -> bool:
    """After ``accept``/``reject``: an accept records the newer document too; it is dropped
    once no pending change is left. True if the document was recorded."""
    schema = schema_pending(directory)
    if not schema.exists():
        return False
    recorded = False
    if accepted:
        _snapshot.atomic_write(directory / _snapshot.SCHEMA_FILE, schema.read_text("utf-8"))
        recorded = True
    if accepted or files(directory) == [schema]:
        schema.unlink()
    return recorded


def shown(path: Path) -> str:
    """How messages name a file: ``NAME.json``, or ``snapshots/scenarios/NAME.json``."""
    return path.name if path.parent.name != _snapshot.SCENARIO_DIR else _snapshot.in_directory(path)


class _Answer(TypedDict):
    response: Response


class Result(_Answer, total=False):
    """What review compares of a case or step: its response, the state it changed and the
    values carried from its answer to later steps (the last two only when there are any)."""

    state: State
    carried: dict[str, Carried]


@dataclasses.dataclass(frozen=True)
class Change:
    """One pending case or scenario step: its key, the request, and the old and new
    responses (with the state change and carried values, when there are any)."""

    key: str
    snapshot: Path
    case_id: str
    title: str
    request: Request
    old: Response | Result | None
    new: Response | Result
    #: The scenario's label, for a step: deciding it decides the whole scenario.
    scenario: str | None = None

    def render(self, *, colour: bool = False) -> str:
        lines = [
            f"{self.key}  {self.title}",
            *_report.indent(_report.request_line(self.request).splitlines(), "  "),
        ]
        if self.scenario:
            lines.append(
                f"  (accepting or rejecting it decides all changed steps of {self.scenario}: "
                "its steps depend on each other)"
            )
        diff = _report.json_diff(self.old, self.new)
        if colour:
            diff = [_COLOURS.get(line[:1], "{}").format(line) for line in diff]
        return "\n".join(lines + _report.indent(diff, "  "))


_COLOURS = {"-": "\x1b[31m{}\x1b[0m", "+": "\x1b[32m{}\x1b[0m", "@": "\x1b[36m{}\x1b[0m"}


def _load(path: Path) -> Document:
    try:
        raw = _snapshot.load(path)
    except (OSError, ValueError) as exc:
        raise SnapshotFileError(f"{shown(path)}: cannot be read ({exc}); delete it") from None
    try:  # a file of an older format is reviewed (and rewritten) in the current layout
        document = _snapshot.check(_snapshot.upgrade(raw)) if isinstance(raw, dict) else None
    except (KeyError, TypeError, AttributeError):
        document = None
    if document is None:
        raise SnapshotFileError(f"{shown(path)}: not a contractsnap document; delete it")
    return document


def _load_operation(path: Path) -> OperationDocument:
    """An operation's file (a change of one that is not a scenario's step is of one)."""
    document = _load(path)
    if "scenario" in document:
        raise SnapshotFileError(f"{shown(path)}: not a contractsnap document; delete it")
    return document


def _label(document: OperationDocument) -> str:
    operation = document["operation"]
    return f"{operation['method']} {operation['path']}"


def changes(directory: Path) -> Iterator[Change]:
    """Every changed case or step of every pending file, in a stable order."""
    for pending in files(directory):
        if pending != schema_pending(directory):
            yield from _changes_of(pending)


def _changes_of(pending: Path) -> Iterator[Change]:
    snapshot = pending.with_name(pending.name.removesuffix(SUFFIX))
    if not snapshot.exists():
        gone = (
            "the scenario is no longer defined"
            if pending.parent.name == _snapshot.SCENARIO_DIR
            else "the operation left the schema"
        )
        raise SnapshotFileError(
            f"{shown(pending)}: its snapshot {shown(snapshot)} no longer exists ({gone}); "
            "delete the pending file"
        )
    new = _load(pending)
    old = _load(snapshot)
    _check_same_cases(pending, new, old)
    if "scenario" not in new:
        yield from _cases(snapshot, new, old)
    else:
        yield from _steps(snapshot, _snapshot.as_scenario(new), old)


def _cases(snapshot: Path, new: OperationDocument, old: Document) -> Iterator[Change]:
    """The changed cases of an operation's pending file."""
    before = {case["id"]: case for case in _snapshot.entries(old)}
    for index, case in enumerate(new["cases"], 1):
        previous = before.get(case["id"])
        was = None if previous is None else _result(previous)
        now = _result(case)
        if was == now:
            continue
        shown_old, shown_new = _compact(was, now)
        yield Change(
            key=f"{_label(new)}#{case['id']}",
            snapshot=snapshot,
            case_id=case["id"],
            title=_report.case_title(
                index, len(new["cases"]), case["id"], case["source"], case.get("description", "")
            ),
            request=case["request"],
            old=shown_old,
            new=shown_new,
        )


def _steps(snapshot: Path, new: ScenarioDocument, old: Document) -> Iterator[Change]:
    """The changed steps of a scenario's pending file."""
    label = f"scenario {new['scenario']['name']}"
    steps = new["steps"]
    before = {step["id"]: step for step in _snapshot.entries(old)}
    for number, step in enumerate(steps, 1):
        previous = before.get(step["id"])
        was = None if previous is None else _result(previous, _carried(old, number))
        now = _result(step, _carried(new, number))
        if was == now:
            continue
        shown_old, shown_new = _compact(was, now)
        via = f" (link {step['link']})" if step.get("link") else ""
        yield Change(
            key=f"{label}#{step['id']}",
            snapshot=snapshot,
            case_id=step["id"],
            title=f"step {number}/{len(steps)}: {step['operation']}{via}",
            request=step["request"],
            old=shown_old,
            new=shown_new,
            scenario=label,
        )


def _carried(document: Document, number: int) -> dict[str, Carried]:
    """The values a scenario carries from the answer of its step ``number``."""
    if "scenario" not in document:
        return {}
    carried = _snapshot.as_scenario(document)["carried"]
    return {name: entry for name, entry in carried.items() if entry["step"] == number}


def _result(entry: Case | Step, carried: Mapping[str, Carried] | None = None) -> Result:
    """What review compares of a case or step: its response, the state it changed and the
    values carried from its answer to later steps."""
    result: Result = {"response": entry["response"]}
    state = entry.get("state")
    if state:
        result["state"] = state
    if carried:
        result["carried"] = dict(carried)
    return result


def _compact(old: Result | None, new: Result) -> tuple[Response | Result | None, Response | Result]:
    """What a diff shows: the responses alone, unless a state or carried value is there."""
    if all(found is None or set(found) == {"response"} for found in (old, new)):
        return (None if old is None else old["response"]), new["response"]
    return old, new


def _check_same_cases(pending: Path, new: Document, old: Document) -> None:
    ids = [[entry["id"] for entry in _snapshot.entries(document)] for document in (new, old)]
    if ids[1] and ids[0] != ids[1]:
        what = "steps" if "scenario" in new else "cases"
        raise SnapshotFileError(
            f"{shown(pending)}: its {what} are not those of {pending.name.removesuffix(SUFFIX)} "
            "(the snapshot was re-recorded since); reject it and run the gate again"
        )


def select(all_changes: Iterable[Change], patterns: Iterable[str]) -> list[Change]:
    """Changes whose key matches any pattern (shell wildcards); all of them without patterns."""
    wanted = list(patterns)
    return [
        c for c in all_changes if not wanted or any(fnmatch.fnmatchcase(c.key, p) for p in wanted)
    ]


def resolve(chosen: Iterable[Change], *, accept: bool) -> int:
    """Accept (copy into the snapshot) or reject (drop) the chosen changes; return how many.

    The pending file keeps the changes not chosen, and goes once none is left. A scenario
    is decided whole: any chosen step resolves all its changed steps (counted in the total).
    """
    by_file: dict[Path, set[str]] = {}
    whole: set[Path] = set()
    for change in chosen:
        by_file.setdefault(change.snapshot, set()).add(change.case_id)
        if change.scenario:
            whole.add(change.snapshot)
    count = 0
    for snapshot, ids in by_file.items():
        pending = pending_path(snapshot)
        if snapshot in whole:
            count += len(list(_changes_of(pending)))
            if accept:
                _snapshot.atomic_write(snapshot, dumps(_load(pending)))
            pending.unlink()
            continue
        count += len(ids)
        new, old = _load_operation(pending), _load_operation(snapshot)
        source, target = (new, old) if accept else (old, new)
        chosen_cases = {c["id"]: c for c in source["cases"] if c["id"] in ids}
        target["cases"] = [chosen_cases.get(c["id"], c) for c in target["cases"]]
        done = new["cases"] == old["cases"]
        if accept:
            _snapshot.atomic_write(snapshot, dumps(new if done else old))
        if done:
            pending.unlink()
        else:
            _snapshot.atomic_write(pending, dumps(new))
    return count
