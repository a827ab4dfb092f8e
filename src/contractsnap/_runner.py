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
from typing import Any

import httpx

from . import _cases, _client, _normalize, _pending, _report, _snapshot
from ._checks import CheckFailure, run_checks
from ._config import Settings
from ._errors import (
    AppLoadError,
    ContractViolation,
    FlakyResponse,
    MissingSnapshot,
    SchemaError,
    SnapshotMismatch,
    StaleCases,
)
from ._outcome import Outcome
from ._schema import ApiSchema, Operation

Setup = Callable[[Operation], Awaitable[None] | None]
AssertSnapshot = Callable[[Mapping[str, Any]], bool]


@dataclasses.dataclass
class CaseResult:
    case: _cases.FrozenCase
    response: dict[str, Any]
    failures: list[CheckFailure]


def import_callable(spec: str, key: str, source: str) -> Callable[..., Any]:
    module_name, _, attr = spec.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise AppLoadError(f"{source}: `{key}` = {spec!r} cannot be imported: {exc}") from None
    if not callable(target):
        raise AppLoadError(f"{source}: `{key}` = {spec!r} is not callable")
    return target  # type: ignore[no-any-return]


def _secret_values(auth_headers: Mapping[str, str]) -> list[str]:
    """Every credential the tool sends, in the forms an app may echo it back.

    The whole header value; the token after a scheme ("Bearer <token>"); for Basic, the
    decoded "user:password" and the password; for cookies, each cookie's value.
    """
    values = []
    for value in auth_headers.values():
        values.append(value)
        scheme, _, credential = value.partition(" ")
        credential = credential.strip()
        if credential and scheme.isalpha():
            values.append(credential)
            if scheme.lower() == "basic":
                with contextlib.suppress(ValueError):
                    decoded = base64.b64decode(credential, validate=True).decode()
                    values += [decoded, decoded.partition(":")[2]]
        for part in value.replace(",", ";").split(";"):
            name, sep, cookie = part.strip().partition("=")
            if sep and name and cookie:
                values.append(cookie.strip())
    return values


