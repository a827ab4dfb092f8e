"""Recording and replaying one scenario: its steps in order, from a fresh state, one file.

Each pass calls the set-up first (with the first step's operation), then sends the steps in
order; a step's carried values are computed from the live answer of the step they come
from. Recording picks the requests (the first step's first generated case that gets the
status the scenario needs, and each later step's first valid case), sends the whole
scenario twice to refuse flaky answers, and writes the file; a gate run replays the stored
requests and compares.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import _cases, _normalize, _pending, _report, _scenarios, _snapshot
from ._checks import CheckFailure
from ._errors import (
    ContractViolation,
    FlakyResponse,
    MissingSnapshot,
    SchemaError,
    SnapshotFileError,
    SnapshotMismatch,
    StaleCases,
)
from ._probes import Probe
from ._scenarios import Exchange, ExpressionError, Scenario, Step

if TYPE_CHECKING:
    from ._runner import AssertSnapshot, CaseResult, Credentials, Setup, Suite

#: How many generated cases of the first step recording tries, looking for one that gets
#: the status the scenario needs.
_MAX_TRIES = 20


class _Broken(Exception):
    """A step could not be sent: a value it carries has no value in the source answer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        #: The steps sent before it, redacted (set by the pass that raises it).
        self.done: list[CaseResult] = []


@dataclasses.dataclass
class _Pass:
    """One run through the steps: their results, the carried values (redacted)."""

    results: list[CaseResult]
    carried: dict[str, Any]


def step_title(number: int, total: int, step: Step) -> str:
    via = f" (link {step.link})" if step.link else ""
    return f"step {number}/{total}: {step.label}{via}"


def accept_command(scenario: Scenario) -> str:
    return _report.accept_command(f"scenario:{scenario.name}")


class _SentCredentials:
    """The run's credentials and those the steps of a pass send that it does not (a token
    a login answered, say): every step's answer is redacted with all of them."""

    def __init__(self, suite: Suite, auth: Credentials) -> None:
        self.suite = suite
        self.headers, self.params = dict(auth.headers), dict(auth.params)
        security = suite.schema.security if suite.schema else {}
        self.secret = {
            "header": suite.rules(auth).secret_headers,
            "query": {*security.get("query", ()), *auth.params},
            "cookie": security.get("cookie", set()),
        }

    def add(self, step: Step, request: Mapping[str, Any]) -> None:
        """The credentials the bindings of ``step`` put in its (concrete) ``request``."""
        for kind, name, value in _scenarios.sent(step, request):
            key = name.lower() if kind == "header" else name
            if isinstance(value, str) and value.isascii() and key in self.secret.get(kind, ()):
                if kind == "header":
                    self.headers[name] = value
                else:  # only the values matter to the rules: a cookie's goes with these
                    self.params[f"{kind}:{name}"] = value

    def rules(self) -> _normalize.Rules:
        from ._runner import Credentials  # here: ``_runner`` imports this module

        return self.suite.rules(Credentials(self.headers, self.params))


