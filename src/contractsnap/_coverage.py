"""Coverage: which operations have snapshots, which documented statuses they reached, and
the reach: which operations answered a 2xx at all (in their own file or in a scenario step).

Computed from an OpenAPI document and the snapshot documents alone (no app, no generation),
so the end of a pytest run and the report command (on committed files) say the same thing.
A documented ``4XX`` range counts as reached by any 4xx status; ``default`` is never listed
as missing (it documents every other status, not one that must occur).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping

from . import _openapi, _pointer
from ._canonical import JSON

_NOT_FOUND = frozenset({404, 410})
_REFUSED = frozenset({400, 409, 415, 422})
#: Whether an operation (method, path, operationId, tags) takes part in the run.
Keep = Callable[[str, str, "str | None", "tuple[str, ...]"], bool]


@dataclasses.dataclass(frozen=True)
class OperationCoverage:
    """One operation: its documented statuses and the statuses its recorded cases got."""

    label: str
    documented: tuple[str, ...]
    reached: tuple[int, ...]
    recorded: bool
    #: Whether a scenario sends it (after the step that creates what it reads).
    stepped: bool = False
    #: Whether scenarios are inferred (``infer_scenarios``): without, none was looked for.
    inferring: bool = True
    #: Whether no scenario that sends it got to its step in this run (one was stale, or
    #: failed before that step): its statuses are its own cases' only.
    unsent: bool = False

    @property
    def succeeded(self) -> bool:
        """Whether a case or a scenario step got a 2xx: the handler's real work is in the
        snapshot, not only its refusals."""
        return any(200 <= status < 300 for status in self.reached)

    @property
    def why_not(self) -> str:
        """Why the operation has no 2xx, in a few words, with what would help."""
        statuses = set(self.reached)
        if not self.recorded:
            return "not recorded"
        if statuses & _NOT_FOUND and statuses <= _NOT_FOUND | _REFUSED:
            # Refused input aside (the cases meant to be refused), what it took was not found.
            seen = "only 404s" if statuses <= _NOT_FOUND else "404s and refused input"
            return self._not_found(seen)
        if statuses and statuses <= {401, 403}:
            return "only 401/403: send credentials with the `contractsnap_auth_headers` fixture"
        if statuses and statuses <= _REFUSED:
            return (
                "only refused input: a known value for what every request must carry right "
                '(`[tool.contractsnap.parameters] token = "..."`), `examples` in the schema, '
                "or a scenario"
            )
        if any(status >= 500 for status in statuses):
            return "server errors"
        return "no 2xx: " + (" ".join(map(str, sorted(statuses))) or "no answer")

    def _not_found(self, seen: str) -> str:
        if self.stepped and self.unsent:
            return (
                f"{seen}: no scenario got to its step in this run (not selected, stale, or "
                "failed before that step: its test says which)"
            )
        if self.stepped:
            return (
                f"{seen}, in its scenario steps too: the ids carried to it find nothing; "
                "check what the step it reads answers"
            )
        names = re.findall(r"\{([^{}]+)\}", self.label)
        known = (
            f'a known value, `[tool.contractsnap.parameters] {names[0]} = "..."` with one that '
            "exists after `setup`, or "
            if names
            else ""
        )
        why = (
            "no producer found (no operation answers an id it takes)"
            if self.inferring
            else "no scenario reaches it (`infer_scenarios = false`: none is inferred from "
            "the operation that creates what it reads)"
        )
        return f"{seen}: {why}; {known}`examples` with ids that exist"

    @property
    def missing(self) -> tuple[str, ...]:
        """Documented statuses (or ranges) no recorded case reached."""
        return tuple(
            code
            for code in self.documented
            if code != "default" and not any(_covers(code, status) for status in self.reached)
        )

    def to_json(self) -> dict[str, JSON]:
        return {
            "operation": self.label,
            "snapshot": self.recorded,
            "2xx": self.succeeded,
            "documented": list(self.documented),
            "reached": list(self.reached),
            "missing": list(self.missing),
        }


def _covers(code: str, status: int) -> bool:
    if len(code) == 3 and code[1:].upper() == "XX":
        return str(status)[:1] == code[0]
    return code == str(status)


def _resolve(document: Mapping[str, object], value: object) -> object:
    """Follow local ``$ref``s (``#/...``); None where they lead nowhere or round in a circle."""
    try:
        return _pointer.follow(document, value)
    except _pointer.PointerError:
        return None


def documented(document: Mapping[str, object]) -> dict[str, tuple[str, ...]]:
    """Every operation of an OpenAPI document (``"GET /books"``) with its documented statuses."""
    out: dict[str, tuple[str, ...]] = {}
    for path, method, definition, _ in _openapi.operations(document):
        responses = _resolve(document, definition.get("responses"))
        codes = sorted(map(str, responses)) if isinstance(responses, Mapping) else []
        out[f"{method.upper()} {path}"] = tuple(codes)
    return out


def kept(document: Mapping[str, object], keep: Keep) -> list[str]:
    """The labels of the operations that ``keep`` accepts (the run's include/exclude)."""
    labels = []
    for path, method, definition, _ in _openapi.operations(document):
        operation_id = definition.get("operationId")
        raw_tags = definition.get("tags")
        tags = tuple(map(str, raw_tags)) if isinstance(raw_tags, list) else ()
        operation_id = operation_id if isinstance(operation_id, str) else None
        if keep(method.upper(), path, operation_id, tags):
            labels.append(f"{method.upper()} {path}")
    return labels


def reached(snapshots: Iterable[Mapping[str, object]]) -> dict[str, tuple[int, ...]]:
    """The statuses recorded in snapshot documents, by operation label: an operation's
    cases, and the scenario steps that send it."""
    out: dict[str, set[int]] = {}
    for snapshot in snapshots:
        operation, cases, steps = (snapshot.get(k) for k in ("operation", "cases", "steps"))
        if isinstance(operation, Mapping) and isinstance(cases, list):
            label = f"{operation.get('method')} {operation.get('path')}"
            out.setdefault(label, set()).update(_statuses(cases))
        elif isinstance(steps, list):
            for step in steps:
                if isinstance(step, Mapping) and isinstance(step.get("operation"), str):
                    out.setdefault(str(step["operation"]), set()).update(_statuses([step]))
    return {label: tuple(sorted(statuses)) for label, statuses in out.items()}


def stepped(snapshots: Iterable[Mapping[str, object]]) -> set[str]:
    """The operations that scenario steps of snapshot documents send."""
    found = set()
    for snapshot in snapshots:
        steps = snapshot.get("steps")
        for step in steps if isinstance(steps, list) else ():
            if isinstance(step, Mapping) and isinstance(step.get("operation"), str):
                found.add(str(step["operation"]))
    return found


def _statuses(entries: Iterable[object]) -> set[int]:
    found = set()
    for entry in entries:
        response = entry.get("response") if isinstance(entry, Mapping) else None
        status = response.get("status") if isinstance(response, Mapping) else None
        if isinstance(status, int):
            found.add(status)
    return found


def measure(
    document: Mapping[str, object],
    statuses: Mapping[str, Iterable[int]],
    selected: Iterable[str] | None = None,
    recorded: Iterable[str] | None = None,
    steps: Iterable[str] = (),
    *,
    inferring: bool = True,
    sent: Iterable[str] | None = None,
) -> list[OperationCoverage]:
    """Coverage of each operation of ``document`` (only ``selected`` labels, if given),
    from the statuses its cases got; ``recorded`` are the operations with a snapshot file
    (by default, those with statuses), ``steps`` those a scenario sends, ``sent`` those a
    scenario step was sent to in this run (None: all of ``steps``, as their files say)."""
    wanted = None if selected is None else set(selected)
    files = set(statuses if recorded is None else recorded)
    stepped = set(steps)
    sent_to = stepped if sent is None else set(sent)
    return [
        OperationCoverage(
            label,
            codes,
            tuple(sorted(set(statuses.get(label, ())))),
            label in files,
            label in stepped,
            inferring,
            label in stepped and label not in sent_to,
        )
        for label, codes in documented(document).items()
        if wanted is None or label in wanted
    ]


def totals(coverage: Iterable[OperationCoverage]) -> dict[str, int]:
    items = list(coverage)
    codes = [c for item in items for c in item.documented if c != "default"]
    missing = sum(len(item.missing) for item in items)
    return {
        "operations": len(items),
        "recorded": sum(item.recorded for item in items),
        "documented_statuses": len(codes),
        "reached_statuses": len(codes) - missing,
        "succeeded": sum(item.succeeded for item in items),
    }


def reach(coverage: Iterable[OperationCoverage]) -> float:
    """The share of the operations that answered a 2xx, in percent (100 with none)."""
    items = list(coverage)
    return 100.0 * sum(item.succeeded for item in items) / len(items) if items else 100.0


#: Operations without a 2xx named in the reach lines (-v: all).
UNREACHED_SHOWN = 10


def reach_lines(coverage: Iterable[OperationCoverage], *, verbose: bool = False) -> list[str]:
    """The reach, and each operation without a 2xx with why, in a word, and what helps."""
    items = list(coverage)
    t = totals(items)
    lines = [
        f"reach: {t['succeeded']} of {t['operations']} operations answered 2xx "
        f"({reach(items):.0f}%)" + ("; without one:" if t["succeeded"] < t["operations"] else "")
    ]
    missed = [item for item in items if not item.succeeded]
    shown = missed if verbose else missed[:UNREACHED_SHOWN]
    reasons: dict[str, list[str]] = {}  # one line for the operations that share a reason
    for item in shown:
        reasons.setdefault(item.why_not, []).append(item.label)
    lines += [f"  {', '.join(labels)}: {why}" for why, labels in reasons.items()]
    if len(shown) < len(missed):
        lines.append(f"  ... and {len(missed) - len(shown)} more; -v lists them")
    return lines


def headline(coverage: Iterable[OperationCoverage]) -> str:
    t = totals(coverage)
    return (
        f"{t['recorded']} of {t['operations']} operations have snapshots; "
        f"{t['reached_statuses']} of {t['documented_statuses']} documented statuses reached"
    )


def table(coverage: Iterable[OperationCoverage], *, markdown: bool = False) -> list[str]:
    """A table of every operation: snapshot or not, statuses reached and not reached."""
    rows = [
        (
            item.label,
            "yes" if item.recorded else "no",
            "yes" if item.succeeded else "no",
            " ".join(map(str, item.reached)) or "-",
            " ".join(item.missing) or "-",
        )
        for item in coverage
    ]
    header = ("operation", "snapshot", "2xx", "reached", "not reached")
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return lines + ["| " + " | ".join([f"`{row[0]}`", *row[1:]]) + " |" for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
