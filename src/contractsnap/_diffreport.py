"""The pull-request report: snapshot changes between two git refs, classified and grouped.

Each difference between the base and head snapshot files is a finding of one level:

- **breaking**: an operation removed, a status code changed (a success turned into an
  error included), a response field removed or its type changed, a header removed;
- **changed**: same shape, other values; a case removed; another state change (probes);
- **additive**: a new operation, a new case, a new field or header;
- **cosmetic**: the same data in another layout.

Identical findings across cases and operations are grouped (``field $.discount added: 37
cases in 9 operations``) with one example diff, so a change that touches hundreds of
snapshots still reads on one screen.

Scenario files (``scenarios/NAME.json``) are compared the same way, their steps taking the
place of cases, under the scenario's label (``scenario NAME``): a step's changes are
classified like a case's, a new scenario is additive and a removed one changed (its
operations are still there).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import subprocess
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from . import _openapi, _pending, _report, _schemadiff, _snapshot
from ._canonical import JSON
from ._documents import Case, Document, JSONObject, Response, Step
from ._errors import ContractsnapError
from ._selectors import path_to_selector
from ._snapshot import READABLE_FORMATS, SCENARIO_DIR, SCHEMA_FILE, as_scenario, entries, upgrade

LEVELS = ("breaking", "changed", "additive", "cosmetic")
Documents = dict[str, Document]
#: A value an ``enum`` of an OpenAPI document declares, as the report compares them.
EnumValue = str | int


@dataclasses.dataclass(frozen=True)
class Finding:
    level: str
    what: str
    operation: str
    case: str | None = None
    example: tuple[str, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Stable across commits and cases: the level, the change and the operation."""
        key = f"{self.level}|{self.what}|{self.operation}"
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    @property
    def subject(self) -> str:
        """What ignore-file patterns match: ``"GET /books: field `$.x` removed"``."""
        return f"{self.operation}: {self.what}"


