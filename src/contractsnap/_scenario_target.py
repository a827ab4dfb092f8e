"""A scenario as a target of the record-or-replay policy: its steps in order, from a fresh
state, one file.

Each pass calls the set-up first (with the first step's operation), then sends the steps in
order; a step's carried values are computed from the live answer of the step they come
from. Recording picks the requests: the first step's first generated case that gets the
status the scenario needs, and each later step's first valid case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from . import _canonical, _cases, _normalize, _report, _scenarios, _snapshot
from ._canonical import JSON
from ._credentials import SentCredentials
from ._documents import Carried, Request, ScenarioDocument
from ._documents import Step as DocumentStep
from ._errors import ContractViolation, SchemaError, SnapshotFileError
from ._exchange import Answer, CaseResult, call_setup
from ._expressions import Exchange, ExpressionError, evaluate
from ._messages import step_mismatch, unsendable
from ._scenarios import Scenario, Step
from ._targets import Context
from ._verdict import Pass, Stored, Unsendable

#: How many generated cases of a step recording tries, looking for one that gets the
#: status the scenario needs (a step that later steps read), or a 2xx (any other step).
_MAX_TRIES = 20
_MAX_TRIES_OTHERS = 5

_Stored = Stored[Request, ScenarioDocument]


def step_title(number: int, total: int, step: Step) -> str:
    via = f" (link {step.link})" if step.link else ""
    return f"step {number}/{total}: {step.label}{via}"


class ScenarioTarget:
    """One scenario: its steps' requests, replayed or recorded as one file."""

    def __init__(self, scenario: Scenario, path: Path, shown: str, context: Context) -> None:
        self.scenario = scenario
        self.label = scenario.label
        self.fingerprint = scenario.fingerprint
        self.selector = f"scenario:{scenario.name}"
        self.accept = _report.accept_command(self.selector)
        self.path = path
        self.shown = shown
        self._context = context
        self._placeholders = scenario.placeholders()
        total = len(scenario.steps)
        self._titles = [step_title(n, total, s) for n, s in enumerate(scenario.steps, 1)]

    def check_readable(self) -> None:
        scenario = self.scenario
        if scenario.error:
            raise SchemaError(f"{scenario.label}: {scenario.error}")
        for step in scenario.steps:
            if step.resolved.error:
                raise SchemaError(
                    f"{scenario.label}: its step {step.label} cannot be read by schemathesis: "
                    f"{step.resolved.error}"
                )

    def read(self) -> _Stored | None:
        if not self.path.exists():
            return None
        stored = _snapshot.read_scenario(self.path)
        return Stored(stored.fingerprint, stored.version, stored.document, stored.requests)

    def check_stored(self, stored: _Stored) -> None:
        """Refuse a file whose steps cannot be replayed as stored (a hand edit)."""
        fix = (
            f"the file was edited; restore it (git checkout -- {self.shown}) or delete it and "
            "record again with `pytest --snapshot-update`"
        )
        requests = stored.requests
        if len(requests) != len(self.scenario.steps):
            raise SnapshotFileError(
                f"{self.shown} has {_report.plural(len(requests), 'step')} but "
                f"{self.scenario.label} has {len(self.scenario.steps)}, with the same "
                f"fingerprint: {fix}"
            )
        for number, request in enumerate(requests, 1):
            problem = _snapshot.request_problem(request)
            if problem:
                raise SnapshotFileError(
                    f"{self.shown}: the request of step {number} {problem}: {fix}"
                )

    def stale(self, stored: _Stored) -> str:
        return (
            f"{self.label}: its steps, links or operations changed since {self.shown} "
            f"was recorded (fingerprint {stored.fingerprint} -> {self.fingerprint}); "
            "record it again with:\n  " + self.accept
        )

    # -- one pass --------------------------------------------------------------------------

    async def send(
        self, requests: Sequence[Request], *, steps: int = 0, current: bool = True
    ) -> Pass:
        """Send the steps (the first ``steps`` only, if given) after a fresh set-up;
        normalised as the current format does (``current``) or as an older one did."""
        context, scenario = self._context, self.scenario
        await call_setup(context.setup, scenario.steps[0].resolved)
        probes = context.exchanger.usable_probes(context.probes)
        exchanges: list[Exchange] = []
        values: dict[str, object] = {}
        answers: list[tuple[_cases.FrozenCase, Answer]] = []
        # The answers are redacted once the pass is over (or broken): with the credentials
        # every step sent, a token a later step sends too.
        credentials = SentCredentials(context.secrets, context.auth)

        def redacted() -> tuple[list[CaseResult], _normalize.Rules, _normalize.Tokens]:
            rules, tokens = credentials.rules(current=current), _normalize.Tokens()
            done = [CaseResult.of(frozen, answer, rules, tokens) for frozen, answer in answers]
            return done, rules, tokens

        chosen = list(zip(scenario.steps, requests, strict=True))[: steps or None]
        for number, (step, stored) in enumerate(chosen, 1):
            where = f"{scenario.label}, {self._titles[number - 1]}"

            def value_of(expression: str, step: Step = step, where: str = where) -> object:
                placeholder = self._placeholders[(step.source, expression)]
                if placeholder not in values:
                    source = exchanges[step.source - 1]
                    try:
                        values[placeholder] = evaluate(expression, source)
                    except ExpressionError as exc:
                        raise Unsendable(
                            f"{where} cannot be sent: `{expression}` of step {step.source} "
                            f"({self._answered(source)}): "
                            f"{self._why(exc, expression, answers[step.source - 1][1])}"
                        ) from None
                return values[placeholder]

            try:
                request = _scenarios.concrete(step, stored, value_of)
            except ExpressionError as exc:  # a body pointer that does not fit the body
                raise Unsendable(f"{where} cannot be sent: {exc}", redacted()[0]) from None
            except Unsendable as exc:
                raise Unsendable(str(exc), redacted()[0]) from None
            credentials.add(_scenarios.sent(step, request))
            try:
                answer = await context.exchanger.send(
                    step.resolved, request, context.auth, probes, where
                )
            except TimeoutError:
                seconds = f"{step.resolved.settings.timeout:g} s"
                raise ContractViolation(
                    f"{where}: no response within {seconds} (the `timeout` setting); nothing "
                    f"was recorded or compared, {self.shown} is left as it was"
                ) from None
            exchanges.append(Exchange(request, answer.response))
            answers.append((_cases.FrozenCase("step", self._titles[number - 1], stored), answer))
        results, rules, tokens = redacted()
        for step, result in zip(scenario.steps, results, strict=False):
            status = result.response.get("status")
            if isinstance(status, int):  # the reach of the step's operation
                context.findings.steps_reached.setdefault(step.label, set()).add(status)
        return Pass(results, self._carried(values, rules, tokens))

    @staticmethod
    def _answered(source: Exchange) -> str:
        return (
            f"{source.request['method']} {source.request['path']} -> {source.response.status_code}"
        )

    def _why(self, exc: ExpressionError, expression: str, answer: Answer) -> str:
        if answer.normalised.get("truncated") and expression.startswith("$response.body"):
            return (
                f"its body is cut at {self._context.max_read_size} bytes (the "
                "`max_read_size` setting); raise it for the value to be read"
            )
        return str(exc)

    def _carried(
        self, values: Mapping[str, object], rules: _normalize.Rules, tokens: _normalize.Tokens
    ) -> dict[str, Carried]:
        """The carried values as stored: where each came from and what it was, redacted with
        the steps' tokens (a value a selector hid in its answer keeps that token)."""
        shown: dict[str, Carried] = {}
        for (source, expression), placeholder in self._placeholders.items():
            if placeholder not in values or placeholder in shown:
                continue  # not reached, or another spelling of a value already shown
            hidden = {"carried": _hidden(values[placeholder], tokens)}
            value = _normalize.redact(hidden, rules, tokens)["carried"]
            shown[placeholder] = {"expression": expression, "step": source, "value": value}
        return shown

    def document(self, run: Pass) -> ScenarioDocument:
        scenario = self.scenario
        steps: list[DocumentStep] = []
        for number, (step, result) in enumerate(zip(scenario.steps, run.results, strict=True), 1):
            request = result.case.request.copy()
            entry: DocumentStep = {
                "id": _canonical.short_id([number, request]),
                "operation": step.label,
                "request": request,
                "response": result.response,
            }
            if step.link:
                entry["link"] = step.link
            if result.state:
                entry["state"] = result.state
            if result.violations:
                entry["violations"] = result.violations
            steps.append(entry)
        return {
            "format": _snapshot.FORMAT,
            "scenario": {
                "fingerprint": scenario.fingerprint,
                "name": scenario.name,
                "origin": scenario.origin,
            },
            "carried": run.carried,
            "steps": steps,
        }

    def mismatch(self, stored: _Stored, run: Pass, document: ScenarioDocument) -> str:
        return step_mismatch(
            self.label,
            self.shown,
            self.accept,
            self._titles,
            stored.document,
            document,
            self._context.style,
        )

    def unsendable(self, exc: Unsendable, stored: _Stored) -> str:
        return unsendable(
            str(exc), self.accept, self._titles, exc.done, stored.document, self._context.style
        )

    def unsendable_hint(self) -> str:
        if self.scenario.origin == "links":
            return "; check the link's parameters in the schema and what the first step answers"
        return "; check the step's `parameters` and what the step it reads answers"

    # -- recording -------------------------------------------------------------------------

    async def revise(self, stored: _Stored) -> list[Request]:
        return await self.plan()  # a scenario's steps depend on each other: planned whole

    async def plan(self) -> list[Request]:
        """The requests to record, step by step after the steps before them: for the first
        step and each step a later one reads, the first generated case that gets the status
        the scenario needs; for the others the first of their first few cases that gets a
        2xx (or their first case); carried values as placeholders."""
        steps = self.scenario.steps
        requests: list[Request] = []
        for step in steps:
            valid = self._valid(step)
            if not valid:
                raise SchemaError(
                    f"{self.scenario.label}: no valid request can be generated for {step.label}"
                )
            requests.append(_scenarios.masked(step, valid[0].request, self._placeholders))
        read = {step.source for step in steps}
        for index, step in enumerate(steps):
            needed = index == 0 or index + 1 in read or bool(step.status)
            requests[index] = await self._succeeding(requests, index, needed=needed)
        return requests

    async def _succeeding(self, requests: list[Request], index: int, *, needed: bool) -> Request:
        """The first generated request of step ``index + 1`` that gets the status it needs
        (or a server error), sent after the (planned) steps before it; if none does, the
        first request when it is not ``needed`` (no later step reads it)."""
        step = self.scenario.steps[index]
        tried: list[int] = []
        valid = self._valid(step)
        for case in valid[: _MAX_TRIES if needed else _MAX_TRIES_OTHERS]:
            request = _scenarios.masked(step, case.request, self._placeholders)
            trial = [*requests[:index], request, *requests[index + 1 :]]
            try:
                sent = await self.send(trial, steps=index + 1)
            except Unsendable as exc:  # what it carries is not in the answer it reads
                raise ContractViolation(self._not_carried(exc)) from None
            status = sent.results[index].response.get("status")
            if _wanted(step, status) or (isinstance(status, int) and status >= 500):
                return request  # a server error is recorded, to fail as one: never skipped
            tried.append(status if isinstance(status, int) else 0)
        if not needed:
            return _scenarios.masked(step, valid[0].request, self._placeholders)
        want = f"status {step.status}" if step.status else "a 2xx status"
        got = ", ".join(str(s) for s in tried)
        which = step.label if index == 0 else f"{step.label} (step {index + 1})"
        if self.scenario.origin == "inferred":
            fix = (
                f"Give {step.label} an example request that succeeds, or leave the scenario "
                f'out: exclude = ["scenario:{self.scenario.name}"]'
            )
        else:
            fix = (
                f"Give {step.label} an example request that succeeds (the first examples "
                "are tried first)"
                + ("" if self.scenario.origin == "links" else ", or set `status` on the step")
            )
        raise ContractViolation(
            f"{self.scenario.label}: no generated request of {which} got {want} "
            f"(tried {_report.plural(len(tried), 'case')}, answered {got}), so the later steps "
            f"have nothing to carry; {self.shown} was not written. {fix}"
        )

    def _not_carried(self, exc: Unsendable) -> str:
        """A step reads a value the answer of an earlier one does not hold: the link (or
        the inference) does not fit what the app answers."""
        if self.scenario.origin == "inferred":
            fix = (
                "The inference took the value's name from the schemas, and the app's answer "
                "has no such field; leave the scenario out: "
                f'exclude = ["scenario:{self.scenario.name}"], or declare the workflow as a '
                "scenario of its own"
            )
        elif self.scenario.origin == "links":
            fix = "Fix the link's expression in the OpenAPI document to name what the app answers"
        else:
            fix = (
                "Fix the step's expression in [[tool.contractsnap.scenarios]] to name what the "
                "app answers"
            )
        return f"{exc}; {self.shown} was not written. {fix}"

    def _valid(self, step: Step) -> list[_cases.FrozenCase]:
        return [c for c in self._context.generated(step.resolved) if c.source != "negative"]


def _hidden(value: object, tokens: _normalize.Tokens) -> JSON:
    """``value`` with each part a selector hid in a step's answer shown as that token (a
    carried object holds the hidden value as one of its members, not as the whole).

    A carried value is JSON, or the bytes of a binary request body (stored encoded)."""
    if isinstance(value, bytes):
        return _canonical.encode_value(value)
    token = tokens.known("redacted", _canonical.canonical_leaf(value))
    if token is not None:
        return token
    if isinstance(value, Mapping):
        return {str(key): _hidden(member, tokens) for key, member in value.items()}
    if isinstance(value, list):
        return [_hidden(item, tokens) for item in value]
    return _canonical.encode_value(value)


def _wanted(step: Step, status: object) -> bool:
    if not isinstance(status, int):
        return False
    return status == step.status if step.status else 200 <= status < 300
