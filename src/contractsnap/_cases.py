"""Deterministic case generation and the frozen request format.

Cases are generated only when an operation is recorded (``--snapshot-update``) and its
snapshot is missing or stale. They are stored in the snapshot file as plain JSON requests and
replayed from there, so a schemathesis or Hypothesis upgrade never changes a replayed case.

Sources, in this order: the schema's examples, schemathesis' coverage phase (both
deterministic), then optional fuzz cases drawn with a seed derived from the operation label
(never Python's ``hash()``, which is salted per process).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, Protocol, cast

from schemathesis import GenerationMode
from schemathesis.core import NOT_SET, Body, NotSet

from ._canonical import JSON, Decoded, canonical, decode_value, encode_value, short_id
from ._documents import CaseHead, Request
from ._errors import SchemaError
from ._schema import Operation

if TYPE_CHECKING:
    from schemathesis.core.transport import HttpMethod

    # schemathesis names the types of an OpenAPI operation and its cases only for type
    # checkers (aliases of its generic APIOperation and Case).
    from schemathesis.specs.openapi.schemas import OpenApiCase, OpenApiOperation

#: Request headers that describe the transport, not the case; never stored or compared.
TRANSPORT_HEADERS = frozenset(
    {"x-schemathesis-testcaseid", "connection", "accept-encoding", "content-length"}
)


#: The source of the case sent with the ``parameters`` settings' values.
KNOWN = "parameters"


@dataclasses.dataclass(frozen=True)
class FrozenCase:
    """A generated request, as stored in a snapshot file and replayed from there."""

    source: str
    description: str
    request: Request

    @functools.cached_property
    def id(self) -> str:
        """A stable id: a short hash of the request, so it never depends on the order.
        (Read several times a case: for its messages, its title, its stored form.)"""
        return short_id(self.request)

    def to_json(self) -> CaseHead:
        return {
            "id": self.id,
            "source": self.source,
            "description": self.description,
            "request": self.request.copy(),
        }


def freeze(case: OpenApiCase, security: Mapping[str, set[str]]) -> Request:
    """The stored form of a schemathesis ``Case``.

    Credentials the generator put in a security header, query parameter or cookie are not
    kept: they are generated noise, and the real ones are applied at send time.
    """
    request: Request = {"method": case.method.upper(), "path": case.formatted_path}
    if case.path_parameters:
        request["path_parameters"] = encode_value(dict(case.path_parameters))
    parts: dict[Literal["query", "headers", "cookies"], dict[str, object]] = {
        "query": ({k: v for k, v in (case.query or {}).items() if k not in security["query"]}),
        "headers": {
            k: v
            for k, v in (case.headers or {}).items()
            if k.lower() not in TRANSPORT_HEADERS and k.lower() not in security["header"]
        },
        "cookies": {k: v for k, v in (case.cookies or {}).items() if k not in security["cookie"]},
    }
    for key, part in parts.items():
        if part:
            request[key] = encode_value(part)
    if not isinstance(case.body, NotSet):
        request["body"] = encode_value(case.body)
    if case.media_type:
        request["media_type"] = case.media_type
    return request


def thaw(operation: Operation, request: Request) -> OpenApiCase:
    """Rebuild a schemathesis ``Case`` from a stored request, with no generation involved."""
    return _case_of(_loaded(operation), request)


def _case_of(api_operation: OpenApiOperation, request: Request) -> OpenApiCase:
    return api_operation.Case(
        # A stored method is the upper-case one ``freeze`` wrote.
        method=cast("HttpMethod", request["method"]),
        path_parameters=_decoded(request.get("path_parameters", {})),
        query=_decoded(request.get("query", {})),
        headers=_decoded(request.get("headers", {})),
        cookies=_decoded(request.get("cookies", {})),
        media_type=request.get("media_type"),
        # A multipart body holds bytes inside an object, which schemathesis generates but
        # its ``Body`` type leaves out.
        body=cast("Body", decode_value(request["body"])) if "body" in request else NOT_SET,
    )


def still_valid(operation: Operation, request: Request, security: Mapping[str, set[str]]) -> bool:
    """Whether a stored request still fits the operation as it is defined now: every
    required parameter given, none unknown, each value (and the body) valid for its schema.

    Query, header and cookie values are stored as sent (text): ``"10"`` fits an integer.
    Credentials (``security``: names by location, as ``freeze`` takes them) are never stored.
    """
    api_operation = _loaded(operation)
    try:
        case = thaw(operation, request)
    except (TypeError, ValueError):
        return False
    locations = (
        (api_operation.path_parameters, case.path_parameters, set[str]()),
        (api_operation.query, case.query, security.get("query", set())),
        (api_operation.headers, case.headers, security.get("header", set())),
        (api_operation.cookies, case.cookies, security.get("cookie", set())),
    )
    for parameters, given, credentials in locations:
        defined = {p.name: p for p in parameters if p.name not in credentials}
        values = dict(given or {})
        if parameters is api_operation.headers:  # header names are not case-sensitive
            defined = {k.lower(): v for k, v in defined.items() if k.lower() not in credentials}
            values = {k.lower(): v for k, v in values.items()}
            values = {k: v for k, v in values.items() if k in defined}  # transport headers
        if set(values) - set(defined):
            return False
        for name, parameter in defined.items():
            if name not in values:
                if parameter.is_required:
                    return False
            elif not _fits(parameter, values[name]):
                return False
    bodies = list(api_operation.body)
    if isinstance(case.body, NotSet):
        return not any(body.is_required for body in bodies)
    body = next((b for b in bodies if b.media_type == case.media_type), None)
    return body is not None and _fits(body, case.body)


class _Validates(Protocol):
    """A schemathesis parameter or body: it checks a value against its schema."""

    def is_valid(self, value: object) -> bool: ...


def _fits(component: _Validates, value: object) -> bool:
    """A value fits a schemathesis parameter or body, as given or as text parsed as JSON."""
    if component.is_valid(value):
        return True
    if isinstance(value, str):
        try:
            return component.is_valid(json.loads(value))
        except ValueError:
            return False
    return False


def revise(
    operation: Operation,
    stored: Sequence[FrozenCase],
    generated: Sequence[FrozenCase],
    security: Mapping[str, set[str]],
) -> list[FrozenCase]:
    """The cases of an operation whose definition changed, with as little churn as can be.

    Stored cases that still fit (negative ones: that still do not) are kept as they are,
    in their order; a generated case is added only where no kept case of the same kind and
    description stands for it (a new parameter's boundary, say). At most ``max_cases``.
    The case of the ``parameters`` settings' values comes from the settings, not from
    generation: it goes first, as in a new recording, and is never the one ``max_cases``
    cuts. A stored one with the same values that still fits is kept; one with other values
    (an earlier table's) is dropped.
    """
    fitting = [
        case
        for case in stored
        if still_valid(operation, case.request, security) is (case.source != "negative")
    ]
    known = [
        next((s for s in fitting if s.source == KNOWN and s.description == g.description), g)
        for g in generated
        if g.source == KNOWN
    ]
    kept = [case for case in fitting if case.source != KNOWN]
    standing: dict[tuple[str, str], int] = {}
    for case in kept:
        key = (case.source, case.description)
        standing[key] = standing.get(key, 0) + 1
    requests = {canonical(case.request) for case in kept}
    known = [case for case in known if canonical(case.request) not in requests]
    added = []
    for case in generated:
        key = (case.source, case.description)
        if case.source == KNOWN:  # first, above
            continue
        if standing.get(key):
            standing[key] -= 1
        elif canonical(case.request) not in requests:
            added.append(case)
    return [*known, *kept, *added][: operation.settings.max_cases]


def _loaded(operation: Operation) -> OpenApiOperation:
    """The schemathesis operation; only an operation it loaded (no ``error``) gets here."""
    if operation.api_operation is None:
        raise SchemaError(f"{operation.label}: {operation.error}")
    return operation.api_operation


def _decoded(part: dict[str, JSON]) -> dict[str, Decoded]:
    """A stored request's parameters (an object), decoded."""
    decoded = decode_value(part)
    if not isinstance(decoded, dict):  # only a hand edit: {"$base64": ...} as the whole part
        raise TypeError(f"{type(decoded).__name__!r} object is not a mapping")
    return decoded


@contextlib.contextmanager
def _no_local_constants() -> Iterator[None]:
    """Stop Hypothesis from mixing literals of local modules into generated values.

    Hypothesis scans every "local" module in ``sys.modules`` and, now and then, draws one of
    their literals; generated cases would then depend on which modules happen to be imported.
    There is no public switch, so the private provider hook is replaced for the duration;
    if a Hypothesis release removes it, generation goes on without the patch.
    """
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - depends on the Hypothesis version
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    if original is None:  # pragma: no cover
        yield
        return
    empty = Constants()
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original


def stable_seed(label: str, salt: str) -> int:
    digest = hashlib.blake2b(f"contractsnap:{salt}:{label}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _examples(api_operation: OpenApiOperation) -> list[OpenApiCase]:
    from schemathesis.generation.hypothesis.examples import generate_one

    return [generate_one(strategy) for strategy in api_operation.get_strategies_from_examples()]


def _coverage(api_operation: OpenApiOperation, modes: list[GenerationMode]) -> list[OpenApiCase]:
    from schemathesis.generation.coverage import GenerationSession

    schema = api_operation.schema
    config = schema.config.generation_for(operation=api_operation, phase="coverage")
    # A fresh session per call: the default one de-duplicates across calls on the schema.
    return list(
        schema.iter_coverage_cases(
            api_operation,
            generation_modes=modes,
            generation_config=config,
            session=GenerationSession(),
        )
    )


def _fuzz(api_operation: OpenApiOperation, count: int, mode: GenerationMode) -> list[OpenApiCase]:
    from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
    from hypothesis.errors import Unsatisfiable

    found: list[OpenApiCase] = []

    @seed(stable_seed(api_operation.label, mode.value))
    @given(case=api_operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    def collect(case: OpenApiCase) -> None:
        found.append(case)

    with contextlib.suppress(Unsatisfiable):
        collect()
    return found


def _simplest(api_operation: OpenApiOperation) -> OpenApiCase:
    from schemathesis.generation.hypothesis.examples import generate_one

    positive = GenerationMode(GenerationMode.POSITIVE)  # typed as a member (see ``generate``)
    return generate_one(api_operation.as_strategy(generation_mode=positive))


def _describe(case: OpenApiCase, source: str) -> str:
    data = getattr(getattr(getattr(case, "meta", None), "phase", None), "data", None)
    description = getattr(data, "description", None)
    if isinstance(description, str) and description:
        return description
    return {
        "examples": "Schema example",
        "fuzz": "Fuzzed case",
        "simplest": "Simplest valid request",
    }.get(source, source)


#: Produces the cases of one source.
_Batch = Callable[[], list["OpenApiCase"]]


def generate(operation: Operation, security: Mapping[str, set[str]]) -> list[FrozenCase]:
    """Deterministic cases for one operation, de-duplicated, capped at ``max_cases``."""
    settings = operation.settings
    api_operation = _loaded(operation)
    # StrEnum members type as str on 3.10: looked up by value, they type as GenerationMode.
    modes = [GenerationMode(GenerationMode.POSITIVE)]
    if settings.negative:
        modes.append(GenerationMode(GenerationMode.NEGATIVE))
    batches: list[tuple[str, _Batch]] = []
    if settings.examples:
        batches.append(("examples", lambda: _examples(api_operation)))
    if settings.coverage:
        batches.append(("coverage", lambda: _coverage(api_operation, modes)))
    if settings.fuzz:
        for mode in modes:
            batches.append(
                (
                    "fuzz" if mode is GenerationMode.POSITIVE else "negative",
                    functools.partial(_fuzz, api_operation, settings.fuzz, mode),
                )
            )
    # The coverage phase finds nothing for some schemas (a header with a `pattern`, say);
    # an operation still gets its simplest valid request, drawn with a fixed seed.
    batches.append(("simplest", lambda: [_simplest(api_operation)]))
    with _no_local_constants():
        try:
            cases = _collect(batches, security, settings.max_cases)
            known = _known_values(cases, api_operation, settings.parameters, security)
            return [known, *cases][: settings.max_cases] if known else cases
        except Exception as exc:  # Hypothesis and schemathesis errors have no common base
            raise SchemaError(
                f"{operation.label}: cases cannot be generated ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else exc!r}); check the operation's "
                "parameter and body schemas, or leave it out with `exclude`"
            ) from exc


#: Where a frozen request keeps the parameters of each place.
_PLACES = {"path": "path_parameters", "query": "query", "header": "headers", "cookie": "cookies"}


def _known_values(
    cases: list[FrozenCase],
    api_operation: OpenApiOperation,
    known: Sequence[tuple[str, str | int | float | bool]],
    security: Mapping[str, set[str]],
) -> FrozenCase | None:
    """The first positive case sent with the ``parameters`` settings' values for the
    operation's parameters (``name``, or ``place.name``): a seeded id, a tenant; put before
    the generated cases, which stay as they are. None when no known value names one of the
    operation's parameters."""
    base = next((case for case in cases if case.source != "negative"), None)
    if not known or base is None:
        return None
    values = dict(known)
    request = cast(dict[str, dict[str, JSON]], json.loads(canonical(base.request)))
    used = []
    for parameter in api_operation.iter_parameters():
        place, name = str(parameter.location.value), str(parameter.name)
        value = values.get(f"{place}.{name}", values.get(name))
        if value is None or place not in _PLACES:
            continue
        request.setdefault(_PLACES[place], {})[name] = value
        used.append(f"{name}={value}")
    if not used:
        return None
    # Frozen again from a schemathesis case, as a generated one is: its path is formatted.
    again = freeze(_case_of(api_operation, cast(Request, request)), security)
    frozen = FrozenCase(KNOWN, "Known values: " + ", ".join(used), again)
    return None if any(case.id == frozen.id for case in cases) else frozen


def _collect(
    batches: list[tuple[str, _Batch]], security: Mapping[str, set[str]], max_cases: int
) -> list[FrozenCase]:
    cases: list[FrozenCase] = []
    seen: set[str] = set()
    for source, produce in batches:
        if source == "simplest" and any(c.source != "negative" for c in cases):
            continue
        for case in produce():
            # Sent exactly as it will be read back from the file (sorted keys), so a
            # raw body echoed by the app is the same when recording and replaying.
            key = canonical(freeze(case, security))
            request = json.loads(key)
            if key in seen:
                continue
            seen.add(key)
            generation = getattr(getattr(case, "meta", None), "generation", None)
            label = source
            negative = getattr(generation, "mode", None) is GenerationMode.NEGATIVE
            if source == "coverage" and negative:
                label = "negative"
            cases.append(FrozenCase(label, _describe(case, source), request))
            if len(cases) >= max_cases:
                return cases
    return cases