def read_ignores(path: Path) -> list[str]:
    """Entries of an ignore file: fingerprints or wildcard patterns, `#` comments."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ContractsnapError(f"ignore file {path}: {exc.strerror}") from None
    return [
        line.split(" #")[0].strip() for line in lines if line.strip() and not line.startswith("#")
    ]


def ignored(finding: Finding, entries: Sequence[str]) -> bool:
    return any(
        entry == finding.fingerprint or fnmatch.fnmatchcase(finding.subject, entry)
        for entry in entries
    )


@dataclasses.dataclass
class Group:
    level: str
    what: str
    findings: list[Finding]

    @property
    def operations(self) -> list[str]:
        return sorted({f.operation for f in self.findings})

    @property
    def cases(self) -> int:
        return len({(f.operation, f.case) for f in self.findings if f.case is not None})

    @property
    def scope(self) -> str:
        """``3 cases in 2 operations`` (steps and scenarios for scenarios)."""
        scenarios = all(op.startswith("scenario ") for op in self.operations)
        cases = _report.plural(self.cases, "step" if scenarios else "case") + " in "
        return (cases if self.cases else "") + _report.plural(
            len(self.operations), "scenario" if scenarios else "operation"
        )


# -- reading snapshots from git and from the working tree ------------------------------------


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise ContractsnapError("git is not installed or not on PATH") from None
    if done.returncode != 0:
        raise ContractsnapError(
            done.stderr.strip().splitlines()[-1] if done.stderr else "git failed"
        )
    return done.stdout


def git_root(start: Path) -> Path:
    try:
        return Path(_git(start, "rev-parse", "--show-toplevel").strip())
    except ContractsnapError:
        raise ContractsnapError(
            f"{start} is not inside a git repository; run the report in the project's checkout"
        ) from None


def documents_at(root: Path, ref: str, directory: Path) -> tuple[Documents, dict[str, str]]:
    """The snapshot documents of ``directory`` as committed at ``ref``, and their texts."""
    try:
        _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except ContractsnapError:
        raise ContractsnapError(
            f"unknown git ref {ref!r}; name a branch, tag or commit that exists here "
            f"(in CI, fetch it first: git fetch origin {ref})"
        ) from None
    relative = directory.resolve().relative_to(root.resolve()).as_posix()
    names = _git(root, "ls-tree", "-r", "--name-only", ref, "--", relative).splitlines()
    prefix = "" if relative == "." else f"{relative}/"
    found: Documents = {}
    texts: dict[str, str] = {}
    for name in names:
        key = name.removeprefix(prefix)
        if key.endswith(".json") and ("/" not in key or _in_scenarios(key)):
            text = _git(root, "show", f"{ref}:{name}")
            document = _parse(text, f"{name} at {ref}")
            if document is not None:
                found[key] = document
                texts[key] = text
    return found, texts


def schema_at(root: Path, ref: str, directory: Path) -> JSONObject | None:
    """The OpenAPI document recorded at ``ref``, if the snapshots had one then."""
    relative = (directory.resolve() / SCHEMA_FILE).relative_to(root.resolve()).as_posix()
    if not _git(root, "ls-tree", "--name-only", ref, "--", relative).strip():
        return None
    return _schema(_git(root, "show", f"{ref}:{relative}"), f"{relative} at {ref}")


def schema_in(directory: Path) -> JSONObject | None:
    path = directory / SCHEMA_FILE
    return _schema(_snapshot.read_text(path), path.name) if path.exists() else None


def _schema(text: str, where: str) -> JSONObject:
    try:
        document = _snapshot.loads(text)
    except ValueError as exc:
        raise ContractsnapError(f"{where}: not valid JSON ({exc}); record it again") from None
    if not isinstance(document, dict):
        raise ContractsnapError(f"{where}: not an OpenAPI document; record it again")
    return document


def schema_findings(
    base: JSONObject | None, head: JSONObject | None, snapshots: Sequence[Finding] = ()
) -> list[Finding]:
    """The OpenAPI changes, as findings (``schema:`` in front of what changed), but an
    operation's removal that the ``snapshots`` findings report already."""
    if base is None or head is None:
        return []
    removed = {f.operation for f in snapshots if f.what == "operation removed"}
    return [
        Finding(level, f"schema: {what}", label)
        for level, what, label in _schemadiff.compare(base, head)
        if not (what == "operation removed from the schema" and label in removed)
    ]


def operations_of(schema: JSONObject | None) -> frozenset[str] | None:
    """The ``METHOD /path`` labels of a document's operations (None: no document)."""
    if schema is None:
        return None
    return frozenset(f"{m.upper()} {p}" for p, m, _, _ in _openapi.operations(schema))


#: Where scenario files are, relative to the snapshot directory.
_SCENARIOS = f"{SCENARIO_DIR}/"


def _in_scenarios(key: str) -> bool:
    return key.startswith(_SCENARIOS) and "/" not in key.removeprefix(_SCENARIOS)


def documents_in(directory: Path) -> tuple[Documents, dict[str, str]]:
    """The snapshot documents in the working tree, and their texts."""
    found: Documents = {}
    texts: dict[str, str] = {}
    paths = [*directory.glob("*.json"), *directory.glob(f"{_SCENARIOS}*.json")]
    for path in sorted(paths) if directory.is_dir() else []:
        key = path.relative_to(directory).as_posix()
        try:
            text = _snapshot.read_text(path)
        except UnicodeDecodeError:
            continue  # not text, so not a snapshot file: not ours to report on
        document = _parse(text, key)
        if document is not None:
            found[key] = document
            texts[key] = text
    return found, texts


def pending_in(directory: Path) -> Documents:
    """The pending documents of the working tree, keyed by the file each would replace."""
    found: Documents = {}
    for path in _pending.files(directory):
        if path == _pending.schema_pending(directory):
            continue
        key = path.relative_to(directory).as_posix().removesuffix(_pending.SUFFIX)
        document = _parse(_snapshot.read_text(path), path.relative_to(directory).as_posix())
        if document is not None:
            found[key] = document
    return found


