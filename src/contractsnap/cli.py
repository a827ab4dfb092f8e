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
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from ._errors import ContractsnapError


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


def _run(args: argparse.Namespace) -> int:
    extra = [a for a in args.pytest_args if a != "--"]
    pytest_args = ["-m", "contractsnap", "--contractsnap-only"]
    if args.update:
        pytest_args.append("--snapshot-update")
    for selector in args.op:
        pytest_args += ["--contractsnap-op", selector]
    # A fresh interpreter: pytest must import its plugins (syrupy, schemathesis, ...) itself
    # to rewrite their asserts.
    code = subprocess.call([sys.executable, "-m", "pytest", *pytest_args, *extra])
    if code == NO_TESTS_COLLECTED:
        from . import _commands  # see main

        sys.stderr.write(_commands.nothing_to_run(Path.cwd()))
    return code


#: pytest's exit status when it collected no test.
NO_TESTS_COLLECTED = 5


def main(
    argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None
) -> int:
    """Run the command line; return the exit code (0 done, 1 findings, 2 bad input)."""
    args = _parser().parse_args(argv)
    out = stdout or sys.stdout
    if args.command == "run":
        return _run(args)
    # Imported here, not above: `run` starts pytest without paying for what the other
    # commands use (schemathesis, httpx, tomlkit: about half a second).
    from . import _commands

    try:
        if args.command == "init":
            return _commands.init_project(Path.cwd(), args, out)
        directory = _commands.directory_of(args)
        if args.command == "review":
            return _commands.review(directory, stdin or sys.stdin, out)
        verbs = {
            "pending": _commands.list_pending,
            "show": _commands.show,
            "accept": _commands.resolve,
            "reject": _commands.resolve,
            "report": _commands.report_changes,
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