class Suite:
    """The state of one contract suite for the duration of a pytest run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.directory = settings.snapshot_path
        self.extension = _snapshot.OperationSnapshot.for_directory(self.directory)
        self.outcome = Outcome(str(self.directory), self.display(self.directory))
        self.app: Any = None
        self.client: httpx.AsyncClient | None = None
        self.document: Mapping[str, Any] = {}
        self.schema: ApiSchema | None = None
        self.operations: list[Operation] = []
        self.config_setup: Callable[..., Any] | None = None

    # -- discovery ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def started(self) -> AsyncIterator[Suite]:
        """Start the app and read its schema; stop the app on exit."""
        if not self.settings.app:
            raise AppLoadError(
                f'{self.settings.source}: no `app` to test; set app = "package.module:app"'
            )
        self.app = _client.load_app(self.settings.app, self.settings.root)
        if self.settings.setup:
            self.config_setup = import_callable(self.settings.setup, "setup", self.settings.source)
        async with _client.serve(self.app, self.settings) as client:
            self.client = client
            self.document = await _client.fetch_document(client, self.settings)
            yield self

    def load_schema(self) -> None:
        """List the operations of the fetched document (CPU-bound: outside the event loop)."""
        self.schema = ApiSchema(self.document, self.settings)
        self.operations = self.schema.operations
        self.outcome.everything = {op.label for op in self.operations}
        self.outcome.schema = _snapshot.dumps(self.document)

    # -- one operation -----------------------------------------------------------------------

    def file_for(self, operation: Operation) -> Path:
        return self.directory / f"{operation.file_stem}.json"

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
        operation: Operation,
        *,
        assert_snapshot: AssertSnapshot,
        update: bool,
        regenerate: bool,
        auth_headers: Mapping[str, str],
        setup: Setup | None,
    ) -> None:
        """Replay or record one operation; raise a ``ContractFailure`` on a finding."""
        self.outcome.started.add(operation.label)
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
            results = await self._run(operation, stored.cases, auth_headers, setup)
            document = self._document(operation, results)
            if not assert_snapshot(document):
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
                cases: Sequence[_cases.FrozenCase] = _cases.generate(
                    operation, self._security(auth_headers)
                )
            else:
                cases = stored.cases
            results = await self._run(operation, cases, auth_headers, setup)
            again = await self._run(operation, cases, auth_headers, setup)
            self._refuse_flaky(operation, name, results, again)
            assert_snapshot(self._document(operation, results))
            _pending.discard(path)
            self._note_unredacted(operation, results)
        self._contract(operation, results)

    def _security(self, auth_headers: Mapping[str, str]) -> dict[str, set[str]]:
        """Where credentials travel: the schema's security schemes, `secrets`, the auth fixture."""
        assert self.schema is not None
        security = {k: set(v) for k, v in self.schema.security.items()}
        security["header"] |= {*self.settings.secrets, *(h.lower() for h in auth_headers)}
        return security

    async def _run(
        self,
        operation: Operation,
        cases: Sequence[_cases.FrozenCase],
        auth_headers: Mapping[str, str],
        setup: Setup | None,
    ) -> list[CaseResult]:
        assert self.client is not None
        assert self.schema is not None
        if setup is not None:
            result = setup(operation)
            if inspect.isawaitable(result):
                await result
        rules = _normalize.Rules.from_settings(
            self.settings.redact,
            secret_headers=self._security(auth_headers)["header"],
            secret_values=_secret_values(auth_headers),
        )
        keep = {*_normalize.DEFAULT_HEADERS, *self.settings.headers}
        results = []
        for frozen in cases:
            case = _cases.thaw(operation, frozen.request)
            request = _client.build_request(self.client, case, auth_headers)
            try:
                response = await _client.send(self.client, request, operation.settings.timeout)
            except TimeoutError:
                failure = CheckFailure(
                    "TIMEOUT",
                    "No response",
                    f"no response within {operation.settings.timeout:g} s (`timeout` setting)",
                    True,
                )
                results.append(CaseResult(frozen, {"error": "timeout"}, [failure]))
                continue
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
                )
            )
            results.append(
                CaseResult(
                    frozen,
                    _normalize.redact(normalised, rules),
                    run_checks(case, response, operation.settings),
                )
            )
        return results

    def _document(self, operation: Operation, results: Sequence[CaseResult]) -> dict[str, Any]:
        return {
            "format": _snapshot.FORMAT,
            "operation": {
                "fingerprint": operation.fingerprint,
                "method": operation.method,
                "operationId": operation.operation_id,
                "path": operation.path,
            },
            "cases": [{**r.case.to_json(), "response": r.response} for r in results],
        }

    def _titles(self, results: Sequence[CaseResult]) -> list[str]:
        return [
            _report.case_title(i, len(results), r.case.id, r.case.source, r.case.description)
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
        changed = [
            (title, result, old)
            for title, result, old in zip(titles, results, stored.responses, strict=True)
            if result.response != old
        ]
        out = [
            f"{operation.label}: {len(changed)} of {_report.plural(len(results), 'case')} "
            f"answered differently from {name}"
        ]
        for title, result, old in changed:
            out += [
                "",
                title,
                *_report.indent(_report.request_line(result.case.request).splitlines(), "  "),
            ]
            out += _report.indent(_report.json_diff(old, result.response), "  ")
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

    def _refuse_flaky(
        self,
        operation: Operation,
        name: str,
        first: Sequence[CaseResult],
        second: Sequence[CaseResult],
    ) -> None:
        changed = []
        all_diffs = []
        for title, a, b in zip(self._titles(first), first, second, strict=True):
            diffs = _normalize.differences(a.response, b.response)
            if diffs:
                changed.append((title, _report.request_line(a.case.request), diffs))
                all_diffs += diffs
        if not changed:
            return
        body = [(p[1:], x, y) for p, x, y in all_diffs if p[:1] == ("body",)]
        # Headers and text bodies can only be hidden by the value detectors.
        other = [((), x, y) for p, x, y in all_diffs if p[:1] in (("headers",), ("text",))]
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

    def _note_unredacted(self, operation: Operation, results: Sequence[CaseResult]) -> None:
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

    def _contract(self, operation: Operation, results: Sequence[CaseResult]) -> None:
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

    def orphans(self) -> list[Path]:
        """Snapshot files of ours whose operation is not in the schema at all."""
        if not self.directory.is_dir() or self.schema is None:
            return []
        # Excluded operations are still in the schema: their files are kept, not orphans.
        expected = {f"{stem}.json" for stem in self.schema.all_stems}
        return [
            path
            for path in sorted(self.directory.glob("*.json"))
            if path.name not in expected
            and path.name != _snapshot.SCHEMA_FILE
            and _snapshot.is_ours(path)
        ]
