"""The messages of a contract test: what changed, where, and the command that accepts it.

Pure functions from results to text; the verdict decides when each is raised.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Mapping, Sequence

from . import _normalize, _report
from ._canonical import JSON, short
from ._checks import CheckFailure
from ._documents import (
    Carried,
    OperationDocument,
    Request,
    Response,
    ScenarioDocument,
    State,
    Step,
)
from ._exchange import CaseResult
from ._selectors import JsonPath, path_to_selector

#: Appended to a gate run's mismatch when the new result was written beside the snapshot.
PENDING_HINT = "\nThe new result is in {name}{suffix}: `contractsnap review` accepts or rejects it."


#: A case's diff is cut past this many lines; the pending file (``contractsnap review``) and
#: ``pytest -v`` show it whole.
DIFF_LINES = 8
#: A traceback is cut to its last lines: the frame that raised, and the ones that called it.
TRACEBACK_LINES = 12
#: Too Many Requests: the app's rate limit answered, not the operation.
RATE_LIMITED = 429


@dataclasses.dataclass(frozen=True)
class Style:
    """How much a message shows, and how it writes a request's path."""

    #: Every changed case's diff, whole (``pytest -v``), not only the first one's, cut.
    verbose: bool = False
    #: ``base_path``: put before the stored path, as it was requested.
    base_path: str = ""


#: Said beside the accept command when every change is growth.
KEPT_STATE_HINT = (
    "These values only grow, as if the app kept data from an earlier run (a database file?): "
    'if so, accepting fails again next run; reset the state with `setup` ("Resetting state" '
    "in the README) and record again."
)

#: The messages of a plain run.
PLAIN = Style()


def titles(results: Sequence[CaseResult]) -> list[str]:
    """``case 2/5 [a1b2c3d4] example: ...`` per case; a scenario's step carries its title."""
    return [
        r.case.description
        if r.case.source == "step"
        else _report.case_title(i, len(results), r.case.id, r.case.source, r.case.description)
        for i, r in enumerate(results, 1)
    ]


def _request_lines(request: Request, style: Style) -> list[str]:
    if style.base_path:
        request = {**request, "path": style.base_path + request["path"]}
    return _report.indent(_report.request_line(request).splitlines(), "  ")


def _cut(lines: Sequence[str], style: Style, limit: int = DIFF_LINES) -> list[str]:
    """At most ``limit`` lines (all of them when verbose), then how many are left out."""
    if style.verbose or len(lines) <= limit + 1:
        return list(lines)
    return [*lines[:limit], f"... {len(lines) - limit} more lines"]


def _diff(old: object, new: object, style: Style, prefix: str = "  ") -> list[str]:
    """The hunks of a diff with two lines of context (the headline says which side is
    which), cut."""
    return _report.indent(_cut(_report.json_diff(old, new, context=2)[2:], style), prefix)


def _state_lines(old_state: State, new_state: State, style: Style) -> list[str]:
    lines: list[str] = []
    for probe in sorted({*old_state, *new_state}):
        if old_state.get(probe) != new_state.get(probe):
            lines.append(f"  state (probe {probe}):")
            lines += _diff(old_state.get(probe), new_state.get(probe), style, "    ")
    return lines


def _accept_tail(command: str, what: str = "Accept it, if intended:") -> list[str]:
    return ["", f"{what} {command}"]


def _differences(
    result: CaseResult, old: Response | None, old_state: State
) -> list[tuple[JsonPath, JSON, JSON]]:
    found = _normalize.differences(old, result.response)
    return found + _normalize.differences(old_state, result.state, ("state",))


def _changes(result: CaseResult, old: Response | None, old_state: State) -> tuple[object, ...]:
    """Where a case changed (the JSON paths): cases that changed the same fields share it."""
    return tuple(path for path, _, _ in _differences(result, old, old_state))