class ScenarioCheck:
    """One scenario's test: replay (gate) or record (``--snapshot-update``)."""

    def __init__(
        self,
        suite: Suite,
        scenario: Scenario,
        auth: Credentials,
        setup: Setup | None,
        probes: Mapping[str, Probe],
    ) -> None:
        self.suite = suite
        self.scenario = scenario
        self.auth = auth
        self.setup = setup
        self.probes = probes
        self.path = suite.file_for(scenario)
        self.name = suite.display(self.path)
        self.placeholders = scenario.placeholders()

    async def check(
        self, assert_snapshot: AssertSnapshot, *, update: bool, regenerate: bool
    ) -> None:
        scenario = self.scenario
        if scenario.error:
            raise SchemaError(f"{scenario.label}: {scenario.error}")
        for step in scenario.steps:
            if step.resolved.error:
                raise SchemaError(
                    f"{scenario.label}: its step {step.label} cannot be read by schemathesis: "
                    f"{step.resolved.error}"
                )
        stored = _snapshot.read_scenario(self.path) if self.path.exists() else None
        stale = stored is not None and stored.fingerprint != scenario.fingerprint
        if stored is not None and not stale:
            self._check_stored(stored.requests)
        if not update:
            if stored is None:
                raise MissingSnapshot(
                    f"{scenario.label}: no snapshot file {self.name}; record it with:\n  "
                    + accept_command(scenario)
                )
            if stale:
                raise StaleCases(
                    f"{scenario.label}: its steps, links or operations changed since {self.name} "
                    f"was recorded (fingerprint {stored.fingerprint} -> {scenario.fingerprint}); "
                    "record it again with:\n  " + accept_command(scenario)
                )
            assert stored is not None
            try:
                run = await self._pass(stored.requests)
            except _Broken as exc:
                raise SnapshotMismatch(self._broken(exc, stored.document)) from None
            document = self._document(run)
            if not assert_snapshot(document):
                message = self._mismatch(stored.document, document)
                if not _pending.in_ci():
                    _pending.write(self.path, document)
                    message += (
                        f"\n\nThe new result is in {self.name}{_pending.SUFFIX}: review it with "
                        "`contractsnap review`, or `contractsnap accept`/`reject`."
                    )
                raise SnapshotMismatch(message)
            if not _pending.in_ci():
                _pending.discard(self.path)
        else:
            if stored is None or stale or regenerate:
                requests = await self._plan()
            else:
                requests = [dict(r) for r in stored.requests]
            try:
                run = await self._pass(requests)
                again = await self._pass(requests)
            except _Broken as exc:
                raise ContractViolation(
                    f"{exc}; {self.name} was not written" + self._fix_hint()
                ) from None
            self._refuse_flaky(run, again)
            assert_snapshot(self._document(run))
            _pending.discard(self.path)
            self.suite.note_unredacted(self.scenario, run.results)
        self.suite.contract(self.scenario, run.results)

    def _check_stored(self, requests: Sequence[Mapping[str, Any]]) -> None:
        """Refuse a file whose steps cannot be replayed as stored (a hand edit)."""
        fix = (
            f"the file was edited; restore it (git checkout -- {self.name}) or delete it and "
            "record again with `pytest --snapshot-update`"
        )
        if len(requests) != len(self.scenario.steps):
            raise SnapshotFileError(
                f"{self.name} has {_report.plural(len(requests), 'step')} but "
                f"{self.scenario.label} has {len(self.scenario.steps)}, with the same "
                f"fingerprint: {fix}"
            )
        for number, request in enumerate(requests, 1):
            problem = _snapshot.request_problem(request)
            if problem:
                raise SnapshotFileError(
                    f"{self.name}: the request of step {number} {problem}: {fix}"
                )

    # -- one pass --------------------------------------------------------------------------

    async def _pass(self, requests: Sequence[Mapping[str, Any]], *, steps: int = 0) -> _Pass:
        """Send the steps (the first ``steps`` only, if given) after a fresh set-up."""
        from ._runner import CaseResult  # here: ``_runner`` imports this module

        suite, scenario = self.suite, self.scenario
        await suite.call_setup(self.setup, scenario.steps[0].resolved)
        probes = suite.usable_probes(self.probes)
        exchanges: list[Exchange] = []
        values: dict[str, Any] = {}
        answers: list[tuple[_cases.FrozenCase, dict[str, Any], list[CheckFailure]]] = []
        # The answers are redacted once the pass is over (or broken): with the credentials
        # every step sent, a token a later step sends too.
        credentials = _SentCredentials(suite, self.auth)

        def redacted() -> tuple[list[CaseResult], _normalize.Rules, _normalize.Tokens]:
            rules, tokens = credentials.rules(), _normalize.Tokens()
            done = [CaseResult.of(f, n, rules, fails, tokens) for f, n, fails in answers]
            return done, rules, tokens

        total = len(scenario.steps)
        chosen = list(zip(scenario.steps, requests, strict=True))[: steps or None]
        for number, (step, stored) in enumerate(chosen, 1):
            where = f"{scenario.label}, {step_title(number, total, step)}"

            def value_of(expression: str, step: Step = step, where: str = where) -> Any:
                placeholder = self.placeholders[(step.source, expression)]
                if placeholder not in values:
                    source = exchanges[step.source - 1]
                    try:
                        values[placeholder] = _scenarios.evaluate(expression, source)
                    except ExpressionError as exc:
                        sent = f"{source.request['method']} {source.request['path']}"
                        answer = f"{sent} -> {source.response.status_code}"
                        why = str(exc)
                        cut = answers[step.source - 1][1].get("truncated")
                        if cut and expression.startswith("$response.body"):
                            why = (
                                f"its body is cut at {suite.settings.max_read_size} bytes (the "
                                "`max_read_size` setting); raise it for the value to be read"
                            )
                        raise _Broken(
                            f"{where} cannot be sent: `{expression}` of step {step.source} "
                            f"({answer}): {why}"
                        ) from None
                return values[placeholder]

            try:
                request = _scenarios.concrete(step, stored, value_of)
            except ExpressionError as exc:  # a body pointer that does not fit the body
                broken = _Broken(f"{where} cannot be sent: {exc}")
                broken.done = redacted()[0]
                raise broken from None
            except _Broken as exc:
                exc.done = redacted()[0]
                raise
            credentials.add(step, request)
            try:
                normalised, response, failures = await suite.exchange(
                    step.resolved, request, self.auth, probes, where
                )
            except TimeoutError:
                seconds = f"{step.resolved.settings.timeout:g} s"
                raise ContractViolation(
                    f"{where}: no response within {seconds} (the `timeout` setting); nothing "
                    f"was recorded or compared, {self.name} is left as it was"
                ) from None
            exchanges.append(Exchange(request, response))
            frozen = _cases.FrozenCase("step", step_title(number, total, step), stored)
            answers.append((frozen, normalised, failures))
        results, rules, tokens = redacted()
        return _Pass(results, self._carried(values, rules, tokens))

    def _carried(
        self, values: Mapping[str, Any], rules: _normalize.Rules, tokens: _normalize.Tokens
    ) -> dict[str, Any]:
        """The carried values as stored: where each came from and what it was, redacted with
        the steps' tokens (a value a selector hid in its answer keeps that token)."""
        shown: dict[str, Any] = {}
        for (source, expression), placeholder in self.placeholders.items():
            if placeholder not in values or placeholder in shown:
                continue  # not reached, or another spelling of a value already shown
            hidden = {"carried": _hidden(values[placeholder], tokens)}
            value = _normalize.redact(hidden, rules, tokens)["carried"]
            shown[placeholder] = {"expression": expression, "step": source, "value": value}
        return shown

    def _document(self, run: _Pass) -> dict[str, Any]:
        scenario = self.scenario
        steps = []
        for number, (step, result) in enumerate(zip(scenario.steps, run.results, strict=True), 1):
            request = result.case.request
            digest = hashlib.sha256(_cases.canonical([number, request]).encode()).hexdigest()[:8]
            steps.append(
                {
                    "id": digest,
                    "operation": step.label,
                    **({"link": step.link} if step.link else {}),
                    "request": dict(request),
                    "response": result.response,
                    **({"state": result.state} if result.state else {}),
                }
            )
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

    # -- recording -------------------------------------------------------------------------

    async def _plan(self) -> list[dict[str, Any]]:
        """The requests to record: the first step's first generated case that gets the
        status the scenario needs, then each later step's first valid case, its carried
        values as placeholders."""
        requests: list[dict[str, Any]] = []
        for step in self.scenario.steps:
            valid = [c for c in self._generated(step) if c.source != "negative"]
            if not valid:
                raise SchemaError(
                    f"{self.scenario.label}: no valid request can be generated for {step.label}"
                )
            requests.append(_scenarios.masked(step, valid[0].request, self.placeholders))
        first = self.scenario.steps[0]
        tried: list[int] = []
        for case in [c for c in self._generated(first) if c.source != "negative"][:_MAX_TRIES]:
            requests[0] = _scenarios.masked(first, case.request, self.placeholders)
            status = (await self._pass(requests, steps=1)).results[0].response.get("status")
            if _wanted(first, status):
                return requests
            tried.append(status if isinstance(status, int) else 0)
        want = f"status {first.status}" if first.status else "a 2xx status"
        got = ", ".join(str(s) for s in tried)
        raise ContractViolation(
            f"{self.scenario.label}: no generated request of {first.label} got {want} "
            f"(tried {_report.plural(len(tried), 'case')}, answered {got}), so the later steps "
            f"have nothing to carry; {self.name} was not written. Give {first.label} an "
            "example request that succeeds (the first examples are tried first)"
            + ("" if self.scenario.origin == "links" else ", or set `status` on the first step")
        )

    def _generated(self, step: Step) -> list[_cases.FrozenCase]:
        return self.suite.generated(step.resolved, self.auth)

    def _fix_hint(self) -> str:
        if self.scenario.origin == "links":
            return "; check the link's parameters in the schema and what the first step answers"
        return "; check the step's `parameters` and what the step it reads answers"

    def _refuse_flaky(self, first: _Pass, second: _Pass) -> None:
        self.suite.refuse_flaky(self.scenario, self.name, first.results, second.results)
        diffs = _normalize.differences(first.carried, second.carried, ("carried",))
        if diffs:
            raise FlakyResponse(
                _report.flaky_message(
                    self.scenario.label, self.name, [("carried values", "", diffs)], None
                )
            )

    # -- messages --------------------------------------------------------------------------

    def _mismatch(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
        old_steps, new_steps = list(old.get("steps", [])), list(new["steps"])
        total = len(new_steps)
        out: list[str] = []
        changed = 0
        for number, (step, now) in enumerate(zip(self.scenario.steps, new_steps, strict=True), 1):
            before = old_steps[number - 1] if number <= len(old_steps) else {}
            lines: list[str] = []
            if before.get("response") != now["response"]:
                lines += _report.indent(_report.json_diff(before.get("response"), now["response"]))
            old_state, new_state = before.get("state", {}), now.get("state", {})
            for probe in sorted({*old_state, *new_state}):
                if old_state.get(probe) != new_state.get(probe):
                    lines.append(f"  state (probe {probe}):")
                    diff = _report.json_diff(old_state.get(probe), new_state.get(probe))
                    lines += _report.indent(diff, "    ")
            if before.get("request") != now["request"]:
                lines = [
                    "  request:",
                    *_report.indent(
                        _report.json_diff(before.get("request"), now["request"]), "    "
                    ),
                    *lines,
                ]
            if lines:
                changed += 1
                out += ["", step_title(number, total, step)]
                out += _report.indent(_report.request_line(now["request"]).splitlines(), "  ")
                out += lines
        if old.get("carried") != new["carried"]:
            out += ["", "carried values:"]
            out += _report.indent(_report.json_diff(old.get("carried"), new["carried"]))
        if not out:
            out += ["", "the file's text differs from what contractsnap writes:"]
            out += _report.indent(_report.json_diff(old, new)[:40])
        head = (
            f"{self.scenario.label}: {changed} of {_report.plural(total, 'step')} answered "
            f"differently from {self.name}"
        )
        return "\n".join(
            [
                head,
                *out,
                "",
                "If the change is intended, accept it with:",
                "  " + accept_command(self.scenario),
            ]
        )

    def _broken(self, exc: _Broken, stored: Mapping[str, Any]) -> str:
        """A step could not be sent in a gate run: what the earlier steps answered."""
        out = [f"{exc}", "", "what the earlier steps answered, against the snapshot:"]
        old_steps = list(stored.get("steps", []))
        total = len(self.scenario.steps)
        for number, result in enumerate(exc.done, 1):
            step = self.scenario.steps[number - 1]
            before = old_steps[number - 1].get("response") if number <= len(old_steps) else None
            out += ["", step_title(number, total, step)]
            out += _report.indent(_report.request_line(result.case.request).splitlines(), "  ")
            if before == result.response:
                out.append("  (as in the snapshot)")
            else:
                out += _report.indent(_report.json_diff(before, result.response))
        out += [
            "",
            "If the change is intended, record the scenario again with:",
            "  " + accept_command(self.scenario),
        ]
        return "\n".join(out)


def _hidden(value: Any, tokens: _normalize.Tokens) -> Any:
    """``value`` with each part a selector hid in a step's answer shown as that token (a
    carried object holds the hidden value as one of its members, not as the whole)."""
    token = tokens.known("redacted", _normalize.canonical_leaf(value))
    if token is not None:
        return token
    if isinstance(value, Mapping):
        return {key: _hidden(member, tokens) for key, member in value.items()}
    if isinstance(value, list):
        return [_hidden(item, tokens) for item in value]
    return value


def _wanted(step: Step, status: Any) -> bool:
    if not isinstance(status, int):
        return False
    return status == step.status if step.status else 200 <= status < 300
