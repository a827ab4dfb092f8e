"""One contract suite: discovery, then one check per operation, then the run's verdicts.

Discovery (once per run, inside the run's event loop): import the app, enter its lifespan,
read the OpenAPI document, list the operations. Each operation's test then either replays
the frozen cases of its snapshot file (a gate run) or records them (``--snapshot-update``).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import importlib
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx

from . import _cases, _client, _normalize, _pending, _probes, _report, _scenarios, _snapshot
from ._checks import CheckFailure, run_checks
from ._config import OperationSettings, Settings
from ._errors import (
    AppLoadError,
    ConfigError,
    ContractViolation,
    FlakyResponse,
    MissingSnapshot,
    SchemaError,
    SnapshotMismatch,
    StaleCases,
)
from ._outcome import Outcome
from ._probes import Probe
from ._scenario_run import ScenarioCheck
from ._scenarios import Scenario
from ._schema import ApiSchema, Operation

Setup = Callable[[Operation], Awaitable[None] | None]


class Labelled(Protocol):
    """An operation or a scenario: what findings are reported under."""

    @property
    def label(self) -> str: ...


AssertSnapshot = Callable[[Mapping[str, Any]], bool]


@dataclasses.dataclass
class CaseResult:
    case: _cases.FrozenCase
    response: dict[str, Any]
    failures: list[CheckFailure]
    #: What the case changed, per state probe (empty: nothing, or no probes).
    state: dict[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(
        cls,
        case: _cases.FrozenCase,
        normalised: dict[str, Any],
        rules: _normalize.Rules,
        failures: list[CheckFailure],
        tokens: _normalize.Tokens | None = None,
    ) -> CaseResult:
        """Redact the response and the state change together (tokens are shared, with the
        other steps of a scenario too when ``tokens`` is given)."""
        redacted = _normalize.redact(normalised, rules, tokens)
        state = redacted.pop("state", {})
        return cls(case, redacted, failures, state)

    def stored(self) -> dict[str, Any]:
        """The case as it is written in the snapshot file."""
        return {
            **self.case.to_json(),
            "response": self.response,
            **({"state": self.state} if self.state else {}),
        }


def import_callable(spec: str, key: str, source: str) -> Callable[..., Any]:
    module_name, _, attr = spec.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise AppLoadError(f"{source}: `{key}` = {spec!r} cannot be imported: {exc}") from None
    except Exception as exc:  # the module itself raised on import
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise AppLoadError(
            f"{source}: `{key}` = {spec!r}: importing {module_name!r} raised "
            f"{type(exc).__name__}: {first}; fix the module "
            f"(`python -c 'import {module_name}'` shows the traceback)"
        ) from exc
    if not callable(target):
        raise AppLoadError(f"{source}: `{key}` = {spec!r} is not callable")
    return target  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True)
class Credentials:
    """What the auth fixtures send with every request: headers and query parameters."""

    headers: Mapping[str, str]
    params: Mapping[str, str]


def _param_values(params: Mapping[str, Any]) -> list[str]:
    """Query credentials, as sent and as an app may echo them (percent-encoded is covered
    by the redaction's own spellings)."""
    for name, value in params.items():
        if not isinstance(value, str):
            raise ConfigError(
                f"contractsnap_auth_params: the value of query parameter {name!r} is "
                f"{type(value).__name__}; give it as a string"
            )
    return list(params.values())


def _secret_values(auth_headers: Mapping[str, Any]) -> list[str]:
    """Every credential the tool sends, in the forms an app may echo it back.

    The whole header value; the token after a scheme ("Bearer <token>"); for Basic, the
    decoded "user:password", the password (the user when there is none: an API key); for
    cookies, each cookie's value. A value HTTP cannot carry is refused here, by name.
    """
    values = []
    for name, value in auth_headers.items():
        if not isinstance(value, str) or not value.isascii():
            kind = "non-ASCII text" if isinstance(value, str) else type(value).__name__
            raise ConfigError(
                f"contractsnap_auth_headers: the value of header {name!r} is {kind}; "
                "HTTP header values are ASCII strings: percent-encode or base64-encode it"
            )
        values += [value, value.strip()]
        scheme, _, spaced = value.strip().partition(" ")
        credential = spaced.strip()
        if credential and scheme.isalpha():
            # As the app may split it: with the spaces after the scheme or without them.
            values += [credential, spaced, value.partition(" ")[2]]
            if scheme.lower() == "basic":
                with contextlib.suppress(ValueError):
                    decoded = base64.b64decode(credential, validate=True).decode()
                    user, _, password = decoded.partition(":")
                    values += [decoded, password or user]
        for part in value.replace(",", ";").split(";"):
            cookie_name, sep, cookie = part.strip().partition("=")
            if sep and cookie_name and cookie:
                values += [cookie, cookie.strip()]
    return values


class Suite:
    """The state of one contract suite for the duration of a pytest run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.directory = settings.snapshot_path
        self.extension = _snapshot.OperationSnapshot.for_directory(self.directory)
        self.scenario_extension = _snapshot.OperationSnapshot.for_directory(
            self.directory / _scenarios.DIRECTORY
        )
        self.outcome = Outcome(
            str(self.directory),
            self.display(self.directory),
            fail_uncovered=settings.fail_uncovered,
        )
        self.app: Any = None
        self.client: httpx.AsyncClient | None = None
        self.document: Mapping[str, Any] = {}
        self.schema: ApiSchema | None = None
        self.operations: list[Operation] = []
        self.config_setup: Callable[..., Any] | None = None
        self.config_probes: dict[str, Probe] = {}
        #: Response headers stored in snapshots (the rest are dropped).
        self._kept_headers = frozenset({*_normalize.DEFAULT_HEADERS, *settings.headers})
        #: Cases generated this run, by operation (scenarios share them).
        self._generated: dict[str, list[_cases.FrozenCase]] = {}
        self.scenarios: list[Scenario] = []

    # -- discovery ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def started(self) -> AsyncIterator[Suite]:
        """Start the app and read its schema; stop the app on exit.

        Against a live server (``base_url``) nothing is imported or started here: the
        ``setup`` and ``probes`` callables, which take the app object, are not called.
        """
        settings = self.settings
        if settings.base_url:
            if settings.setup:  # probes are noted where they are skipped (``_run``)
                self.outcome.note(
                    f"`setup` not called against the live server {settings.base_url}: it "
                    "takes the app object, which runs in the server; reset the server's state "
                    "in a `contractsnap_setup` fixture if its responses depend on it"
                )
        elif not settings.app:
            raise AppLoadError(
                f'{settings.source}: no `app` to test; set app = "package.module:app" '
                '(or base_url = "http://HOST:PORT" to test a running server)'
            )
        else:
            self.app = _client.load_app(settings.app, settings.root)
            if settings.setup:
                self.config_setup = import_callable(settings.setup, "setup", settings.source)
            self.config_probes = self._import_probes()
        async with _client.serve(self.app, self.settings) as client:
            self.client = client
            self.document = await _client.fetch_document(client, self.settings)
            yield self

    def _import_probes(self) -> dict[str, Probe]:
        """The ``probes`` of the settings, by function name."""
        probes: dict[str, Probe] = {}
        for spec in self.settings.probes:
            name = spec.partition(":")[2]
            if name in probes:
                raise ConfigError(
                    f"{self.settings.source}: two `probes` are named {name!r}; "
                    "give the functions different names"
                )
            probes[name] = import_callable(spec, "probes", self.settings.source)
        return probes

    def load_schema(self) -> None:
        """List the operations of the fetched document (CPU-bound: outside the event loop)."""
        self.schema = ApiSchema(self.document, self.settings)
        self.operations = self.schema.operations
        self.scenarios = self.schema.scenarios
        self.outcome.everything = {t.label for t in self.tests}
        self.outcome.schema = _snapshot.dumps(self.document)

    @property
    def tests(self) -> list[Operation | Scenario]:
        """What the suite's tests check, in order: every operation, then every scenario."""
        return [*self.operations, *self.scenarios]

    # -- one operation -----------------------------------------------------------------------

    def file_for(self, target: Operation | Scenario) -> Path:
        """The snapshot file of an operation, or ``scenarios/NAME.json`` of a scenario."""
        if isinstance(target, Scenario):
            return self.directory / _scenarios.DIRECTORY / f"{target.file_stem}.json"
        return self.directory / f"{target.file_stem}.json"

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.settings.root.resolve()).as_posix()
        except ValueError:
            return path.name

    def default_setup(self) -> Setup | None:
        if self.config_setup is None:
            return None
        target, app = self.config_setup, self.app
        return lambda _operation: target(app)

    async def check(
        self,
        target: Operation | Scenario,
        *,
        assert_snapshot: AssertSnapshot,
        update: bool,
        regenerate: bool,
        auth_headers: Mapping[str, str],
        setup: Setup | None,
        probes: Mapping[str, Probe] | None = None,
        auth_params: Mapping[str, str] | None = None,
    ) -> None:
        """Replay or record one operation or scenario; raise a ``ContractFailure`` on a
        finding."""
        self.outcome.started.add(target.label)
        auth = Credentials(auth_headers, auth_params or {})
        try:
            if isinstance(target, Scenario):
                check = ScenarioCheck(self, target, auth, setup, probes or {})
                await check.check(assert_snapshot, update=update, regenerate=regenerate)
            else:
                await self._check(
                    target, assert_snapshot, update, regenerate, auth, setup, probes or {}
                )
        finally:
            if self.file_for(target).exists():
                self.outcome.recorded.add(target.label)

    async def _check(
        self,
        operation: Operation,
        assert_snapshot: AssertSnapshot,
        update: bool,
        regenerate: bool,
        auth: Credentials,
        setup: Setup | None,
        probes: Mapping[str, Probe],
    ) -> None:
        if operation.error:
            raise SchemaError(
                f"{operation.label}: schemathesis cannot read this operation: {operation.error}; "
                "fix its definition in the schema or exclude it with `exclude`"
            )
        path = self.file_for(operation)
        name = self.display(path)
        stored = _snapshot.read(path) if path.exists() else None
        stale = stored is not None and stored.fingerprint != operation.fingerprint
        if not update:
            if stored is None:
                raise MissingSnapshot(
                    f"{operation.label}: no snapshot file {name}; record it with:\n  "
                    + _report.accept_command(operation.label)
                )
            if stale:
                raise StaleCases(
                    f"{operation.label}: its parameters, request body, security or case settings "
                    "changed since "
                    f"{name} was recorded (fingerprint {stored.fingerprint} -> "
                    f"{operation.fingerprint}); its frozen cases are stale. "
                    "Regenerate them with:\n  " + _report.accept_command(operation.label)
                )
            assert stored is not None
            results = await self._run(operation, stored.cases, auth, setup, probes)
            self._reached(operation, results)
            document = self._document(operation, results)
            if stored.version != _snapshot.FORMAT:
                # syrupy compares file text; a file in an older format is compared as upgraded.
                self.outcome.note(
                    f"{name} is in the older format {stored.version}; it replays as is, and the "
                    f"next `pytest --snapshot-update` rewrites it in {_snapshot.FORMAT}"
                )
                same = _snapshot.dumps(document) == _snapshot.dumps(stored.document)
            else:
                same = assert_snapshot(document)
            if not same:
                message = self._mismatch(operation, name, stored, document, results)
                if not _pending.in_ci():
                    _pending.write(path, document)
                    message += (
                        f"\n\nThe new result is in {name}{_pending.SUFFIX}: review it with "
                        "`contractsnap review`, or `contractsnap accept`/`reject`."
                    )
                raise SnapshotMismatch(message)
            if not _pending.in_ci():  # CI only reads: a stray pending file must fail there
                _pending.discard(path)
        else:
            if stored is None or stale or regenerate:
                cases: Sequence[_cases.FrozenCase] = self.generated(operation, auth)
            else:
                cases = stored.cases
            results = await self._run(operation, cases, auth, setup, probes)
            self._reached(operation, results)
            again = await self._run(operation, cases, auth, setup, probes)
            self.refuse_flaky(operation, name, results, again)
            assert_snapshot(self._document(operation, results))
            if stored is not None and stored.version != _snapshot.FORMAT:
                self.outcome.note(
                    f"rewrote {name} from format {stored.version} in {_snapshot.FORMAT}"
                )
            _pending.discard(path)
            self.note_unredacted(operation, results)
        self.contract(operation, results)

    def generated(self, operation: Operation, auth: Credentials) -> list[_cases.FrozenCase]:
        """The operation's generated cases; kept for the run when a scenario steps through
        the operation (its scenarios then reuse them), generated afresh otherwise."""
        security = self._security(auth)
        key = f"{operation.label} {sorted((k, sorted(v)) for k, v in security.items())}"
        if key in self._generated:
            return self._generated[key]
        cases = _cases.generate(operation, security)
        if any(s.label == operation.label for sc in self.scenarios for s in sc.steps):
            self._generated[key] = cases
        return cases

    def _reached(self, operation: Operation, results: Sequence[CaseResult]) -> None:
        statuses = {r.response.get("status") for r in results}
        self.outcome.reached[operation.label] = sorted(s for s in statuses if isinstance(s, int))

    def _security(self, auth: Credentials) -> dict[str, set[str]]:
        """Where credentials travel: the schema's security schemes, `secrets`, the auth
        fixtures (generated values there are never stored: the fixtures' values replace them)."""
        assert self.schema is not None
        security = {k: set(v) for k, v in self.schema.security.items()}
        security["header"] |= {*self.settings.secrets, *(h.lower() for h in auth.headers)}
        security["query"] |= set(auth.params)
        for name, value in auth.headers.items():
            if name.lower() == "cookie" and isinstance(value, str):  # replaces generated ones
                security["cookie"] |= {
                    part.partition("=")[0].strip() for part in value.split(";") if "=" in part
                }
        return security

    async def _run(
        self,
        operation: Operation,
        cases: Sequence[_cases.FrozenCase],
        auth: Credentials,
        setup: Setup | None,
        probes: Mapping[str, Probe],
    ) -> list[CaseResult]:
        await self.call_setup(setup, operation)
        rules = self.rules(auth)
        probes = self.usable_probes(probes)
        results = []
        for number, frozen in enumerate(cases, 1):
            where = f"{operation.label}, case {frozen.id}"
            try:
                normalised, _, failures = await self.exchange(
                    operation, frozen.request, auth, probes, where
                )
            except TimeoutError:
                raise self._timed_out(operation, number, len(cases), frozen) from None
            results.append(CaseResult.of(frozen, normalised, rules, failures))
        return results

    async def call_setup(self, setup: Setup | None, operation: Operation) -> None:
        if setup is not None:
            result = setup(operation)
            if inspect.isawaitable(result):
                await result

    def rules(self, auth: Credentials) -> _normalize.Rules:
        """What to redact: the ``redact`` rules and every credential sent."""
        return _normalize.Rules.from_settings(
            self.settings.redact,
            secret_headers=self._security(auth)["header"],
            secret_values=[*_secret_values(auth.headers), *_param_values(auth.params)],
        )

    def usable_probes(self, probes: Mapping[str, Probe]) -> Mapping[str, Probe]:
        """The probes, or none against a live server (they read the app in this process)."""
        if probes and self.settings.base_url:
            self.outcome.note(
                f"state probes ({', '.join(sorted(probes))}) are not run against the live "
                f"server {self.settings.base_url}: they read the app's state in this process"
            )
            return {}
        return probes

    async def exchange(
        self,
        operation: Operation,
        request: Mapping[str, Any],
        auth: Credentials,
        probes: Mapping[str, Probe],
        where: str,
    ) -> tuple[dict[str, Any], httpx.Response, list[CheckFailure]]:
        """Send one stored request: its normalised answer (with the state change, before
        redaction), the response itself, and the contract checks' findings.

        A hang raises ``TimeoutError`` for the caller to report.
        """
        assert self.client is not None
        timeout = operation.settings.timeout
        before = await _probes.observe(probes, self.app, where, timeout) if probes else None
        case = _cases.thaw(operation, request)
        try:
            sent = _client.build_request(self.client, case, auth.headers, auth.params)
        except httpx.InvalidURL as exc:
            raise SchemaError(
                f"{where} has no valid URL ({exc}); fix the path in the schema, or exclude the "
                "operation with `exclude`"
            ) from None
        checks, truncated = operation.settings, False
        try:
            response = await _client.send(self.client, sent, timeout, self.settings.max_read_size)
        except httpx.TransportError as exc:  # only a live server: ASGI apps do not drop
            raise AppLoadError(
                f"{where}: the server at {self.settings.base_url} stopped answering "
                f"({type(exc).__name__}: {exc}); check that it is still running, then run again"
            ) from None
        except _client.ResponseTruncated as exc:
            response, truncated = exc.response, True
            checks = self._truncated(operation, exc.limit)
        normalised = self._normalise(response, truncated=truncated)
        if before is not None:
            after = await _probes.observe(probes, self.app, where, timeout)
            if state := _probes.changes(before, after):
                normalised["state"] = state
        return normalised, response, run_checks(case, response, checks)

    def _normalise(self, response: httpx.Response, *, truncated: bool) -> dict[str, Any]:
        """Status, the kept headers and the body of a response, before redaction."""
        keep = self._kept_headers
        normalised: dict[str, Any] = {"status": response.status_code}
        headers = {
            name: (values[0] if len(values) == 1 else values)
            for name in sorted({k.lower() for k in response.headers})
            if name in keep and (values := response.headers.get_list(name))
        }
        if headers:
            normalised["headers"] = headers
        normalised.update(
            _normalize.body_fields(
                response.content,
                response.headers.get("content-type", ""),
                self.settings.max_body_size,
                truncated=truncated,
            )
        )
        return normalised

    def _timed_out(
        self, operation: Operation, number: int, total: int, frozen: _cases.FrozenCase
    ) -> ContractViolation:
        """A hang is not a response: nothing of this operation is recorded or compared
        (a recorded timeout could later be accepted as the expected answer)."""
        seconds = f"{operation.settings.timeout:g} s"
        title = _report.case_title(number, total, frozen.id, frozen.source, frozen.description)
        self.outcome.violations.setdefault(operation.label, []).append(
            CheckFailure("TIMEOUT", "No response", f"{title}: none within {seconds}", True)
        )
        path = self.file_for(operation)
        fate = "is left as it was" if path.exists() else "is not written"
        return ContractViolation(
            f"{operation.label}: no response within {seconds} (the `timeout` setting) "
            f"to {title}; nothing was recorded or compared, {self.display(path)} "
            f"{fate}. Fix the endpoint, or give it more time with `timeout` in "
            f'[tool.contractsnap.operations."{operation.label}"]\n'
            + "\n".join(_report.indent(_report.request_line(frozen.request).splitlines(), "  "))
        )

    def _truncated(self, operation: Operation, limit: int) -> OperationSettings:
        """An endless or oversized body: its first bytes are recorded, marked truncated, and
        not validated against the response schema (they are incomplete)."""
        note = (
            f"{operation.label}: a response body is longer than {limit} bytes (the "
            "`max_read_size` setting); its first bytes are recorded, marked truncated, "
            "and not checked against the response schema"
        )
        self.outcome.note(note)
        unread = "response_schema_conformance"
        return dataclasses.replace(
            operation.settings,
            checks=tuple(c for c in operation.settings.checks if c != unread),
            warn_checks=tuple(c for c in operation.settings.warn_checks if c != unread),
        )

    def _document(self, operation: Operation, results: Sequence[CaseResult]) -> dict[str, Any]:
        return {
            "format": _snapshot.FORMAT,
            "operation": {
                "fingerprint": operation.fingerprint,
                "method": operation.method,
                "operationId": operation.operation_id,
                "path": operation.path,
            },
            "cases": [r.stored() for r in results],
        }

    def _titles(self, results: Sequence[CaseResult]) -> list[str]:
        return [
            r.case.description  # a scenario's step carries its title
            if r.case.source == "step"
            else _report.case_title(i, len(results), r.case.id, r.case.source, r.case.description)
            for i, r in enumerate(results, 1)
        ]

    def _mismatch(
        self,
        operation: Operation,
        name: str,
        stored: _snapshot.StoredSnapshot,
        document: Mapping[str, Any],
        results: Sequence[CaseResult],
    ) -> str:
        titles = self._titles(results)
        old_states = [c.get("state", {}) for c in stored.document["cases"]]
        changed = [
            (title, result, old, old_state)
            for title, result, old, old_state in zip(
                titles, results, stored.responses, old_states, strict=True
            )
            if result.response != old or result.state != old_state
        ]
        out = [
            f"{operation.label}: {len(changed)} of {_report.plural(len(results), 'case')} "
            f"answered differently from {name}"
        ]
        for title, result, old, old_state in changed:
            out += [
                "",
                title,
                *_report.indent(_report.request_line(result.case.request).splitlines(), "  "),
            ]
            if result.response != old:
                out += _report.indent(_report.json_diff(old, result.response), "  ")
            for probe in sorted({*old_state, *result.state}):
                if old_state.get(probe) != result.state.get(probe):
                    out.append(f"  state (probe {probe}):")
                    diff = _report.json_diff(old_state.get(probe), result.state.get(probe))
                    out += _report.indent(diff, "    ")
        if stored.document.get("operation") != document["operation"]:
            out += ["", "operation:"]
            out += _report.indent(
                _report.json_diff(stored.document.get("operation"), document["operation"]), "  "
            )
        elif not changed:
            out += ["", "the file's text differs from what contractsnap writes:"]
            out += _report.indent(_report.json_diff(stored.document, document)[:40], "  ")
        out += [
            "",
            "If the change is intended, accept it with:",
            "  " + _report.accept_command(operation.label),
        ]
        return "\n".join(out)

    def refuse_flaky(
        self,
        operation: Labelled,
        name: str,
        first: Sequence[CaseResult],
        second: Sequence[CaseResult],
    ) -> None:
        changed = []
        all_diffs = []
        for title, a, b in zip(self._titles(first), first, second, strict=True):
            diffs = _normalize.differences(a.response, b.response)
            diffs += _normalize.differences(a.state, b.state, ("state",))
            if diffs:
                changed.append((title, _report.request_line(a.case.request), diffs))
                all_diffs += diffs
        if not changed:
            return
        body = [(p[1:], x, y) for p, x, y in all_diffs if p[:1] == ("body",)]
        # Headers and text bodies can only be hidden by the value detectors.
        other = [
            ((), x, y) for p, x, y in all_diffs if p[:1] in (("headers",), ("text",), ("state",))
        ]
        new = [
            rule
            for rule in _normalize.suggest_rules([*body, *other])
            if rule not in self.settings.redact
        ]
        hidden = len(body) + len(other) == len(all_diffs)
        line = None
        if new and hidden:
            rules = [*self.settings.redact, *new]
            line = "redact = [" + ", ".join(f'"{r}"' for r in rules) + "]"
        raise FlakyResponse(_report.flaky_message(operation.label, name, changed, line))

    def note_unredacted(self, operation: Labelled, results: Sequence[CaseResult]) -> None:
        """Point at recorded values that look volatile but were the same in both sends.

        A clock read to the second, say, passes the double send and fails a later run.
        """
        for result in results:
            found = _normalize.volatile_looking(result.response, self.settings.redact)
            if found:
                kind, where, value = found
                self.outcome.notes.append(
                    f"{operation.label}: recorded a value that looks like a {kind} at {where} "
                    f'({value!r}); if it changes between runs, add "{kind}" to `redact`'
                )
                return

    def contract(self, operation: Labelled, results: Sequence[CaseResult]) -> None:
        errors: list[str] = []
        titles = self._titles(results)
        for title, result in zip(titles, results, strict=True):
            bad = [f for f in result.failures if f.error]
            warn = [f for f in result.failures if not f.error]
            if warn:
                self.outcome.warnings.setdefault(operation.label, []).extend(warn)
            if bad:
                self.outcome.violations.setdefault(operation.label, []).extend(bad)
                errors += [
                    "",
                    title,
                    *_report.indent(_report.request_line(result.case.request).splitlines(), "  "),
                ]
                errors.append(f"  -> {result.response.get('status', 'no response')}")
                errors += _report.failures_lines(bad)
        if errors:
            raise ContractViolation(
                f"{operation.label}: the responses break the API contract "
                "(the snapshot is up to date; these are contract checks):"
                + "\n".join(errors)
                + "\n\nFix the app or the schema, or configure the checks: `checks`/`warn_checks` "
                f'in [tool.contractsnap] or [tool.contractsnap.operations."{operation.label}"]'
            )

    # -- the run as a whole ----------------------------------------------------------------

    def orphan_names(self) -> list[str]:
        """The orphans, relative to the snapshot directory (``scenarios/NAME.json``)."""
        return [path.relative_to(self.directory).as_posix() for path in self.orphans()]

    def orphans(self) -> list[Path]:
        """Snapshot files of ours whose operation is not in the schema at all."""
        if not self.directory.is_dir() or self.schema is None:
            return []
        # Excluded operations are still in the schema: their files are kept, not orphans.
        expected = {f"{stem}.json" for stem in self.schema.all_stems}
        found = [
            path
            for path in sorted(self.directory.glob("*.json"))
            if path.name not in expected
            and path.name != _snapshot.SCHEMA_FILE
            and _snapshot.is_ours(path)
        ]
        scenarios = {f"{stem}.json" for stem in self.schema.scenario_stems}
        found += [
            path
            for path in sorted((self.directory / _scenarios.DIRECTORY).glob("*.json"))
            if path.name not in scenarios and _snapshot.is_ours(path)
        ]
        return found
