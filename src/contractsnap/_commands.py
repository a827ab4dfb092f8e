"""The commands of ``contractsnap`` but ``run``: ``init``, the review of pending changes and
the report. ``cli`` imports this module only for them: ``run`` hands over to pytest at once,
without the snapshot codec (schemathesis, httpx) these need.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from . import _coverage, _diffreport, _htmlreport, _init, _pending, _selectors
from ._config import load_settings, read_pyproject
from ._documents import JSONObject
from ._errors import ConfigError, ContractsnapError
from ._snapshot import atomic_write


def init_project(root: Path, args: argparse.Namespace, out: TextIO) -> int:
    app = args.app
    if app is None:
        found = _init.find_apps(root)
        if not found:
            raise ConfigError(
                "no FastAPI, Starlette or Litestar app found in the project's source (a "
                "module-level `app = FastAPI()`, or a function that returns one); name it: "
                "contractsnap init --app module:app"
            )
        if len(found) > 1:
            out.write("several apps found; choose one with --app:\n")
            out.writelines(f"  contractsnap init --app {candidate}\n" for candidate in found)
            return 2
        app = found[0]
        out.write(f"app: {app}\n")
    elif ":" not in app:
        raise ConfigError(f"--app {app!r} is not module:attr (or module:factory())")
    changes, notes = _init.plan(root, app, force=args.force)
    if not args.dry_run:
        _init.write(changes)
    _init.report(changes, notes, out, dry_run=args.dry_run)
    return 0


def nothing_to_run(root: Path) -> str:
    """Why ``contractsnap run`` found no contract test, and the lines that give it one."""
    try:
        settings = load_settings(root)
    except ContractsnapError:
        return ""  # pytest has printed the error already
    if settings.app or settings.base_url:
        return ""
    where = "pyproject.toml has no [tool.contractsnap] table"
    if (root / "pyproject.toml").exists() and read_pyproject(root / "pyproject.toml") is not None:
        where = "[tool.contractsnap] in pyproject.toml names no `app` (nor a `base_url`)"
    return (
        f"\ncontractsnap: no contract test to run: {where}. Point it at your ASGI app in "
        "pyproject.toml:\n\n"
        "  [tool.contractsnap]\n"
        '  app = "myapp.main:app"            # or "myapp.main:create_app()" for a factory\n\n'
        "then record with `contractsnap run --update` (or declare a suite in a test module "
        "with `contractsnap.contract_test(app=...)`)\n"
    )


def directory_of(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return Path(args.dir)
    return load_settings(Path.cwd()).snapshot_path


def review(directory: Path, stdin: TextIO, stdout: TextIO) -> int:
    """Review the pending changes; an accepted one records the newer OpenAPI document too."""
    if _pending.settle_schema(directory, accepted=_review_each(directory, stdin, stdout)):
        stdout.write(f"recorded the newer OpenAPI document in {directory.name}/openapi.json\n")
    return 0


def _review_each(directory: Path, stdin: TextIO, stdout: TextIO) -> bool:
    """One change at a time: [a]ccept, [r]eject, [s]kip, accept [A]ll of the operation, [q]uit.

    A scenario's step decides the whole scenario (its steps depend on each other). Returns
    whether any change was accepted.
    """
    decided: set[str] = set()
    accepted = False
    for change in list(_pending.changes(directory)):
        if change.key in decided:
            continue
        stdout.write(change.render(colour=stdout.isatty()) + "\n")
        prompt = (
            "[a]ccept [r]eject the whole scenario, [s]kip [q]uit? "
            if change.scenario
            else "[a]ccept [r]eject [s]kip [A]ccept the operation [q]uit? "
        )
        while True:
            stdout.write(prompt)
            stdout.flush()
            answer = stdin.readline()
            if not answer:  # end of input: stop, keeping what is undecided
                return accepted
            answer = answer.strip()
            if answer in ("a", "r", "s", "A", "q"):
                break
        if answer == "q":
            return accepted
        if answer == "s":
            continue
        accepted |= answer in ("a", "A")
        if change.scenario:  # its steps depend on each other: decided together
            group = [c for c in _pending.changes(directory) if c.snapshot == change.snapshot]
            verb = "accepted" if answer in ("a", "A") else "rejected"
            count = _pending.resolve([change], accept=verb == "accepted")
            decided |= {c.key for c in group}
            stdout.write(f"{verb} {change.scenario} as a whole: {count} changed step(s)\n")
            continue
        if answer == "A":
            label = change.key.rpartition("#")[0]
            group = [c for c in _pending.changes(directory) if c.key.startswith(label + "#")]
            _pending.resolve(group, accept=True)
            decided |= {c.key for c in group}
            stdout.write(f"accepted {len(group)} case(s) of {label}\n")
            continue
        _pending.resolve([change], accept=answer == "a")
        decided.add(change.key)
    left = len(list(_pending.changes(directory)))
    stdout.write(f"{left} pending change(s) left\n")
    return accepted


def list_pending(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
    for change in _pending.changes(directory):
        out.write(f"{change.key}  {change.title}\n")
    return 0


def show(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
    found = [c for c in _pending.changes(directory) if c.key == args.key]
    if not found:
        raise ContractsnapError(
            f"no pending change {args.key!r}; `contractsnap pending` lists them"
        )
    out.write(found[0].render() + "\n")
    return 0


def resolve(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
    chosen = _pending.select(_pending.changes(directory), args.patterns)
    if args.patterns and not chosen:
        raise ContractsnapError(f"no pending change matches {' '.join(args.patterns)}")
    count = _pending.resolve(chosen, accept=args.command == "accept")
    out.write(f"{args.command}ed {count} change(s)\n")
    if _pending.settle_schema(directory, accepted=args.command == "accept" and count > 0):
        out.write(f"recorded the newer OpenAPI document in {directory.name}/openapi.json\n")
    for label in sorted({c.scenario for c in chosen if c.scenario}):
        out.write(f"{args.command}ed {label} as a whole: its steps depend on each other\n")
    return 0


def _report_coverage(
    schema: Mapping[str, object] | None, documents: _diffreport.Documents
) -> list[_coverage.OperationCoverage]:
    """Coverage at the head, of the operations the project's include/exclude keep."""
    if schema is None:
        return []
    try:
        settings = load_settings(Path.cwd())
    except ContractsnapError:
        settings = None  # no usable [tool.contractsnap] here: every operation counts

    def keep(method: str, path: str, operation_id: str | None, tags: tuple[str, ...]) -> bool:
        return settings is None or _selectors.selected(settings, method, path, operation_id, tags)

    return _coverage.measure(
        schema,
        _coverage.reached(documents.values()),
        _coverage.kept(schema, keep),
        steps=_coverage.stepped(documents.values()),
        inferring=settings is None or settings.infer_scenarios,
    )


