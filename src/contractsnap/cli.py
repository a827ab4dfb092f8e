"""The ``contractsnap`` command: a thin wrapper around pytest, never a second engine.

contractsnap run [--update] [--op SELECTOR]... [-- PYTEST ARGS...]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="contractsnap",
        description="Contract and regression snapshot tests for ASGI HTTP APIs.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = _parser().parse_args(argv)
    extra = [a for a in args.pytest_args if a != "--"]
    pytest_args = ["-m", "contractsnap"]
    if args.update:
        pytest_args.append("--snapshot-update")
    for selector in args.op:
        pytest_args += ["--contractsnap-op", selector]
    # A fresh interpreter: pytest must import its plugins (syrupy, schemathesis, ...) itself
    # to rewrite their asserts, and this process has imported them already.
    return subprocess.call([sys.executable, "-m", "pytest", *pytest_args, *extra])