def _numbers(titles_: Sequence[str]) -> str:
    """``case 3/27, case 5/27`` as ``3, 5 (of 27)``, at most ten of them."""
    numbers = [t.split(" ", 2)[1].split("/")[0] for t in titles_]
    shown = ", ".join(numbers[:10]) + (
        f" and {len(numbers) - 10} more" if len(numbers) > 10 else ""
    )
    return shown


def _rest(
    shown: Sequence[tuple[str, tuple[object, ...]]], rest: Sequence[tuple[str, tuple[object, ...]]]
) -> list[str]:
    """One line for the changed cases not shown: which changed the same fields as a shown
    one, which changed others."""
    if not rest:
        return []
    seen = {changes for _, changes in shown}
    alike = [title for title, changes in rest if changes in seen]
    other = [title for title, changes in rest if changes not in seen]
    parts = []
    if alike:
        parts.append(
            f"{_report.plural(len(alike), 'more case')} changed the same fields ({_numbers(alike)})"
        )
    if other:
        parts.append(
            f"{_report.plural(len(other), 'more case')} changed other fields ({_numbers(other)})"
        )
    return ["; ".join(parts) + "; `pytest -v` shows every diff"]


def _failed(result: CaseResult) -> bool:
    """The app failed on this case (and the settings make that an error)."""
    return any(f.server_error for f in result.failures)


def _server_errors(label: str, results: Sequence[CaseResult], style: Style) -> list[str]:
    """The cases the app failed on, with what it raised; empty if there are none."""
    failed = [(t, r) for t, r in zip(titles(results), results, strict=True) if _failed(r)]
    if not failed:
        return []
    statuses = sorted({str(r.response.get("status")) for _, r in failed})
    noun = "step" if results[0].case.source == "step" else "case"
    out = [
        f"{label}: the app failed on {len(failed)} of {_report.plural(len(results), noun)} "
        f"(answered {', '.join(statuses)}): a server error to fix, not a change to accept"
    ]
    shown = failed if style.verbose else failed[:1]
    for title, result in shown:
        out += ["", title, *_request_lines(result.case.request, style)]
        out.append(f"  -> {result.response.get('status')}")
        if result.error:
            out += _report.indent(_cut_traceback(result.error, style), "  ")
        else:
            out.append("  (the app answered the error itself; no exception reached contractsnap)")
    if len(failed) > len(shown):
        rest = [title for title, _ in failed[len(shown) :]]
        out += [
            "",
            f"{_report.plural(len(rest), 'more case')} failed too ({_numbers(rest)})"
            "; `pytest -v` shows each",
        ]
    # A scenario's checks are its steps' operations' (a step title names its operation).
    operations = sorted({_STEP_OPERATION.sub(r"\1", title) for title, _ in failed})
    if noun == "case":
        operations = [label]
    whose = "this operation's" if len(operations) == 1 else "these operations'"
    out += [
        "",
        "A known bug you cannot fix yet: record the error as the answer by leaving "
        f"`not_a_server_error` out of {whose} checks:",
    ]
    for operation in operations:
        out += [
            f'  [tool.contractsnap.operations."{operation}"]',
            '  checks = ["response_schema_conformance", "content_type_conformance"]',
        ]
    return out


def other_workers_tail(selector: str, workers: int, *, update: bool = False) -> str:
    """Under ``pytest -n``, said after a changed answer, a server error or answers that
    differ between a recording's two sends: another worker's copy of the app may have
    caused it, and the command that tells (a recording's, for ``update``)."""
    if workers < 2:
        return ""
    alone = "pytest -n 0" + (" --snapshot-update" if update else "")
    alone += f" --contractsnap-op {shlex.quote(selector)}"
    return f"\n\n{other_workers(workers)} `{alone}` shows whether it fails alone."


def other_workers(workers: int) -> str:
    """Why a failure under ``pytest -n`` may be another worker's doing, and the fix."""
    return (
        f"Under -n {workers} each pytest-xdist worker runs its own copy of the app: if the "
        "copies share a database file or server, one worker's writes and `setup` reach the "
        'other\'s tests. Give each worker a database of its own ("Resetting state" in the '
        "README)."
    )


