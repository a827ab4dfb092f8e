"""Pending snapshots: a failing comparison's new result, kept beside the snapshot for review.

``snapshots/GET_books.json`` gets ``snapshots/GET_books.json.pending`` (git-ignore
``*.pending``): the whole new document, in the snapshot format. Outside CI a failing gate
run writes it; in CI nothing is written and a pending file is itself a failure. The review
verbs accept or reject changed cases one at a time; accepting a case rewrites only that
case of the snapshot file.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from . import _report, _snapshot
from ._errors import SnapshotFileError

SUFFIX = ".pending"


def in_ci() -> bool:
    """Whether the ``CI`` environment variable says this is a CI run."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pending_path(snapshot: Path) -> Path:
    return snapshot.with_name(snapshot.name + SUFFIX)


def write(snapshot: Path, document: Mapping[str, Any]) -> None:
    _snapshot.atomic_write(pending_path(snapshot), _snapshot.dumps(document))


def discard(snapshot: Path) -> None:
    pending_path(snapshot).unlink(missing_ok=True)


def files(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*.json{SUFFIX}")) if directory.is_dir() else []


@dataclasses.dataclass(frozen=True)
class Change:
    """One pending case: its key, the request, and the old and new responses."""

    key: str
    snapshot: Path
    case_id: str
    title: str
    request: Mapping[str, Any]
    old: Any
    new: Any

    def render(self, *, colour: bool = False) -> str:
        lines = [
            f"{self.key}  {self.title}",
            *_report.indent(_report.request_line(self.request).splitlines(), "  "),
        ]
        diff = _report.json_diff(self.old, self.new)
        if colour:
            diff = [_COLOURS.get(line[:1], "{}").format(line) for line in diff]
        return "\n".join(lines + _report.indent(diff, "  "))


_COLOURS = {"-": "\x1b[31m{}\x1b[0m", "+": "\x1b[32m{}\x1b[0m", "@": "\x1b[36m{}\x1b[0m"}


def _load(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SnapshotFileError(f"{path.name}: cannot be read ({exc}); delete it") from None
    try:  # a file of an older format is reviewed (and rewritten) in the current layout
        document = _snapshot.upgrade(document)
    except (KeyError, TypeError, AttributeError):
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("cases"), list):
        raise SnapshotFileError(f"{path.name}: not a contractsnap document; delete it")
    return document


def _label(document: Mapping[str, Any]) -> str:
    operation = document.get("operation", {})
    return f"{operation.get('method')} {operation.get('path')}"


def changes(directory: Path) -> Iterator[Change]:
    """Every changed case of every pending file, in a stable order."""
    for pending in files(directory):
        snapshot = pending.with_name(pending.name.removesuffix(SUFFIX))
        if not snapshot.exists():
            raise SnapshotFileError(
                f"{pending.name}: its snapshot {snapshot.name} no longer exists (the operation "
                "left the schema); delete the pending file"
            )
        new = _load(pending)
        old = _load(snapshot)
        _check_same_cases(pending, new, old)
        before = {case["id"]: case for case in old["cases"]}
        for index, case in enumerate(new["cases"], 1):
            previous = before.get(case["id"])
            if previous is not None and previous.get("response") == case.get("response"):
                continue
            yield Change(
                key=f"{_label(new)}#{case['id']}",
                snapshot=snapshot,
                case_id=case["id"],
                title=_report.case_title(
                    index,
                    len(new["cases"]),
                    case["id"],
                    case.get("source", ""),
                    case.get("description", ""),
                ),
                request=case["request"],
                old=None if previous is None else previous.get("response"),
                new=case.get("response"),
            )


def _check_same_cases(pending: Path, new: Mapping[str, Any], old: Mapping[str, Any]) -> None:
    if old.get("cases") and [c["id"] for c in new["cases"]] != [c["id"] for c in old["cases"]]:
        raise SnapshotFileError(
            f"{pending.name}: its cases are not those of {pending.name.removesuffix(SUFFIX)} "
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

    The pending file keeps the changes not chosen, and goes once none is left.
    """
    by_file: dict[Path, set[str]] = {}
    for change in chosen:
        by_file.setdefault(change.snapshot, set()).add(change.case_id)
    for snapshot, ids in by_file.items():
        pending = pending_path(snapshot)
        new, old = _load(pending), _load(snapshot)
        source, target = (new, old) if accept else (old, new)
        chosen_cases = {c["id"]: c for c in source["cases"] if c["id"] in ids}
        target["cases"] = [chosen_cases.get(c["id"], c) for c in target["cases"]]
        done = new["cases"] == old["cases"]
        if accept:
            _snapshot.atomic_write(snapshot, _snapshot.dumps(new if done else old))
        if done:
            pending.unlink()
        else:
            _snapshot.atomic_write(pending, _snapshot.dumps(new))
    return sum(len(ids) for ids in by_file.values())