def _parse(text: str, where: str) -> Document | None:
    try:
        document = _snapshot.loads(text)
    except ValueError as exc:
        raise ContractsnapError(
            f"{where}: not valid JSON ({exc}); fix or restore the file before reporting"
        ) from None
    if not isinstance(document, dict):
        return None
    version = document.get("format")
    if not (isinstance(version, str) and version.startswith("contractsnap/")):
        return None  # not a snapshot file: not ours to report on
    if version not in READABLE_FORMATS:
        raise ContractsnapError(
            f"{where}: written in format {version!r}, which this contractsnap does not read "
            f"({', '.join(sorted(READABLE_FORMATS))}); upgrade contractsnap"
        )
    try:  # an older format is compared in the current layout
        upgraded = upgrade(document)
    except (KeyError, TypeError, AttributeError):
        upgraded = {}  # reported as broken below
    checked = _snapshot.check(upgraded)
    if checked is None:
        what = "a scenario, and steps" if "scenario" in upgraded else "an operation, and cases"
        raise ContractsnapError(
            f"{where}: a hand-edited or broken snapshot ({what} with id, request and "
            "response, are required); restore it or record it again"
        )
    return checked


# -- comparing -------------------------------------------------------------------------------


def label(document: Document) -> str:
    """``METHOD /path`` of an operation's file, ``scenario NAME`` of a scenario's."""
    if "scenario" not in document:
        operation = document["operation"]
        return f"{operation['method']} {operation['path']}"
    return f"scenario {as_scenario(document)['scenario']['name']}"


def _kind(value: JSON) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), "value")


def _body(old: JSON, new: JSON, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str, str]]:
    where = path_to_selector(path)
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) - set(new)):
            yield "breaking", f"field `{path_to_selector((*path, key))}` removed"
        for key in sorted(set(new) - set(old)):
            yield "additive", f"field `{path_to_selector((*path, key))}` added"
        for key in sorted(set(old) & set(new)):
            yield from _body(old[key], new[key], (*path, key))
    elif isinstance(old, list) and isinstance(new, list):
        for index, (a, b) in enumerate(zip(old, new, strict=False)):  # shorter list
            yield from _body(a, b, (*path, index))
        if len(old) != len(new):
            yield "changed", f"`{where}` has {len(new)} items instead of {len(old)}"
    elif old != new or type(old) is not type(new):
        kinds = (_kind(old), _kind(new))
        if kinds[0] != kinds[1] and "null" not in kinds:
            yield "breaking", f"type of `{where}` changed from {kinds[0]} to {kinds[1]}"
        else:
            yield "changed", f"value of `{where}` changed"


def _headers(response: Response) -> JSONObject:
    """A response's headers (none if the file holds anything but an object there)."""
    headers = response.get("headers", {})
    return headers if isinstance(headers, dict) else {}


def _response(old: Response, new: Response) -> Iterator[tuple[str, str]]:
    before, after = old.get("status"), new.get("status")
    if before != after:
        if isinstance(before, int) and isinstance(after, int) and before < 400 <= after:
            yield "breaking", f"a success became an error ({before} -> {after})"
        else:
            yield "breaking", f"status {before} -> {after}"
        return  # another status answers with another body: the body is not comparable
    old_headers, new_headers = _headers(old), _headers(new)
    for name in sorted(set(old_headers) - set(new_headers)):
        yield "breaking", f"header `{name}` removed"
    for name in sorted(set(new_headers) - set(old_headers)):
        yield "additive", f"header `{name}` added"
    for name in sorted(set(old_headers) & set(new_headers)):
        if old_headers[name] != new_headers[name]:
            yield "changed", f"header `{name}` changed"
    if "body" in old or "body" in new:
        yield from _body(old.get("body"), new.get("body"))
    for kind in ("text", "binary"):
        if old.get(kind) != new.get(kind):
            yield "changed", f"{kind} body changed"