#: A step's title (``step 3/7: PUT /authors/{author_id} (link X)``), its operation in group 1.
_STEP_OPERATION = re.compile(r"^step \d+/\d+: (\S+ \S+).*$", re.DOTALL)


def _cut_traceback(text: str, style: Style) -> list[str]:
    lines = text.rstrip("\n").splitlines()
    if style.verbose or len(lines) <= TRACEBACK_LINES + 1:
        return lines
    return [lines[0], f"  ... {len(lines) - TRACEBACK_LINES} lines", *lines[-TRACEBACK_LINES:]]


def case_mismatch(
    label: str,
    name: str,
    accept: str,
    stored: OperationDocument,
    document: OperationDocument,
    results: Sequence[CaseResult],
    style: Style = PLAIN,
) -> str:
    """An operation's cases answered differently from its file ``name``: the first changed
    case's diff, cut, and one line for the others. Cases the app failed on are only counted:
    ``contract`` shows them, with what the app raised."""
    changed: list[tuple[str, CaseResult, Response, State]] = []
    owed: dict[str, list[str]] = {}
    failed = 0
    for title, result, old in zip(titles(results), results, stored["cases"], strict=True):
        old_response, old_state = old["response"], old.get("state", {})
        owed[title] = old.get("violations", [])
        if (
            result.response == old_response
            and result.state == old_state
            and result.violations == owed[title]
        ):
            continue
        if _failed(result):  # shown with what the app raised, by ``contract``
            failed += 1
        else:
            changed.append((title, result, old_response, old_state))
    if failed and not changed and stored.get("operation") == document["operation"]:
        return ""  # only server errors: the contract's message shows them
    out = [
        f"{label}: {len(changed)} of {_report.plural(len(results), 'case')} "
        f"answered differently from {name} (- snapshot, + received)"
        + (f", and {failed} failed with a server error" if failed else "")
    ]
    keyed = [(title, _changes(r, old, state)) for title, r, old, state in changed]
    detailed = changed if style.verbose else changed[:1]
    for title, result, before, old_state in detailed:
        out += ["", title, *_request_lines(result.case.request, style)]
        if result.response.get("status") != before.get("status"):
            # First: the diff lists the status last (keys are sorted), often past its cut.
            out.append(f"  status: {before.get('status')} then {result.response.get('status')}")
        if result.response != before:
            out += _diff(before, result.response, style)
        out += _state_lines(old_state, result.state, style)
        out += _debt_lines(owed[title], result.violations)
    out += _rest(keyed[: len(detailed)], keyed[len(detailed) :])
    if stored.get("operation") != document["operation"]:
        out += ["", "operation:", *_diff(stored.get("operation"), document["operation"], style)]
    elif not changed and not failed:
        out += ["", "the file's text differs from what contractsnap writes:"]
        out += _diff(stored, document, style)
    if changed and _normalize.only_growth(
        d for _, r, old, state in changed for d in _differences(r, old, state)
    ):
        out += ["", KEPT_STATE_HINT]
    order = _order_only(changed) if changed else None
    volatile = (
        _normalize.volatile_kinds(
            d for _, r, old, state in changed for d in _differences(r, old, state)
        )
        if changed
        else None
    )
    if order:
        out += ["", *_order_hint(order)]
    elif volatile:
        out += ["", *_volatile_hint(volatile)]
    elif changed or not failed:
        out += _accept_tail(accept)
    return "\n".join(out)


