"""An operation as a target of the record-or-replay policy: its generated cases, sent in
order after the operation's set-up, one file per operation."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import _cases, _report, _snapshot
from ._checks import CheckFailure
from ._credentials import Credentials, Locations, Secrets
from ._documents import OperationDocument
from ._errors import ContractViolation, SchemaError
from ._exchange import CaseResult, Exchanger, Setup, call_setup
from ._messages import PLAIN, Style, case_mismatch
from ._probes import Probe
from ._schema import Operation
from ._verdict import Findings, Pass, Stored, Unsendable

_Stored = Stored[_cases.FrozenCase, OperationDocument]

#: The generated cases of an operation, for the places credentials travel.
Generate = Callable[[Operation, Locations], list[_cases.FrozenCase]]


@dataclasses.dataclass(frozen=True)
class Context:
    """What a target needs from its suite and its test for one check."""

    exchanger: Exchanger
    secrets: Secrets
    auth: Credentials
    setup: Setup | None
    probes: Mapping[str, Probe]
    findings: Findings
    generate: Generate
    #: ``max_read_size``: named when a carried value sits past a cut body.
    max_read_size: int
    #: How much the messages show.
    style: Style = PLAIN
    #: What changed in an operation's definition since the stored OpenAPI document.
    schema_changes: Callable[[str], list[str]] = lambda label: []

    def generated(self, operation: Operation) -> list[_cases.FrozenCase]:
        return self.generate(operation, self.secrets.locations(self.auth))


class OperationTarget:
    """One operation: its frozen cases, replayed or recorded."""

    def __init__(self, operation: Operation, path: Path, shown: str, context: Context) -> None:
        self.operation = operation
        self.label = operation.label
        self.fingerprint = operation.fingerprint
        self.selector = operation.label
        self.accept = _report.accept_command(self.selector)
        self.path = path
        self.shown = shown
        self._context = context

    def check_readable(self) -> None:
        if self.operation.error:
            raise SchemaError(
                f"{self.label}: schemathesis cannot read this operation: "
                f"{self.operation.error}; fix its definition in the schema or exclude it with "
                "`exclude`"
            )

    def read(self) -> _Stored | None:
        if not self.path.exists():
            return None
        stored = _snapshot.read(self.path)
        return Stored(stored.fingerprint, stored.version, stored.document, stored.cases)

    def check_stored(self, stored: _Stored) -> None:
        """The reader has checked every stored request already."""

    def stale(self, stored: _Stored) -> str:
        changes = self._context.schema_changes(self.label)
        what = (
            "its definition changed: " + "; ".join(changes)
            if changes
            else "its parameters, request body, security or case settings changed"
        )
        return (
            f"{self.label}: {what} (since {self.shown} was recorded: fingerprint "
            f"{stored.fingerprint} -> {self.fingerprint}); its frozen cases are stale. "
            "Record it again (the cases that still fit are kept as they are) with:\n  "
            + self.accept
        )

    async def plan(self) -> Sequence[_cases.FrozenCase]:
        return self._context.generated(self.operation)

    async def revise(self, stored: _Stored) -> Sequence[_cases.FrozenCase]:
        where = self._context.secrets.locations(self._context.auth)
        return _cases.revise(self.operation, stored.requests, await self.plan(), where)

    async def send(self, requests: Sequence[_cases.FrozenCase], *, current: bool = True) -> Pass:
        """The cases in order, after the set-up; the first pass's statuses are kept for the
        coverage. Normalised as the current format does (``current``) or an older one did."""
        context, operation = self._context, self.operation
        await call_setup(context.setup, operation)
        rules = context.secrets.rules(context.auth, current=current)
        probes = context.exchanger.usable_probes(context.probes)
        results = []
        for number, frozen in enumerate(requests, 1):
            where = f"{operation.label}, case {frozen.id}"
            try:
                answer = await context.exchanger.send(
                    operation, frozen.request, context.auth, probes, where
                )
            except TimeoutError:
                raise self._timed_out(number, len(requests), frozen) from None
            results.append(CaseResult.of(frozen, answer, rules))
        if context.findings.reached is None:
            statuses = {r.response.get("status") for r in results}
            context.findings.reached = sorted(s for s in statuses if isinstance(s, int))
        return Pass(results)

    def document(self, run: Pass) -> OperationDocument:
        operation = self.operation
        return {
            "format": _snapshot.FORMAT,
            "operation": {
                "fingerprint": operation.fingerprint,
                "method": operation.method,
                "operationId": operation.operation_id,
                "path": operation.path,
            },
            "cases": [r.stored() for r in run.results],
        }

    def mismatch(self, stored: _Stored, run: Pass, document: OperationDocument) -> str:
        return case_mismatch(
            self.label,
            self.shown,
            self.accept,
            stored.document,
            document,
            run.results,
            self._context.style,
        )

    def unsendable(self, exc: Unsendable, stored: _Stored) -> str:
        return str(exc)  # an operation's cases carry nothing

    def unsendable_hint(self) -> str:
        return ""

    def _timed_out(self, number: int, total: int, frozen: _cases.FrozenCase) -> ContractViolation:
        """A hang is not a response: nothing of this operation is recorded or compared
        (a recorded timeout could later be accepted as the expected answer)."""
        seconds = f"{self.operation.settings.timeout:g} s"
        title = _report.case_title(number, total, frozen.id, frozen.source, frozen.description)
        self._context.findings.violations.append(
            CheckFailure("TIMEOUT", "No response", f"{title}: none within {seconds}", True)
        )
        fate = "is left as it was" if self.path.exists() else "is not written"
        return ContractViolation(
            f"{self.label}: no response within {seconds} (the `timeout` setting) "
            f"to {title}; nothing was recorded or compared, {self.shown} "
            f"{fate}. Fix the endpoint, or give it more time with `timeout` in "
            f'[tool.contractsnap.operations."{self.label}"]\n'
            + "\n".join(_report.indent(_report.request_line(frozen.request).splitlines(), "  "))
        )