def declared_enums(schema: JSONObject | None) -> frozenset[EnumValue]:
    """Every value an ``enum`` of the OpenAPI document declares."""
    found: set[EnumValue] = set()
    stack: list[JSON] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            declared = node.get("enum")
            if isinstance(declared, list):
                found.update(v for v in declared if isinstance(v, (str, int, bool)))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return frozenset(found)


def _values(document: Document, enums: frozenset[EnumValue]) -> dict[str, set[EnumValue]]:
    """Enum values each response path of an operation returns, across its cases."""
    found: dict[str, set[EnumValue]] = {}

    def walk(value: JSON, path: tuple[str | int, ...]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*path, index))
        elif isinstance(value, (str, int, bool)) and value in enums:
            found.setdefault(path_to_selector(path), set()).add(value)

    for case in entries(document):
        walk(case["response"].get("body"), ())
    return found


def _enums_gone(old: Document, new: Document, enums: frozenset[EnumValue]) -> list[Finding]:
    before, after = _values(old, enums), _values(new, enums)
    return [
        Finding("breaking", f"enum value {value!r} of `{where}` no longer returned", label(new))
        for where in sorted(set(before) & set(after))
        for value in sorted(before[where] - after[where], key=repr)
    ]


def compare(
    base: Documents,
    head: Documents,
    base_text: Mapping[str, str] | None = None,
    head_text: Mapping[str, str] | None = None,
    enums: frozenset[EnumValue] = frozenset(),
    head_operations: frozenset[str] | None = None,
) -> list[Finding]:
    """Every finding between two sets of snapshot documents, keyed by file name.

    ``enums`` are the values the base schema declares in enums: one that an operation's
    responses returned at a path and no longer return there is a breaking change.
    ``head_operations`` are the labels of the head's schema (None: unknown): a file gone
    while its operation is still there is a deleted file, not a removed operation.
    """
    findings: list[Finding] = []
    for name in sorted(set(base) | set(head)):
        old, new = base.get(name), head.get(name)
        if old is None and new is not None:
            what = "new scenario" if "scenario" in new else "new operation"
            findings.append(Finding("additive", what, label(new)))
            continue
        if new is None and old is not None:
            if "scenario" in old:
                findings.append(Finding("changed", "scenario removed", label(old)))
            elif head_operations is not None and label(old) in head_operations:
                findings.append(Finding("changed", "snapshot file deleted", label(old)))
            else:
                findings.append(Finding("breaking", "operation removed", label(old)))
            continue
        assert old is not None
        assert new is not None
        findings += _operation(old, new)
        findings += _enums_gone(old, new, enums)
        if old == new and base_text and head_text and base_text.get(name) != head_text.get(name):
            findings.append(Finding("cosmetic", "layout only (same data)", label(new)))
    return findings


def _operation(old: Document, new: Document) -> list[Finding]:
    name = label(new)
    kind = "step" if "scenario" in new else "case"
    found: list[Finding] = []
    before = {c["id"]: c for c in entries(old)}
    after = {c["id"]: c for c in entries(new)}
    for case_id in [c["id"] for c in entries(new) if c["id"] not in before]:
        found.append(Finding("additive", f"new {kind}", name, case_id))
    for case_id in [c["id"] for c in entries(old) if c["id"] not in after]:
        found.append(Finding("changed", f"{kind} removed", name, case_id))
    for case_id, case in after.items():
        if case_id in before:
            found += _state(before[case_id], case, name)
            found += _violations(before[case_id], case, name)
        if case_id not in before or before[case_id]["response"] == case["response"]:
            continue
        example = tuple(
            [
                _report.request_line(case["request"]).splitlines()[0],
                *_report.json_diff(before[case_id]["response"], case["response"])[2:],
            ]
        )
        # One finding per kind of change in a case, however many list items show it.
        for level, what in dict.fromkeys(_response(before[case_id]["response"], case["response"])):
            found.append(Finding(level, what, name, case_id, example))
    return found