def _debt_lines(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """A case's contract debt, paid or taken on."""
    lines = [f"  contract violation fixed: {name}" for name in before if name not in after]
    return lines + [f"  contract violation new: {name}" for name in after if name not in before]


def _order_only(changed: Sequence[tuple[str, CaseResult, Response, State]]) -> list[str] | None:
    """The selectors of the response lists that hold the same items in another order, if
    that is all that changed in every case."""
    found: list[str] = []
    for _, result, before, old_state in changed:
        lists = _normalize.reordered(before, result.response)
        if lists is None or result.state != old_state:
            return None
        for path in lists:
            if path[:1] != ("body",):
                return None
            found.append(path_to_selector(path[1:]))
    return list(dict.fromkeys(found))


def _volatile_hint(kinds: Sequence[str]) -> list[str]:
    return [
        "Every changed value looks volatile (" + ", ".join(kinds) + "): a new one on every "
        "run, so accepting fails again next run. Redact them in pyproject.toml (add to your "
        "`redact` list), then record again:",
        "  [tool.contractsnap]",
        _setting("redact", (), kinds),
    ]


def _order_hint(selectors: Sequence[str]) -> list[str]:
    return [
        "Only the order of a list changed: it follows something that differs from one process "
        "to another (a set, a dict of sets: the hash seed), so accepting fails again next run. "
        "If its order carries no meaning, sort it in pyproject.toml, then record again:",
        "  [tool.contractsnap]",
        _setting("unordered", (), selectors),
    ]


def step_mismatch(
    label: str,
    name: str,
    accept: str,
    step_titles: Sequence[str],
    old: ScenarioDocument,
    new: ScenarioDocument,
    style: Style = PLAIN,
) -> str:
    """A scenario's steps (or carried values) answered differently from its file: the first
    changed step in detail, then one line for the others."""
    old_steps, new_steps = list(old.get("steps", [])), list(new["steps"])
    total = len(new_steps)
    out: list[str] = []
    changed: list[str] = []
    for number, (title, now) in enumerate(zip(step_titles, new_steps, strict=True), 1):
        before: Step | None = old_steps[number - 1] if number <= len(old_steps) else None
        old_response = before["response"] if before else None
        old_request = before["request"] if before else None
        lines: list[str] = []
        if old_response != now["response"]:
            lines += _diff(old_response, now["response"], style)
        lines += _state_lines(
            before.get("state", {}) if before else {}, now.get("state", {}), style
        )
        if old_request != now["request"]:
            lines = ["  request:", *_diff(old_request, now["request"], style, "    "), *lines]
        if lines:
            changed.append(title)
            if style.verbose or len(changed) == 1:
                out += ["", title, *_request_lines(now["request"], style), *lines]
    if len(changed) > 1 and not style.verbose:
        out.append(f"and {', '.join(changed[1:])}; `pytest -v` shows every diff")
    if old.get("carried") != new["carried"]:
        out += ["", "carried values:", *_diff(old.get("carried"), new["carried"], style)]
    if not out:
        out += ["", "the file's text differs from what contractsnap writes:"]
        out += _diff(old, new, style)
    head = (
        f"{label}: {len(changed)} of {_report.plural(total, 'step')} answered differently "
        f"from {name} (- snapshot, + received)"
    )
    return "\n".join([head, *out, *_accept_tail(accept)])


def unsendable(
    reason: str,
    accept: str,
    step_titles: Sequence[str],
    done: Sequence[CaseResult],
    stored: ScenarioDocument,
    style: Style = PLAIN,
) -> str:
    """A step could not be sent in a gate run: what the earlier steps answered."""
    out = [reason, "", "what the earlier steps answered, against the snapshot:"]
    old_steps = list(stored.get("steps", []))
    for number, result in enumerate(done, 1):
        before = old_steps[number - 1].get("response") if number <= len(old_steps) else None
        out += ["", step_titles[number - 1], *_request_lines(result.case.request, style)]
        if before == result.response:
            out.append("  (as in the snapshot)")
        else:
            out += _diff(before, result.response, style)
    out += _accept_tail(accept, "Record the scenario again, if intended:")
    return "\n".join(out)


def flaky(
    label: str,
    name: str,
    first: Sequence[CaseResult],
    second: Sequence[CaseResult],
    redact: Sequence[str],
    style: Style = PLAIN,
) -> str | None:
    """Why two sends of the same requests cannot be recorded (None if they agree), with the
    ``redact`` line that would hide the difference when one can."""
    changed = []
    all_diffs = []
    for title, a, b in zip(titles(first), first, second, strict=True):
        diffs = _normalize.differences(a.response, b.response)
        diffs += _normalize.differences(a.state, b.state, ("state",))
        if diffs:
            changed.append((title, _report.request_line(a.case.request), diffs))
            all_diffs += diffs
    if not changed:
        return None
    statuses = {r.response.get("status") for r in [*first, *second]}
    if RATE_LIMITED in statuses:
        return _report.flaky_message(
            label, name, changed, None, verbose=style.verbose, fix=_report.RATE_LIMIT_FIX
        )
    moved = [
        (a.response.get("status"), b.response.get("status"))
        for a, b in zip(first, second, strict=True)
        if a.response.get("status") != b.response.get("status")
    ]
    if moved:
        # 201 then 400 (already registered), 204 then 404 (already deleted): the rest of the
        # answer differs because the status did, and no `redact` rule is the fix for it.
        fix = _report.kept_state_fix(status=f"{moved[0][0]} then {moved[0][1]}")
        return _report.flaky_message(label, name, changed, None, verbose=style.verbose, fix=fix)
    if _normalize.only_growth(all_diffs):
        return _report.flaky_message(
            label, name, changed, None, verbose=style.verbose, fix=_report.kept_state_fix()
        )
    # Kept state beside volatile values (a new row's id, and its timestamp): `setup` for
    # the first, `redact` for the others; a rule that hid the id would hide the kept state.
    growing = [d for d in all_diffs if _normalize.only_growth([d])]
    volatile = [d for d in all_diffs if d not in growing]
    body = [(p[1:], x, y) for p, x, y in volatile if p[:1] == ("body",)]
    # Headers and text bodies can only be hidden by the value detectors.
    other = [((), x, y) for p, x, y in volatile if p[:1] in (("headers",), ("text",), ("state",))]
    new = [rule for rule in _normalize.suggest_rules([*body, *other]) if rule not in redact]
    hidden = len(body) + len(other) == len(volatile)
    line = None
    if new and hidden:
        line = "redact = [" + ", ".join(f'"{r}"' for r in [*redact, *new]) + "]"
    where = dict.fromkeys(_report.difference_at(p, generalise=True) for p, _, _ in growing)
    fix = _report.kept_state_fix(list(where)) if growing else []
    if fix and line is None:
        fix += [
            "",
            "No `redact` rule can hide the other differences: make the response deterministic "
            "or leave the operation out with `exclude`.",
        ]
    return _report.flaky_message(label, name, changed, line, verbose=style.verbose, fix=fix)


def clock_read(
    label: str, name: str, results: Sequence[CaseResult], redact: Sequence[str]
) -> str | None:
    """Values read from the clock (a JWT's ``iat``, epoch seconds, a timestamp of now): the
    same in both sends only because they fell in the same second. None if there are none."""
    found = []
    for title, result in zip(titles(results), results, strict=True):
        readings = _normalize.clock_readings(result.response)
        if readings:
            found.append((title, _report.request_line(result.case.request), readings))
    if not found:
        return None
    out = [
        f"{label}: responses hold values read from the clock; both sends fell within the "
        f"same second, the next run will not, so {name} was not written:"
    ]
    for title, request, readings in found[: _report.FLAKY_CASES]:
        out += ["", title, *_report.indent(request.splitlines(), "  ")]
        out += [f"  {where}: {what}" for _, where, what in readings[: _report.FLAKY_DIFFERENCES]]
    if len(found) > _report.FLAKY_CASES:
        more = len(found) - _report.FLAKY_CASES
        out += ["", f"{_report.plural(more, 'more case')} too; `pytest -v` shows each"]
    kinds = [kind for _, _, readings in found for kind, _, _ in readings]
    out += [
        "",
        "Redact them in pyproject.toml (or in the operation's `operations` table), then record "
        "again:",
        "  [tool.contractsnap]",
        _setting("redact", redact, kinds),
    ]
    return "\n".join(out)


def flaky_carried(
    label: str, name: str, first: Mapping[str, Carried], second: Mapping[str, Carried]
) -> str | None:
    """Carried values that differ between two passes of a scenario (None if they agree)."""
    diffs = _normalize.differences(first, second, ("carried",))
    if not diffs:
        return None
    return _report.flaky_message(label, name, [("carried values", "", diffs)], None)


def rate_limited(label: str, results: Sequence[CaseResult]) -> str | None:
    """Cases recorded as a rate limit's answer (None: none were), said with the fix."""
    limited = [r for r in results if r.response.get("status") == RATE_LIMITED]
    if not limited:
        return None
    return (
        f"{label}: {len(limited)} of {_report.plural(len(results), 'case')} were recorded "
        f"answering {RATE_LIMITED} Too Many Requests: the snapshot holds the app's rate limit, "
        "not what the operation does (recording sends every case twice). Switch the limit off "
        "for the tests (in `setup`, or in the app's test settings) and record again"
    )


def unredacted(label: str, results: Sequence[CaseResult], redact: Sequence[str]) -> str | None:
    """A recorded value that looks volatile but was the same in both sends, pointed at.

    A clock read to the second, say, passes the double send and fails a later run.
    """
    for result in results:
        found = _normalize.volatile_looking(result.response, redact)
        if found:
            kind, where, value = found
            return (
                f"{label}: recorded a value that looks like a {kind} at {where} "
                f'({value!r}); if it changes between runs, add "{kind}" to `redact`'
            )
    return None


#: Cases whose contract violations are shown in detail (``pytest -v``: all of them).
VIOLATING_CASES = 3


@dataclasses.dataclass
class Contract:
    """What the contract checks found in one pass, and how to say it."""

    label: str
    warnings: list[CheckFailure]
    violations: list[CheckFailure]
    #: The cases the app failed on, with what it raised (empty: none failed).
    server_errors: list[str]
    #: The other violations, case by case (empty: there are none).
    broken: list[str]
    #: Violations its snapshot already holds (its contract debt): said, not failed.
    debt: list[CheckFailure] = dataclasses.field(default_factory=list)

    def message(self, diff: str | None = None) -> str | None:
        """Server errors first, then the snapshot's ``diff`` if any (None: the snapshot
        matched), then the other violations; None when there is none of them."""
        parts = ["\n".join(self.server_errors)] if self.server_errors else []
        if diff:
            parts.append(diff)
        if self.broken:
            matched = " (the snapshot is up to date; these are contract checks)"
            parts.append(
                f"{self.label}: the responses break the API contract"
                + (matched if diff is None else "")  # "": only server errors differ
                + ":"
                + "\n".join(self.broken)
                + "\n\nFix the app or the schema, or configure the checks: `checks`/"
                "`warn_checks` in [tool.contractsnap] or "
                f'[tool.contractsnap.operations."{self.label}"]'
            )
        return "\n\n".join(parts) or None


def contract(
    label: str,
    results: Sequence[CaseResult],
    style: Style = PLAIN,
    known: Sequence[frozenset[str]] = (),
) -> Contract:
    """The warnings and violations of a pass, and their messages. A violation that its
    case's ``known`` checks name is debt, not a failure (a server error never is)."""
    errors: list[str] = []
    warnings: list[CheckFailure] = []
    violations: list[CheckFailure] = []
    debt: list[CheckFailure] = []
    broken = 0
    for number, (title, result) in enumerate(zip(titles(results), results, strict=True)):
        owed = known[number] if number < len(known) else frozenset()
        kept = [f for f in result.failures if f.error and not f.server and f.check in owed]
        debt += kept
        bad = [f for f in result.failures if f.error and f not in kept]
        warnings += [f for f in result.failures if not f.error]
        violations += bad
        shown = [f for f in bad if not f.server_error]  # those are in the server errors part
        if shown:
            broken += 1
            if style.verbose or broken <= VIOLATING_CASES:
                errors += ["", title, *_request_lines(result.case.request, style)]
                errors.append(f"  -> {result.response.get('status', 'no response')}")
                errors += _report.failures_lines(shown)
    if broken > VIOLATING_CASES and not style.verbose:
        more = broken - VIOLATING_CASES
        errors += ["", f"{_report.plural(more, 'more case')} broke it too; `pytest -v` shows each"]
    return Contract(
        label, warnings, violations, _server_errors(label, results, style), errors, debt
    )


def order_dependent(labels: Sequence[str], *, setup: bool) -> str:
    """Reads that answered otherwise once every operation of the recording had run."""
    reset = " and `setup` had reset the state" if setup else ""
    fix = (
        "make `setup` reset everything these read"
        if setup
        else 'reset the state before each pass with `setup` ("Resetting state" in the README)'
    )
    return (
        f"{', '.join(labels)}: answered otherwise when sent again after every operation of the "
        f"recording had run{reset}: the answer depends on what other operations wrote, so a "
        "gate that runs them in another order (-k, --contractsnap-op, -n 2) finds it changed; "
        f"{fix}, then record again"
    )


# -- the OpenAPI document --------------------------------------------------------------------

#: Differences of the OpenAPI document listed in a message; the report shows them all.
DOCUMENT_DIFFERENCES = 5


def _document_lines(
    changed: Sequence[tuple[JsonPath, JSON, JSON]], lists: Sequence[JsonPath]
) -> list[str]:
    lines = [
        f"  {path_to_selector(path, generalise=False)}: {short(a)} then {short(b)}"
        for path, a, b in changed
    ]
    lines += [
        f"  {path_to_selector(path, generalise=False)}: the same items in another order"
        for path in lists
    ]
    if len(lines) > DOCUMENT_DIFFERENCES:
        more = len(lines) - DOCUMENT_DIFFERENCES
        lines = [*lines[:DOCUMENT_DIFFERENCES], f"  ... {_report.plural(more, 'more difference')}"]
    return lines


def _setting(key: str, old: Sequence[str], new: Sequence[str]) -> str:
    values = list(dict.fromkeys([*old, *new]))
    return f"  {key} = [" + ", ".join(f'"{v}"' for v in values) + "]"


def unstable_document(
    shown: str,
    changed: Sequence[tuple[JsonPath, JSON, JSON]],
    lists: Sequence[JsonPath],
    configured: Mapping[str, Sequence[str]],
) -> str:
    """The document a second process served differs from this run's: each difference, and
    the ``schema_redact``/``schema_unordered`` lines that make it stable."""
    out = [
        "the OpenAPI document is not the same when the app starts again (another process, "
        f"another hash seed), so every gate would find it changed; {shown} was not recorded:",
        *_document_lines(changed, lists),
        "",
        "Values computed at import or start-up (a time, a build number) and lists in set "
        "order are no part of the contract: normalise them in pyproject.toml, then record again:",
        "  [tool.contractsnap]",
    ]
    if changed:
        paths = [path_to_selector(path) for path, _, _ in changed]
        out.append(_setting("schema_redact", configured.get("schema_redact", ()), paths))
    if lists:
        paths = [path_to_selector(path) for path in lists]
        out.append(_setting("schema_unordered", configured.get("schema_unordered", ()), paths))
    return "\n".join(out)


def document_differs(
    shown: str, changed: Sequence[tuple[JsonPath, JSON, JSON]], lists: Sequence[JsonPath]
) -> str:
    """A gate read another document than the stored one: said, not failed (an operation
    whose requests it changes is stale, and fails as such)."""
    count = len(changed) + len(lists)
    return "\n".join(
        [
            f"the OpenAPI document differs from {shown} in "
            f"{_report.plural(count, 'place')} (operations whose requests it changes are "
            "reported as stale); `contractsnap report` shows each difference, "
            "`pytest --snapshot-update` records it:",
            *_document_lines(changed, lists),
        ]
    )


def unchecked_document(reason: str) -> str:
    """The second process gave no document: the check is skipped, and said so."""
    return (
        "could not read the OpenAPI document in a second process to check that it is the "
        f"same on every start ({reason}); recorded as read"
    )
