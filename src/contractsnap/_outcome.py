"""What a run learned about one suite, mergeable across pytest-xdist workers.

Each worker reports the operations it collected and ran, the contract findings and the
orphaned files it saw; the controller merges the reports and decides, once, whether the
run was complete enough to flag or delete orphans. A serial run is the one-worker case.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Mapping
from typing import TypedDict

from . import _coverage
from ._checks import CheckFailure
from ._verdict import Findings


class FailureData(TypedDict):
    """A ``CheckFailure`` as a worker sends it."""

    code: str
    title: str
    message: str
    error: bool
    server: bool
    check: str


class OutcomeData(TypedDict):
    """An ``Outcome`` as a pytest-xdist worker sends it to the controller."""

    directory: str
    display: str
    everything: list[str]
    selected: list[str]
    started: list[str]
    orphans: list[str]
    warnings: dict[str, list[FailureData]]
    violations: dict[str, list[FailureData]]
    debt: dict[str, list[FailureData]]
    notes: list[str]
    owns_orphans: bool
    schema: str
    origin: dict[str, object]
    reached: dict[str, list[int]]
    recorded: list[str]
    stepped: list[str]
    sent_steps: list[str]
    uncollected: list[str]
    infers: bool
    fail_uncovered: bool
    min_reach: int


def _failures_data(found: Mapping[str, list[CheckFailure]]) -> dict[str, list[FailureData]]:
    return {
        label: [
            FailureData(
                code=f.code,
                title=f.title,
                message=f.message,
                error=f.error,
                server=f.server,
                check=f.check,
            )
            for f in items
        ]
        for label, items in found.items()
    }


@dataclasses.dataclass
class Outcome:
    """The verdicts of one suite (one snapshot directory) in one process."""

    directory: str
    display: str
    everything: set[str] = dataclasses.field(default_factory=set)
    selected: set[str] = dataclasses.field(default_factory=set)
    started: set[str] = dataclasses.field(default_factory=set)
    orphans: list[str] = dataclasses.field(default_factory=list)
    warnings: dict[str, list[CheckFailure]] = dataclasses.field(default_factory=dict)
    violations: dict[str, list[CheckFailure]] = dataclasses.field(default_factory=dict)
    #: Violations the snapshots already hold (recorded as known), by operation.
    debt: dict[str, list[CheckFailure]] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    #: Whether this run settles orphans: every unsharded run, and shard 1 of a sharded one
    #: (orphans belong to no operation, so exactly one shard must look after them).
    owns_orphans: bool = True
    #: The app's OpenAPI document as this run read it (canonical text), kept beside the
    #: snapshots as ``openapi.json`` so reports can classify schema changes too.
    schema: str = ""
    #: The settings another process needs to read the document again, as the app serves it
    #: (empty when it comes from a file): recording checks that it is the same there.
    origin: dict[str, object] = dataclasses.field(default_factory=dict)
    #: The statuses each operation's cases got in this run, for the coverage summary.
    reached: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    #: The operations that have a snapshot file after their test.
    recorded: set[str] = dataclasses.field(default_factory=set)
    #: The operations a scenario of the suite sends, and those it sent a step to this run.
    stepped: set[str] = dataclasses.field(default_factory=set)
    sent_steps: set[str] = dataclasses.field(default_factory=set)
    #: Operations and scenarios of the app that no test was collected for: added since the
    #: stored OpenAPI document the run collected from.
    uncollected: set[str] = dataclasses.field(default_factory=set)
    #: Whether the suite infers scenarios (``infer_scenarios``).
    infers: bool = True
    #: Whether a documented status that no case reached fails the run.
    fail_uncovered: bool = False
    #: The reach below which a complete run fails (``min_reach``, percent).
    min_reach: int = 0

    def to_json(self) -> OutcomeData:
        return OutcomeData(
            directory=self.directory,
            display=self.display,
            everything=sorted(self.everything),
            selected=sorted(self.selected),
            started=sorted(self.started),
            orphans=list(self.orphans),
            warnings=_failures_data(self.warnings),
            violations=_failures_data(self.violations),
            debt=_failures_data(self.debt),
            notes=list(self.notes),
            owns_orphans=self.owns_orphans,
            schema=self.schema,
            origin=dict(self.origin),
            reached={label: list(found) for label, found in self.reached.items()},
            recorded=sorted(self.recorded),
            stepped=sorted(self.stepped),
            sent_steps=sorted(self.sent_steps),
            uncollected=sorted(self.uncollected),
            infers=self.infers,
            fail_uncovered=self.fail_uncovered,
            min_reach=self.min_reach,
        )

    @classmethod
    def from_json(cls, data: OutcomeData) -> Outcome:
        def failures(found: Mapping[str, Iterable[FailureData]]) -> dict[str, list[CheckFailure]]:
            return {label: [CheckFailure(**f) for f in items] for label, items in found.items()}

        return cls(
            directory=data["directory"],
            display=data["display"],
            everything=set(data["everything"]),
            selected=set(data["selected"]),
            started=set(data["started"]),
            orphans=list(data["orphans"]),
            warnings=failures(data["warnings"]),
            violations=failures(data["violations"]),
            debt=failures(data.get("debt", {})),
            notes=list(data["notes"]),
            owns_orphans=bool(data.get("owns_orphans", True)),
            schema=str(data.get("schema", "")),
            origin=dict(data.get("origin", {})),
            reached={label: list(found) for label, found in data.get("reached", {}).items()},
            recorded=set(data.get("recorded", ())),
            stepped=set(data.get("stepped", ())),
            sent_steps=set(data.get("sent_steps", ())),
            uncollected=set(data.get("uncollected", ())),
            infers=bool(data.get("infers", True)),
            fail_uncovered=bool(data.get("fail_uncovered", False)),
            min_reach=int(data.get("min_reach", 0)),
        )

    def merge(self, other: Outcome) -> None:
        """Fold another worker's outcome of the same suite into this one."""
        self.everything |= other.everything
        self.selected |= other.selected
        self.started |= other.started
        self.orphans = sorted(set(self.orphans) | set(other.orphans))
        for mine, theirs in (
            (self.warnings, other.warnings),
            (self.violations, other.violations),
            (self.debt, other.debt),
        ):
            for label, found in theirs.items():
                mine.setdefault(label, []).extend(found)
        self.notes += [note for note in other.notes if note not in self.notes]
        self.schema = self.schema or other.schema
        self.origin = self.origin or other.origin
        for label, statuses in other.reached.items():
            self.reached[label] = sorted({*self.reached.get(label, ()), *statuses})
        self.recorded |= other.recorded
        self.stepped |= other.stepped
        self.sent_steps |= other.sent_steps
        self.uncollected |= other.uncollected
        self.infers = self.infers and other.infers
        self.fail_uncovered |= other.fail_uncovered
        self.min_reach = max(self.min_reach, other.min_reach)

    def fold(self, label: str, findings: Findings) -> None:
        """Add what the check of ``label`` found."""
        for note in findings.notes:
            self.note(note)
        if findings.warnings:
            self.warnings.setdefault(label, []).extend(findings.warnings)
        if findings.violations:
            self.violations.setdefault(label, []).extend(findings.violations)
        if findings.debt:
            self.debt.setdefault(label, []).extend(findings.debt)
        if findings.reached is not None:
            self.reached[label] = sorted({*self.reached.get(label, ()), *findings.reached})
        for step, statuses in findings.steps_reached.items():
            self.reached[step] = sorted({*self.reached.get(step, ()), *statuses})
            self.sent_steps.add(step)

    def note(self, text: str) -> None:
        """Add a line to the run's summary, once (a suite may be started more than once)."""
        if text not in self.notes:
            self.notes.append(text)

    def coverage(self) -> list[_coverage.OperationCoverage]:
        """Coverage of the operations this run selected, by the statuses their cases got."""
        if not self.schema:
            return []
        return _coverage.measure(
            json.loads(self.schema),
            self.reached,
            self.selected,
            self.recorded,
            self.stepped,
            inferring=self.infers,
            sent=self.sent_steps,
        )

    def settle_reach(self) -> str | None:
        """With ``min_reach``: why the run fails, if too few operations answered a 2xx."""
        coverage = self.coverage()
        reach = _coverage.reach(coverage)
        if not self.min_reach or reach >= self.min_reach:
            return None
        missed = [item.label for item in coverage if not item.succeeded]
        return (
            f"reach {reach:.0f}% is below `min_reach` = {self.min_reach}: "
            f"{len(missed)} of {len(coverage)} operations answered no 2xx ("
            + ", ".join(missed[:5])
            + (", ..." if len(missed) > 5 else "")
            + "); the coverage summary says why for each"
        )

    def settle_coverage(self) -> list[tuple[str, str]]:
        """With ``fail_uncovered``: each operation that missed a documented status, and why
        (each fails the run)."""
        if not self.fail_uncovered:
            return []
        return [
            (
                item.label,
                f"{item.label}: no case reached documented status {', '.join(item.missing)} "
                "(`fail_uncovered`); add an example that does, record `negative`/`fuzz` cases "
                "for the operation, or remove the status from the schema",
            )
            for item in self.coverage()
            if item.missing
        ]

    @property
    def complete(self) -> bool:
        """Every operation of the suite was selected and its test started."""
        return bool(self.everything) and self.selected == self.everything == self.started