def _violations(old: Case | Step, new: Case | Step, label: str) -> list[Finding]:
    """Contract debt paid (a check the case no longer breaks) or taken on (a new one)."""
    before, after = set(old.get("violations") or ()), set(new.get("violations") or ())
    found = [
        Finding("additive", f"contract violation fixed: `{check}`", label, new["id"])
        for check in sorted(before - after)
    ]
    found += [
        Finding("breaking", f"contract violation recorded: `{check}`", label, new["id"])
        for check in sorted(after - before)
    ]
    return found


def debt(documents: Documents) -> dict[str, dict[str, int]]:
    """The contract debt the snapshots record: by operation (or scenario), the cases (or
    steps) that break each check."""
    found: dict[str, dict[str, int]] = {}
    for name in sorted(documents):
        document = documents[name]
        for checks in _snapshot.known_violations(document):
            for check in sorted(checks):
                counts = found.setdefault(label(document), {})
                counts[check] = counts.get(check, 0) + 1
    return found


def debt_summary(owed: Mapping[str, Mapping[str, int]]) -> str:
    """``7 known violations in 3 operations, recorded in the snapshots (...)``."""
    total = sum(sum(counts.values()) for counts in owed.values())
    return (
        f"{_report.plural(total, 'known violation')} in {_report.plural(len(owed), 'operation')}"
        ", recorded in the snapshots (a gate fails on new ones only)"
    )


def debt_lines(documents: Documents, head_ref: str) -> list[str]:
    """The contract debt at ``head_ref``, as a Markdown section (nothing if there is none)."""
    owed = debt(documents)
    if not owed:
        return []
    out = [
        "",
        f"### Contract debt at `{head_ref}`",
        "",
        f"{debt_summary(owed)}:",
        "",
        "| operation | check | cases |",
        "|---|---|---:|",
    ]
    out += [
        f"| `{label}` | `{check}` | {count} |"
        for label, counts in owed.items()
        for check, count in sorted(counts.items())
    ]
    return out


def _state(old: Case | Step, new: Case | Step, label: str) -> list[Finding]:
    """What a case or step wrote, by probe: a change of it is a changed value."""
    before, after = old.get("state") or {}, new.get("state") or {}
    if before == after:
        return []
    head = _report.request_line(new["request"]).splitlines()[0]
    return [
        Finding(
            "changed",
            f"state of probe `{probe}` changed",
            label,
            new["id"],
            (head, *_report.json_diff(before.get(probe), after.get(probe))[2:]),
        )
        for probe in sorted({*before, *after})
        if before.get(probe) != after.get(probe)
    ]


def group(findings: Iterable[Finding]) -> list[Group]:
    """Identical findings together; most severe level first, then the largest groups."""
    groups: dict[tuple[str, str], Group] = {}
    for finding in findings:
        key = (finding.level, finding.what)
        groups.setdefault(key, Group(finding.level, finding.what, [])).findings.append(finding)
    return sorted(
        groups.values(),
        key=lambda g: (LEVELS.index(g.level), -len(g.findings), g.what),
    )


# -- rendering -------------------------------------------------------------------------------


def summary(base: Documents, head: Documents, findings: Sequence[Finding]) -> dict[str, int]:
    changed_ops = (
        {f.operation for f in findings}
        - {f.operation for f in findings if f.what in ("new operation", "operation removed")}
        - {_schemadiff.DOCUMENT}
    )
    scenarios = {op for op in changed_ops if op.startswith("scenario ")}
    return {
        "operations added": sum(1 for f in findings if f.what == "new operation"),
        "operations removed": sum(1 for f in findings if f.what == "operation removed"),
        "operations changed": len(changed_ops - scenarios),
        "scenarios changed": len(scenarios),
        "cases changed": len({(f.operation, f.case) for f in findings if f.case is not None}),
        **{level: sum(1 for f in findings if f.level == level) for level in LEVELS},
    }


