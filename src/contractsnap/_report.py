"""Messages and summary lines, as data first and text second."""

from __future__ import annotations

import difflib
import json
import shlex
from collections.abc import Iterable, Mapping, Sequence

from . import _coverage
from ._canonical import indented
from ._checks import CheckFailure
from ._coverage import OperationCoverage
from ._selectors import JsonPath, path_to_selector

_MAX_BODY = 400
#: Up to this many operations, the coverage table lists every one of them.
_FULL_TABLE = 30


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _fields(value: object) -> Mapping[str, object]:
    """A request's ``query``, ``headers`` or ``cookies`` (none if it holds anything but an
    object there)."""
    return value if isinstance(value, Mapping) else {}


def request_line(request: Mapping[str, object]) -> str:
    """``GET /books?limit=2`` plus headers, cookies and body, on a few short lines."""
    query = _fields(request.get("query"))
    target = f"{request['path']}"
    if query:
        target += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    lines = [f"{request['method']} {target}"]
    for key in ("headers", "cookies"):
        for name, value in _fields(request.get(key)).items():
            lines.append(f"  {'cookie ' if key == 'cookies' else ''}{name}: {value}")
    if "body" in request:
        body = json.dumps(request["body"], ensure_ascii=False, sort_keys=True)
        if len(body) > _MAX_BODY:
            body = body[:_MAX_BODY] + "..."
        lines.append(f"  body ({request.get('media_type') or 'unknown type'}): {body}")
    return "\n".join(lines)


def json_diff(old: object, new: object, context: int = 3) -> list[str]:
    """A unified diff of two JSON values, as the snapshot file would show it."""
    a = indented(old).splitlines()
    b = indented(new).splitlines()
    return list(difflib.unified_diff(a, b, "snapshot", "received", lineterm="", n=context))


def accept_command(label: str) -> str:
    return f"pytest --snapshot-update --contractsnap-op {shlex.quote(label)}"


def case_title(index: int, total: int, case_id: str, source: str, description: str) -> str:
    return f"case {index}/{total} [{case_id}] {source}: {description}"


def indent(lines: Iterable[str], prefix: str = "    ") -> list[str]:
    return [prefix + line for line in lines]


def kept_state_fix(growing: Sequence[str] = (), status: str | None = None) -> list[str]:
    """What to do when the second pass finds what the first one wrote: all the values that
    differ only grow, or those at ``growing`` do (beside others that are volatile), or a
    status changed (``status``: "201 then 400")."""
    kept = "the app keeps what the first pass wrote (a database, a store)"
    if status is not None:
        which = f"The status changed between the two sends ({status}), as when {kept}"
    elif growing:
        which = f"Some values only grow ({', '.join(growing)}): {kept}"
    else:
        which = f"These values only grow: {kept}"
    return [
        f"{which}. Recording sends every case twice and each pass must find the same data, so "
        f"no `redact` rule is the fix{' for them' if growing else ''}: reset the state before "
        'each pass with `setup` (recipes: "Resetting state" in the README)'
        + (":" if growing else ", then record again:"),
        "  [tool.contractsnap]",
        '  setup = "myapp.testing:reset"  # called (and awaited) with the app before each pass',
    ]


#: What to do when the app's rate limit answered one of the sends.
RATE_LIMIT_FIX = [
    "A send was answered 429 Too Many Requests: the app's rate limit, not the operation, "
    "answered (recording sends every case twice). Switch the limit off for the tests (in "
    "`setup`, or in the app's test settings) and record again."
]

#: Cases a flaky message shows, and differences for each (``-v``: all of them).
FLAKY_CASES = 3
FLAKY_DIFFERENCES = 5


def difference_at(path: JsonPath, *, generalise: bool = False) -> str:
    """Where in a response a difference is: ``header etag``, ``$.items[0].id``, ``status``."""
    if path[:1] == ("headers",):
        # A response with no kept header at all differs in ``headers`` as a whole.
        return f"header {path[1]}" if len(path) > 1 else "headers"
    if path[:1] == ("body",):
        return path_to_selector(path[1:], generalise=generalise)
    return ".".join(str(p) for p in path) or "response"


