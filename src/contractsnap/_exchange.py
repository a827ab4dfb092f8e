"""One exchange: a frozen request sent to the app, its answer normalised and checked.

``Exchanger.send`` builds the httpx request from a stored request, sends it through the
run's client, keeps the response's status, kept headers and body (and, with state probes,
what the request changed), and runs the contract checks. ``CaseResult`` is that answer
once redacted: what a snapshot file stores of one case or step.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sysconfig
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path

import httpx

from . import _cases, _client, _normalize, _probes
from ._canonical import JSON
from ._checks import CheckFailure, run_checks
from ._config import OperationSettings, Settings
from ._credentials import Credentials
from ._documents import Case, JSONObject, Request, Response, State
from ._errors import AppLoadError, SchemaError, SetupError
from ._probes import Probe
from ._schema import Operation

#: Called (and awaited if async) with the operation before each pass over its cases.
Setup = Callable[[Operation], object]
#: Adds a line to the run's summary.
Note = Callable[[str], None]


@dataclasses.dataclass
class CaseResult:
    """One case (or scenario step) as answered and redacted."""

    case: _cases.FrozenCase
    response: Response
    failures: list[CheckFailure]
    #: What the case changed, per state probe (empty: nothing, or no probes).
    state: State = dataclasses.field(default_factory=dict)
    #: The traceback of what the app raised while answering (never stored: it names files
    #: on this machine).
    error: str | None = None

    @classmethod
    def of(
        cls,
        case: _cases.FrozenCase,
        answer: Answer,
        rules: _normalize.Rules,
        tokens: _normalize.Tokens | None = None,
    ) -> CaseResult:
        """Redact the response and the state change together (tokens are shared, with the
        other steps of a scenario too when ``tokens`` is given), and what the checks'
        messages quote of them: a run's output shows no value its files hide."""
        tokens = _normalize.Tokens() if tokens is None else tokens
        redacted = _normalize.redact(answer.normalised, rules, tokens)
        state = redacted.pop("state", {})
        state = state if isinstance(state, dict) else {}
        failures = [
            dataclasses.replace(f, message=_normalize.quoted(f.message, rules, tokens))
            for f in answer.failures
        ]
        return cls(case, redacted, failures, state, answer.error)

    def stored(self) -> Case:
        """The case as it is written in the snapshot file."""
        case: Case = {
            **self.case.to_json(),
            "response": self.response,
            "state": self.state,
            "violations": self.violations,
        }
        if not self.state:  # only what a probe saw change is stored
            del case["state"]
        if not case["violations"]:
            del case["violations"]
        return case

    @property
    def violations(self) -> list[str]:
        """The checks it breaks (a server error is never debt: it is fixed, not kept)."""
        return sorted({f.check or f.title for f in self.failures if f.error and not f.server})


@dataclasses.dataclass
class Answer:
    """What one request got, before redaction."""

    #: Status, kept headers, body, and ``state`` (the probes' change) if any.
    normalised: JSONObject
    response: httpx.Response
    failures: list[CheckFailure]
    #: The traceback of the exception the app raised while answering, if it raised.
    error: str | None = None


async def call_setup(setup: Setup | None, operation: Operation) -> None:
    """Call the set-up before a pass over ``operation``; ``SetupError`` if it raises."""
    if setup is None:
        return
    try:
        result = setup(operation)
        if inspect.isawaitable(result):
            await result
    except Exception as exc:
        frame = _own_frame(exc)
        raise SetupError(
            f"the `setup` raised {type(exc).__name__}: {exc} (in {frame.name}, "
            f"{Path(frame.filename).name}:{frame.lineno}, before the pass over "
            f"{operation.label}); fix it: it runs before every pass, to put the app's state "
            "back as it was"
        ) from None


@functools.cache
def _installed() -> tuple[str, ...]:
    """Where installed code lives: the standard library, site-packages, and contractsnap
    (read when a ``setup`` first fails, not at every start)."""
    paths = {str(Path(p).resolve()) for k, p in sysconfig.get_paths().items() if "lib" in k}
    return (*sorted(paths), str(Path(__file__).resolve().parent))


