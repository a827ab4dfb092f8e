"""The messages of a contract test: what changed, where, and the command that accepts it.

Pure functions from results to text; the verdict decides when each is raised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from . import _normalize, _report
from ._checks import CheckFailure
from ._documents import Carried, OperationDocument, Request, ScenarioDocument, State, Step
from ._exchange import CaseResult

#: Appended to a gate run's mismatch when the new result was written beside the snapshot.
PENDING_HINT = (
    "\n\nThe new result is in {name}{suffix}: review it with "
    "`contractsnap review`, or `contractsnap accept`/`reject`."
)


def titles(results: Sequence[CaseResult]) -> list[str]:
    """``case 2/5 [a1b2c3d4] example: ...`` per case; a scenario's step carries its title."""
    return [
        r.case.description
        if r.case.source == "step"
        else _report.case_title(i, len(results), r.case.id, r.case.source, r.case.description)
        for i, r in enumerate(results, 1)
    ]


def _request_lines(request: Request) -> list[str]:
    return _report.indent(_report.request_line(request).splitlines(), "  ")


def _state_lines(old_state: State, new_state: State, prefix: str = "    ") -> list[str]:
    lines: list[str] = []
    for probe in sorted({*old_state, *new_state}):
        if old_state.get(probe) != new_state.get(probe):
            lines.append(f"  state (probe {probe}):")
            diff = _report.json_diff(old_state.get(probe), new_state.get(probe))
            lines += _report.indent(diff, prefix)
    return lines


def _accept_tail(
    command: str, what: str = "If the change is intended, accept it with:"
) -> list[str]:
    return ["", what, "  " + command]


def case_mismatch(
    label: str,
    name: str,
    accept: str,
    stored: OperationDocument,
    document: OperationDocument,
    results: Sequence[CaseResult],
) -> str:
    """An operation's cases answered differently from its file ``name``."""
    stored_cases = stored["cases"]
    old_responses = [c["response"] for c in stored_cases]
    old_states = [c.get("state", {}) for c in stored_cases]
    changed = [
        (title, result, old, old_state)
        for title, result, old, old_state in zip(
            titles(results), results, old_responses, old_states, strict=True
        )
        if result.response != old or result.state != old_state
    ]
    out = [
        f"{label}: {len(changed)} of {_report.plural(len(results), 'case')} "
        f"answered differently from {name}"
    ]
    for title, result, old, old_state in changed:
        out += ["", title, *_request_lines(result.case.request)]
        if result.response != old:
            out += _report.indent(_report.json_diff(old, result.response), "  ")
        out += _state_lines(old_state, result.state)
    if stored.get("operation") != document["operation"]:
        out += ["", "operation:"]
        out += _report.indent(
            _report.json_diff(stored.get("operation"), document["operation"]), "  "
        )
    elif not changed:
        out += ["", "the file's text differs from what contractsnap writes:"]
        out += _report.indent(_report.json_diff(stored, document)[:40], "  ")
    return "\n".join([*out, *_accept_tail(accept)])


def step_mismatch(
    label: str,
    name: str,
    accept: str,
    step_titles: Sequence[str],
    old: ScenarioDocument,
    new: ScenarioDocument,
) -> str:
    """A scenario's steps (or carried values) answered differently from its file."""
    old_steps, new_steps = list(old.get("steps", [])), list(new["steps"])
    total = len(new_steps)
    out: list[str] = []
    changed = 0
    for number, (title, now) in enumerate(zip(step_titles, new_steps, strict=True), 1):
        before: Step | None = old_steps[number - 1] if number <= len(old_steps) else None
        old_response = before["response"] if before else None
        old_request = before["request"] if before else None
        lines: list[str] = []
        if old_response != now["response"]:
            lines += _report.indent(_report.json_diff(old_response, now["response"]))
        lines += _state_lines(before.get("state", {}) if before else {}, now.get("state", {}))
        if old_request != now["request"]:
            lines = [
                "  request:",
                *_report.indent(_report.json_diff(old_request, now["request"]), "    "),
                *lines,
            ]
        if lines:
            changed += 1
            out += ["", title, *_request_lines(now["request"]), *lines]
    if old.get("carried") != new["carried"]:
        out += ["", "carried values:"]
        out += _report.indent(_report.json_diff(old.get("carried"), new["carried"]))
    if not out:
        out += ["", "the file's text differs from what contractsnap writes:"]
        out += _report.indent(_report.json_diff(old, new)[:40])
    head = f"{label}: {changed} of {_report.plural(total, 'step')} answered differently from {name}"
    return "\n".join([head, *out, *_accept_tail(accept)])


def unsendable(
    reason: str,
    accept: str,
    step_titles: Sequence[str],
    done: Sequence[CaseResult],
    stored: ScenarioDocument,
) -> str:
    """A step could not be sent in a gate run: what the earlier steps answered."""
    out = [reason, "", "what the earlier steps answered, against the snapshot:"]
    old_steps = list(stored.get("steps", []))
    for number, result in enumerate(done, 1):
        before = old_steps[number - 1].get("response") if number <= len(old_steps) else None
        out += ["", step_titles[number - 1], *_request_lines(result.case.request)]
        if before == result.response:
            out.append("  (as in the snapshot)")
        else:
            out += _report.indent(_report.json_diff(before, result.response))
    out += _accept_tail(accept, "If the change is intended, record the scenario again with:")
    return "\n".join(out)


def flaky(
    label: str,
    name: str,
    first: Sequence[CaseResult],
    second: Sequence[CaseResult],
    redact: Sequence[str],
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
    body = [(p[1:], x, y) for p, x, y in all_diffs if p[:1] == ("body",)]
    # Headers and text bodies can only be hidden by the value detectors.
    other = [((), x, y) for p, x, y in all_diffs if p[:1] in (("headers",), ("text",), ("state",))]
    new = [rule for rule in _normalize.suggest_rules([*body, *other]) if rule not in redact]
    hidden = len(body) + len(other) == len(all_diffs)
    line = None
    if new and hidden:
        line = "redact = [" + ", ".join(f'"{r}"' for r in [*redact, *new]) + "]"
    return _report.flaky_message(label, name, changed, line)


def flaky_carried(
    label: str, name: str, first: Mapping[str, Carried], second: Mapping[str, Carried]
) -> str | None:
    """Carried values that differ between two passes of a scenario (None if they agree)."""
    diffs = _normalize.differences(first, second, ("carried",))
    if not diffs:
        return None
    return _report.flaky_message(label, name, [("carried values", "", diffs)], None)


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


def contract(
    label: str, results: Sequence[CaseResult]
) -> tuple[list[CheckFailure], list[CheckFailure], str | None]:
    """The warnings, the violations and the violations' message (None: there are none)."""
    errors: list[str] = []
    warnings: list[CheckFailure] = []
    violations: list[CheckFailure] = []
    for title, result in zip(titles(results), results, strict=True):
        bad = [f for f in result.failures if f.error]
        warnings += [f for f in result.failures if not f.error]
        if bad:
            violations += bad
            errors += ["", title, *_request_lines(result.case.request)]
            errors.append(f"  -> {result.response.get('status', 'no response')}")
            errors += _report.failures_lines(bad)
    if not errors:
        return warnings, violations, None
    return (
        warnings,
        violations,
        f"{label}: the responses break the API contract "
        "(the snapshot is up to date; these are contract checks):"
        + "\n".join(errors)
        + "\n\nFix the app or the schema, or configure the checks: `checks`/`warn_checks` "
        f'in [tool.contractsnap] or [tool.contractsnap.operations."{label}"]',
    )