def flaky_message(
    label: str,
    file_name: str,
    changed: Sequence[tuple[str, str, Sequence[tuple[JsonPath, object, object]]]],
    rules_line: str | None,
    *,
    verbose: bool = False,
    fix: Sequence[str] = (),
) -> str:
    out = [
        f"{label}: responses differ between two sends of the same request, so a snapshot "
        f"would flake; {file_name} was not written.",
    ]
    for title, request, diffs in changed if verbose else changed[:FLAKY_CASES]:
        out += ["", title, *indent(request.splitlines(), "  ")]
        shown = diffs if verbose else diffs[:FLAKY_DIFFERENCES]
        for path, a, b in shown:
            out.append(f"  {difference_at(path)}: {json.dumps(a)} then {json.dumps(b)}")
        if len(shown) < len(diffs):
            out.append(f"  ... {plural(len(diffs) - len(shown), 'more difference')}")
    if not verbose and len(changed) > FLAKY_CASES:
        more = len(changed) - FLAKY_CASES
        out += ["", f"{plural(more, 'more case')} differed too; `pytest -v` shows each"]
    if fix:
        out += ["", *fix]
    if rules_line is not None:
        what = "the other, volatile values" if fix else "the volatile values"
        out += [
            "",
            f"Redact {what} in pyproject.toml, then record again:",
            "  [tool.contractsnap]",
            f"  {rules_line}",
        ]
    elif not fix:
        out += [
            "",
            "No `redact` rule can hide this difference: make the response deterministic "
            "(reset state in `setup`) or leave the operation out with `exclude`.",
        ]
    return "\n".join(out)


def failures_lines(failures: Sequence[CheckFailure]) -> list[str]:
    return [f"  {f.render()}" for f in failures]


def coverage_lines(coverage: Sequence[OperationCoverage], *, verbose: bool) -> list[str]:
    """The coverage section: a headline, then a table of every operation (a long table
    only of those with a gap, unless verbose)."""
    shown = [item for item in coverage if verbose or len(coverage) <= _FULL_TABLE or item.missing]
    lines = [_coverage.headline(coverage)]
    if shown:
        lines += _coverage.table(shown)
    if len(shown) < len(coverage):
        lines.append(
            f"({plural(len(coverage) - len(shown), 'fully covered operation')} not shown; "
            "-v shows them)"
        )
    return lines + _coverage.reach_lines(coverage, verbose=verbose)


#: Kinds of failure the summary lists per operation (``-v``: all of them).
SUMMARY_KINDS = 3


def summary_lines(
    warnings: Mapping[str, Sequence[CheckFailure]],
    violations: Mapping[str, Sequence[CheckFailure]],
    notes: Sequence[str],
    *,
    verbose: bool = False,
    debt: Mapping[str, Sequence[CheckFailure]] | None = None,
) -> list[str]:
    """The end-of-run section, empty when there is nothing to say."""
    out = _findings("contract violations", "failure", violations, verbose=verbose)
    out += debt_lines(debt or {})
    out += _findings(
        "contract warnings",
        "warning",
        warnings,
        " (set `strict = true` to fail on them)",
        verbose=verbose,
    )
    return out + list(notes)


#: Characters of a debt's example failure in the summary (the snapshot holds the case).
_EXAMPLE = 100


def debt_lines(debt: Mapping[str, Sequence[CheckFailure]]) -> list[str]:
    """The contract debt: violations the snapshots hold, counted by operation and check."""
    if not debt:
        return []
    count = sum(len(v) for v in debt.values())
    out = [
        f"contract debt: {plural(count, 'known violation')} in "
        f"{plural(len(debt), 'operation')}, recorded in the snapshots (new ones fail; "
        "`strict = true` fails on these too)"
    ]
    for label in sorted(debt):
        checks: dict[str, list[CheckFailure]] = {}
        for failure in debt[label]:
            checks.setdefault(failure.check or failure.title, []).append(failure)
        for name, failures in sorted(checks.items()):
            # What the first one says: why the check fails, without opening the file.
            example = failures[0].render()
            if len(example) > _EXAMPLE:
                example = example[: _EXAMPLE - 3] + "..."
            out.append(f"  {label}: {name} {len(failures)}, e.g. {example}")
    return out


def _findings(
    heading: str,
    noun: str,
    found: Mapping[str, Sequence[CheckFailure]],
    hint: str = "",
    *,
    verbose: bool,
) -> list[str]:
    if not found:
        return []
    count = sum(len(v) for v in found.values())
    out = [f"{heading}: {plural(count, noun)} in {plural(len(found), 'operation')}{hint}"]
    for label, failures in found.items():
        out.append(f"  {label}")
        kinds = _unique(failures)
        shown = kinds if verbose else kinds[:SUMMARY_KINDS]
        for failure, times in shown:
            out.append(f"    {failure.render()}" + (f" ({times} cases)" if times > 1 else ""))
        if len(shown) < len(kinds):
            rest = sum(times for _, times in kinds[len(shown) :])
            out.append(
                f"    ... {plural(len(kinds) - len(shown), 'more kind')} "
                f"({plural(rest, 'case')}); -v lists them"
            )
    return out


def _unique(failures: Sequence[CheckFailure]) -> list[tuple[CheckFailure, int]]:
    """Identical failures once each, with how many cases had them."""
    seen: dict[tuple[str, str, str], list[CheckFailure]] = {}
    for failure in failures:
        seen.setdefault((failure.code, failure.title, failure.message), []).append(failure)
    return [(group[0], len(group)) for group in seen.values()]