def markdown(
    base_ref: str,
    head_ref: str,
    base: Documents,
    head: Documents,
    findings: Sequence[Finding],
    pending: Sequence[Finding] = (),
    note: str | None = None,
) -> str:
    """The report; ``pending`` are the changes that wait for review in the working tree."""
    counts = summary(base, head, findings)
    out = [f"## API snapshot changes: `{base_ref}` → `{head_ref}`", ""]
    if note:
        out += [note, ""]
    if not findings:
        out.append("No snapshot changed." if not pending else "No accepted snapshot changed.")
    else:
        out += ["| | |", "|---|---:|"]
        out += [f"| {name} | {count} |" for name, count in counts.items()]
        out += _group_lines(findings, "###")
    if pending:
        cases = len({(f.operation, f.case) for f in pending})
        out += [
            "",
            f"### Pending review ({_report.plural(cases, 'change')}, not in the snapshots yet)",
            "",
            "Left beside the snapshots by a failing run: `contractsnap review` accepts or "
            "rejects them.",
            *_group_lines(pending, "####"),
        ]
    return "\n".join(out) + "\n"


def _group_lines(findings: Sequence[Finding], heading: str) -> list[str]:
    out: list[str] = []
    for level in LEVELS:
        groups = [g for g in group(findings) if g.level == level]
        if not groups:
            continue
        out += [
            "",
            f"{heading} {level.capitalize()} ({sum(len(g.findings) for g in groups)})",
            "",
        ]
        for g in groups:
            ops = g.operations
            if list(ops) == [_schemadiff.DOCUMENT]:  # a value outside the operations
                out.append(f"- **{g.what}**")
                continue
            shown = ", ".join(f"`{op}`" for op in ops[:3]) + (", ..." if len(ops) > 3 else "")
            out.append(f"- **{g.what}**: {g.scope} ({shown})")
            example = next((f for f in g.findings if f.example), None)
            if example is not None:
                out += [
                    "  <details><summary>example: "
                    f"{example.operation} case {example.case}</summary>",
                    "",
                    "  ```diff",
                    *(f"  {line}" for line in example.example[:30]),
                    "  ```",
                    "  </details>",
                ]
    return out


def as_json(
    base_ref: str, head_ref: str, base: Documents, head: Documents, findings: Sequence[Finding]
) -> dict[str, object]:
    return {
        "base": base_ref,
        "head": head_ref,
        "summary": summary(base, head, findings),
        "groups": [
            {
                "level": g.level,
                "what": g.what,
                "cases": g.cases,
                "operations": g.operations,
                "findings": [
                    {**dataclasses.asdict(f), "fingerprint": f.fingerprint} for f in g.findings
                ],
            }
            for g in group(findings)
        ],
    }


def junit(base_ref: str, head_ref: str, findings: Sequence[Finding], failing: set[str]) -> str:
    """JUnit XML: one test case per group; failing levels are failures."""
    from xml.sax.saxutils import quoteattr

    groups = group(findings)
    failures = sum(1 for g in groups if g.level in failing)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f"<testsuite name={quoteattr(f'contractsnap report {base_ref}..{head_ref}')} "
        f'tests="{len(groups)}" failures="{failures}">',
    ]
    for g in groups:
        name = quoteattr(f"{g.level}: {g.what}")
        detail = ", ".join(g.operations)
        if g.level in failing:
            out += [
                f'  <testcase classname="contractsnap" name={name}>',
                f"    <failure message={quoteattr(detail)}/>",
                "  </testcase>",
            ]
        else:
            out.append(f'  <testcase classname="contractsnap" name={name}/>')
    out.append("</testsuite>")
    return "\n".join(out) + "\n"