def _sections(
    head: _diffreport.Documents, head_name: str, coverage: Sequence[_coverage.OperationCoverage]
) -> str:
    """The report's sections about the head alone: its contract debt and its coverage."""
    lines = _diffreport.debt_lines(head, head_name)
    if coverage:
        lines += [
            "",
            f"### Coverage at `{head_name}`",
            "",
            _coverage.headline(coverage) + ".",
            "",
            "<details><summary>operations and documented statuses</summary>",
            "",
            *_coverage.table(coverage, markdown=True),
            "",
            "</details>",
            "",
            *_coverage.reach_lines(coverage),
        ]
    return "\n".join([*lines, ""]) if lines else ""


def _head(
    root: Path, directory: Path, ref: str | None
) -> tuple[_diffreport.Documents, dict[str, str], JSONObject | None]:
    """The head's snapshot documents, their texts and its OpenAPI document: those of the
    working tree, or of ``ref``."""
    if ref is None:
        return (*_diffreport.documents_in(directory), _diffreport.schema_in(directory))
    return (
        *_diffreport.documents_at(root, ref, directory),
        _diffreport.schema_at(root, ref, directory),
    )


def report_changes(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
    root = _diffreport.git_root(directory if directory.is_dir() else Path.cwd())
    base, base_text = _diffreport.documents_at(root, args.base, directory)
    base_schema = _diffreport.schema_at(root, args.base, directory)
    head, head_text, head_schema = _head(root, directory, args.head)
    head_name = args.head or "working tree"
    enums = _diffreport.declared_enums(base_schema)
    operations = _diffreport.operations_of(head_schema)
    findings = _diffreport.compare(base, head, base_text, head_text, enums, operations)
    findings += _diffreport.schema_findings(base_schema, head_schema, findings)
    pending: list[_diffreport.Finding] = []
    stored: _diffreport.Documents = {}
    waiting: _diffreport.Documents = {}
    note = None
    if args.head is None:
        waiting = _diffreport.pending_in(directory)
        stored = {key: head[key] for key in waiting if key in head}
        pending = _diffreport.compare(stored, waiting, enums=enums)
    else:
        note = (
            f"Compares two commits: uncommitted and pending snapshot changes are not included "
            f"(leave out `--head` to compare `{args.base}` with the working tree and its "
            "pending changes)."
        )
    ignore_file = args.ignore or root / ".contractsnap-ignore"
    entries = _diffreport.read_ignores(ignore_file) if args.ignore or ignore_file.exists() else []
    accepted = [f for f in findings if _diffreport.ignored(f, entries)]
    findings = [f for f in findings if not _diffreport.ignored(f, entries)]
    failing = {"breaking": {"breaking"}, "any": set(_diffreport.LEVELS), "none": set()}[
        args.fail_on
    ]
    coverage = _report_coverage(head_schema, head)
    hidden = f"{len(accepted)} accepted change(s) hidden by {ignore_file.name}." if accepted else ""
    if args.format == "html":
        text = _htmlreport.render(
            args.base,
            head_name,
            _htmlreport.Comparison(base, head, findings),
            pending=_htmlreport.Comparison(stored, waiting, pending) if args.head is None else None,
            coverage=coverage,
            debt=_diffreport.debt(head),
            note=note,
            hidden=hidden,
        )
    elif args.format == "json":
        data = _diffreport.as_json(args.base, head_name, base, head, findings)
        data["pending"] = _diffreport.as_json(args.base, "pending", base, head, pending)["groups"]
        data["ignored"] = len(accepted)
        data["debt"] = _diffreport.debt(head)
        data["coverage"] = {
            "totals": _coverage.totals(coverage),
            "operations": [item.to_json() for item in coverage],
        }
        text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    elif args.format == "junit":
        text = _diffreport.junit(args.base, head_name, findings, failing)
    else:
        text = _diffreport.markdown(args.base, head_name, base, head, findings, pending, note)
        if hidden:
            text += f"\n{hidden}\n"
        text += _sections(head, head_name, coverage)
        summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary_file:
            with open(summary_file, "a", encoding="utf-8") as fh:
                fh.write(text)
    if args.output is None:
        out.write(text)
    else:
        _write_report(args.output, text, out)
    return 1 if any(f.level in failing for f in findings) else 0


def _write_report(path: Path, text: str, out: TextIO) -> None:
    """Write the whole report or nothing: a half-written file is never left at ``path``,
    and no directory is made for it."""
    try:
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such directory")
        atomic_write(path, text)
    except OSError as exc:
        raise ContractsnapError(
            f"cannot write the report to {path}: {exc.strerror}; "
            "name a file in a directory that exists and can be written"
        ) from None
    out.write(f"report written to {path}\n")