def _own_frame(exc: BaseException) -> traceback.FrameSummary:
    """The innermost frame of the project's own code (the line of the ``setup`` that called
    a database driver, not the driver's), or the innermost one if it has none."""
    frames = traceback.extract_tb(exc.__traceback__)
    installed = _installed()
    own = [f for f in frames if not str(Path(f.filename).resolve()).startswith(installed)]
    return (own or frames)[-1]


class Exchanger:
    """Sends stored requests through the run's client; one per started suite."""

    def __init__(
        self, client: httpx.AsyncClient, app: object, settings: Settings, note: Note
    ) -> None:
        self._client = client
        self._app = app
        self._settings = settings
        self._note = note
        #: Response headers stored in snapshots (the rest are dropped).
        self._kept_headers = frozenset({*_normalize.DEFAULT_HEADERS, *settings.headers})

    def usable_probes(self, probes: Mapping[str, Probe]) -> Mapping[str, Probe]:
        """The probes, or none against a live server (they read the app in this process)."""
        if probes and self._settings.base_url:
            self._note(
                f"state probes ({', '.join(sorted(probes))}) are not run against the live "
                f"server {self._settings.base_url}: they read the app's state in this process"
            )
            return {}
        return probes

    async def send(
        self,
        operation: Operation,
        request: Request,
        auth: Credentials,
        probes: Mapping[str, Probe],
        where: str,
    ) -> Answer:
        """Send one stored request: its normalised answer (with the state change, before
        redaction), the response itself, and the contract checks' findings.

        A hang raises ``TimeoutError`` for the caller to report.
        """
        timeout = operation.settings.timeout
        before = await _probes.observe(probes, self._app, where, timeout) if probes else None
        case = _cases.thaw(operation, request)
        try:
            sent = _client.build_request(self._client, case, auth.headers, auth.params)
        except httpx.InvalidURL as exc:
            raise SchemaError(
                f"{where} has no valid URL ({exc}); fix the path in the schema, or exclude the "
                "operation with `exclude`"
            ) from None
        checks, truncated = operation.settings, False
        try:
            with _client.app_errors() as raised:
                response = await _client.send(
                    self._client, sent, timeout, self._settings.max_read_size
                )
        except httpx.TransportError as exc:  # only a live server: ASGI apps do not drop
            raise AppLoadError(
                f"{where}: the server at {self._settings.base_url} stopped answering "
                f"({type(exc).__name__}: {exc}); check that it is still running, then run again"
            ) from None
        except _client.ResponseTruncated as exc:
            response, truncated = exc.response, True
            checks = self._truncated(operation, exc.limit)
        normalised = self._normalise(response, truncated=truncated)
        if before is not None:
            after = await _probes.observe(probes, self._app, where, timeout)
            if state := _probes.changes(before, after):
                normalised["state"] = state
        error = None
        if raised:
            error = "".join(traceback.format_exception(raised[-1]))
            hint = _client.async_hint(raised[-1], self._settings.backend)
            if hint:
                error += f"\nHint: {hint}"
        return Answer(normalised, response, run_checks(case, response, checks), error)

    def _normalise(self, response: httpx.Response, *, truncated: bool) -> JSONObject:
        """Status, the kept headers and the body of a response, before redaction."""
        keep = self._kept_headers
        normalised: JSONObject = {"status": response.status_code}
        headers: JSONObject = {
            name: (values[0] if len(values) == 1 else list[JSON](values))
            for name in sorted({k.lower() for k in response.headers})
            if name in keep and (values := response.headers.get_list(name))
        }
        if headers:
            normalised["headers"] = headers
        normalised.update(
            _normalize.body_fields(
                response.content,
                response.headers.get("content-type", ""),
                self._settings.max_body_size,
                truncated=truncated,
            )
        )
        return normalised

    def _truncated(self, operation: Operation, limit: int) -> OperationSettings:
        """An endless or oversized body: its first bytes are recorded, marked truncated, and
        not validated against the response schema (they are incomplete)."""
        self._note(
            f"{operation.label}: a response body is longer than {limit} bytes (the "
            "`max_read_size` setting); its first bytes are recorded, marked truncated, "
            "and not checked against the response schema"
        )
        unread = "response_schema_conformance"
        return dataclasses.replace(
            operation.settings,
            checks=tuple(c for c in operation.settings.checks if c != unread),
            warn_checks=tuple(c for c in operation.settings.warn_checks if c != unread),
        )
