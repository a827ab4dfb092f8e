"""The ``contractsnap`` command: run the suite (through pytest) and review pending changes.

    contractsnap run [--update] [--op SELECTOR]... [-- PYTEST ARGS...]
    contractsnap pending                 list pending changes, one key per changed case/step
    contractsnap show KEY                the request and the diff of one change
    contractsnap accept [PATTERN...]     write changes into the snapshots (all by default)
    contractsnap reject [PATTERN...]     drop changes
    contractsnap review                  go through the changes one at a time
    contractsnap report --base REF       classify snapshot changes since a git ref

Keys look like ``GET /books/{book_id}#a1b2c3d4``, or ``scenario NAME#a1b2c3d4`` for a step
of a scenario; patterns take shell wildcards. A scenario is accepted or rejected as a whole.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from . import _coverage, _diffreport, _htmlreport, _init, _pending, _selectors
from ._config import load_settings, read_pyproject
from ._documents import JSONObject
from ._errors import ConfigError, ContractsnapError


def _installed_version() -> str:
    """The version of the installed distribution, as its metadata says."""
    try:
        return importlib.metadata.version("contractsnap")
    except importlib.metadata.PackageNotFoundError:  # imported from a source tree
        return "(not installed)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contractsnap",
        description="Contract and regression snapshot tests for ASGI HTTP APIs.",
    )
    parser.add_argument(
        "--version", action="version", version=f"contractsnap {_installed_version()}"
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="the snapshot directory (default: snapshot_dir of [tool.contractsnap])",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser(
        "init", help="set the project up: [tool.contractsnap], .gitignore, a CI workflow"
    )
    init.add_argument("--app", help="the app, as module:attr or module:factory()")
    init.add_argument("--dry-run", action="store_true", help="show what it would write")
    init.add_argument("--force", action="store_true", help="also replace what it did not write")
    run = commands.add_parser(
        "run", help="run the contract suite of [tool.contractsnap] (pytest -m contractsnap)"
    )
    run.add_argument("--update", action="store_true", help="record snapshots (--snapshot-update)")
    run.add_argument(
        "--op",
        action="append",
        default=[],
        metavar="SELECTOR",
        help='only these operations, e.g. "GET /books/{book_id}" or "tag:books"',
    )
    run.add_argument(
        "pytest_args", nargs=argparse.REMAINDER, help="further pytest arguments, after `--`"
    )
    commands.add_parser(
        "pending", help="list pending changes, one key per changed case or scenario step"
    )
    show = commands.add_parser("show", help="show the request and diff of one pending change")
    show.add_argument("key")
    for verb, text in (("accept", "write into the snapshots"), ("reject", "drop")):
        sub = commands.add_parser(verb, help=f"{text} pending changes (all without a pattern)")
        sub.add_argument("patterns", nargs="*", metavar="PATTERN")
    commands.add_parser("review", help="accept or reject pending changes one at a time")
    report = commands.add_parser(
        "report", help="classify the snapshot changes between a git ref and the working tree"
    )
    report.add_argument("--base", required=True, help="the git ref to compare with (main, a SHA)")
    report.add_argument("--head", default=None, help="a second ref instead of the working tree")
    report.add_argument(
        "--format", choices=("markdown", "json", "junit", "html"), default="markdown"
    )
    report.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="write the report to this file instead of the standard output",
    )
    report.add_argument(
        "--ignore",
        type=Path,
        default=None,
        help="accepted changes, one fingerprint or wildcard pattern per line "
        "(default: .contractsnap-ignore at the repository root, if present)",
    )
    report.add_argument(
        "--fail-on",
        choices=("breaking", "any", "none"),
        default="breaking",
        help="exit 1 on breaking changes (default), on any change, or never",
    )
    return parser


def _init_project(root: Path, args: argparse.Namespace, out: TextIO) -> int:
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


def _run(args: argparse.Namespace) -> int:
    extra = [a for a in args.pytest_args if a != "--"]
    pytest_args = ["-m", "contractsnap", "--contractsnap-only"]
    if args.update:
        pytest_args.append("--snapshot-update")
    for selector in args.op:
        pytest_args += ["--contractsnap-op", selector]
    # A fresh interpreter: pytest must import its plugins (syrupy, schemathesis, ...) itself
    # to rewrite their asserts, and this process has imported them already.
    code = subprocess.call([sys.executable, "-m", "pytest", *pytest_args, *extra])
    if code == NO_TESTS_COLLECTED:
        sys.stderr.write(_nothing_to_run(Path.cwd()))
    return code


#: pytest's exit status when it collected no test.
NO_TESTS_COLLECTED = 5


def _nothing_to_run(root: Path) -> str:
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


def _directory(args: argparse.Namespace) -> Path:
    if args.dir is not None:
        return Path(args.dir)
    return load_settings(Path.cwd()).snapshot_path


def _review(directory: Path, stdin: TextIO, stdout: TextIO) -> int:
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


def _list(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
    for change in _pending.changes(directory):
        out.write(f"{change.key}  {change.title}\n")
    return 0


def _show(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
    found = [c for c in _pending.changes(directory) if c.key == args.key]
    if not found:
        raise ContractsnapError(
            f"no pending change {args.key!r}; `contractsnap pending` lists them"
        )
    out.write(found[0].render() + "\n")
    return 0


def _resolve(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
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


def _report_changes(directory: Path, args: argparse.Namespace, out: TextIO) -> int:
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
    """Write the whole report or nothing: a half-written file is never left at ``path``."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise ContractsnapError(
            f"cannot write the report to {path}: {exc.strerror}; "
            "name a file in a directory that exists and can be written"
        ) from None
    out.write(f"report written to {path}\n")


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the command line; return the exit code (0 done, 1 findings, 2 bad input)."""
    args = _parser().parse_args(argv)
    out = stdout or sys.stdout
    if args.command == "run":
        return _run(args)
    try:
        if args.command == "init":
            return _init_project(Path.cwd(), args, out)
        directory = _directory(args)
        if args.command == "review":
            return _review(directory, stdin or sys.stdin, out)
        verbs = {
            "pending": _list,
            "show": _show,
            "accept": _resolve,
            "reject": _resolve,
            "report": _report_changes,
        }
        code = verbs[args.command](directory, args, out)
        out.flush()
        return code
    except ContractsnapError as exc:
        sys.stderr.write(f"contractsnap: {exc}\n")
        return 2
    except BrokenPipeError:
        # `contractsnap pending | head`: the reader has what it wanted. Python would report
        # the closed pipe again when it flushes stdout at exit, unless stdout goes nowhere.
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
