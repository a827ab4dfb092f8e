"""Settings: read from ``[tool.contractsnap]`` in pyproject.toml, validated, frozen.

Every key is checked at start-up, before any request is sent; a bad key or value is a
``ConfigError`` that names the key, the file and the fix.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import re
import sys
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Literal, TypeGuard

from ._checknames import RESPONSE_CHECKS, known_checks
from ._errors import ConfigError
from ._expressions import ExpressionError, check_expression, is_expression
from ._openapi import HTTP_METHODS
from ._selectors import compile_selector, validate_selector

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

Backend = Literal["asyncio", "trio"]

#: Checks that fail a case by default: a crash, a body that breaks the declared schema,
#: or a content type that the operation does not declare.
DEFAULT_CHECKS = ("not_a_server_error", "response_schema_conformance", "content_type_conformance")
#: Checks that only warn by default: FastAPI apps rarely declare their 401/403/404/405
#: responses or every header, and a gate that fails on that gets switched off.
DEFAULT_WARN_CHECKS = ("status_code_conformance", "response_headers_conformance")
#: Value detectors that ``redact`` accepts besides ``$``-path selectors.
DETECTORS = ("uuid", "timestamp", "date", "jwt", "epoch")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")


@dataclasses.dataclass(frozen=True)
class OperationSettings:
    """The settings that may differ per operation."""

    checks: tuple[str, ...] = DEFAULT_CHECKS
    warn_checks: tuple[str, ...] = DEFAULT_WARN_CHECKS
    strict: bool = False
    timeout: float = 30.0
    examples: bool = True
    coverage: bool = True
    fuzz: int = 0
    negative: bool = False
    max_cases: int = 100
    #: Known parameter values (a seeded id, a tenant), by name or ``place.name``: the
    #: first positive case is sent with them too, before the generated ones.
    parameters: tuple[tuple[str, str | int | float | bool], ...] = ()
    #: ``redact`` rules of this operation only, after the global ones.
    redact: tuple[str, ...] = ()

    def generation_key(self) -> dict[str, object]:
        """The part of the settings that decides which cases are generated."""
        return {
            "examples": self.examples,
            "coverage": self.coverage,
            "fuzz": self.fuzz,
            "negative": self.negative,
            "max_cases": self.max_cases,
            # Only when set: the fingerprints recorded before the table existed stay valid.
            **({"parameters": [list(item) for item in self.parameters]} if self.parameters else {}),
        }


@dataclasses.dataclass(frozen=True)
class StepConfig:
    """A step of a ``[[tool.contractsnap.scenarios]]`` table, validated."""

    operation: str
    #: Each value is an expression, a ``{$...}`` text or a constant, as the table wrote it.
    parameters: tuple[tuple[str, object], ...] = ()
    source: int | None = None
    status: int | None = None


@dataclasses.dataclass(frozen=True)
class ScenarioConfig:
    """A ``[[tool.contractsnap.scenarios]]`` table, validated: a name and its steps."""

    name: str
    steps: tuple[StepConfig, ...]


def valid_name(name: str) -> bool:
    """Whether ``name`` can name a scenario (and its file)."""
    return bool(_NAME.match(name))


@dataclasses.dataclass(frozen=True)
class Settings:
    """Validated settings of one contract suite."""

    app: str | None = None
    #: A running server to test instead of the app in process (live-server mode).
    base_url: str | None = None
    schema: str | None = None
    schema_path: str = "/openapi.json"
    #: Whether `schema_path` was set; if not, the usual places are tried in turn.
    schema_path_given: bool = False
    base_path: str = ""
    snapshot_dir: str = "snapshots"
    backend: Backend = "asyncio"
    lifespan: bool = True
    setup: str | None = None
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    redact: tuple[str, ...] = ()
    #: Response lists whose order carries no meaning (``$``-path selectors): sorted.
    unordered: tuple[str, ...] = ()
    #: ``redact`` and ``unordered`` for the OpenAPI document itself.
    schema_redact: tuple[str, ...] = ()
    schema_unordered: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    #: State probes, as "module:callable" import paths (see ``_probes``).
    probes: tuple[str, ...] = ()
    #: Fail the run when a documented response status is reached by no recorded case.
    fail_uncovered: bool = False
    #: Fail a complete run whose reach (the share of operations that answered a 2xx, in
    #: percent) is below this.
    min_reach: int = 0
    #: Build scenarios from the schema's OpenAPI links.
    links: bool = True
    #: Build scenarios from the producers and consumers the schema implies.
    infer_scenarios: bool = True
    #: Scenarios declared in ``[[tool.contractsnap.scenarios]]`` (see ``_scenarios``).
    scenarios: tuple[ScenarioConfig, ...] = ()
    max_body_size: int = 1_000_000
    max_read_size: int = 64 * 1024 * 1024
    defaults: OperationSettings = OperationSettings()
    operations: tuple[tuple[str, OperationSettings], ...] = ()
    #: The keys each ``operations`` table sets, in the same order.
    operation_keys: tuple[frozenset[str], ...] = ()
    #: Where the settings came from, for error messages.
    source: str = "[tool.contractsnap]"
    #: The directory relative paths are resolved against.
    root: Path = Path()

    @property
    def snapshot_path(self) -> Path:
        return (self.root / self.snapshot_dir).resolve()

    def for_operation(self, matches: Callable[[str], bool]) -> OperationSettings:
        """Settings of one operation: every matching ``operations`` table, in file order,
        applied on top of the defaults (a later table wins for the keys it sets)."""
        merged = self.defaults
        for (selector, table), keys in zip(self.operations, self.operation_keys, strict=True):
            if matches(selector):
                merged = dataclasses.replace(merged, **{k: getattr(table, k) for k in keys})
        return merged


_STR = "a string"
_BOOL = "true or false"
_LIST = "a list of strings"
_POSITIVE_INT = "a positive integer"
_COUNT = "an integer >= 0"
_POSITIVE_NUMBER = "a positive number"
_VALUES = "a table of parameter names to values (strings, numbers or booleans)"
#: Where a known parameter value may be aimed: `path.book_id`, or any place by name.
_PARAMETER_PLACES = ("path", "query", "header", "cookie")


class _Values:
    """The values of a settings table, each checked against its kind, kept by type."""

    def __init__(self) -> None:
        self.text: dict[str, str] = {}
        self.flags: dict[str, bool] = {}
        self.lists: dict[str, tuple[str, ...]] = {}
        self.integers: dict[str, int] = {}
        self.numbers: dict[str, float] = {}
        self.values: dict[str, tuple[tuple[str, str | int | float | bool], ...]] = {}

    def expect(self, value: object, kind: str, key: str, source: str) -> None:
        """Keep ``value`` under ``key`` (a list as a tuple); ``ConfigError`` if it is not
        of ``kind``."""
        if kind == _STR and isinstance(value, str):
            self.text[key] = value
        elif kind == _BOOL and isinstance(value, bool):
            self.flags[key] = value
        elif kind == _LIST and isinstance(value, list) and _strings(value):
            self.lists[key] = tuple(value)
        elif kind in (_POSITIVE_INT, _COUNT) and _integer(value, positive=kind == _POSITIVE_INT):
            self.integers[key] = value
        elif (
            kind == _POSITIVE_NUMBER
            and isinstance(value, (int, float))
            and not isinstance(value, bool)
            and value > 0
        ):
            self.numbers[key] = value
        elif kind == _VALUES and _parameter_values(value):
            self.values[key] = tuple(sorted(value.items()))
        else:
            raise ConfigError(
                f"{source}: `{key}` must be {kind}, got {type(value).__name__} {value!r}"
            )


def _parameter_values(
    value: object,
) -> TypeGuard[Mapping[str, str | int | float | bool]]:
    """A table of parameter names (``name`` or ``place.name``) to scalar values."""
    return isinstance(value, Mapping) and all(
        isinstance(k, str)
        and k.strip(".")
        and (k.partition(".")[0] in _PARAMETER_PLACES or "." not in k)
        and isinstance(v, (str, int, float, bool))
        for k, v in value.items()
    )


def _strings(values: list[object]) -> TypeGuard[list[str]]:
    return all(isinstance(v, str) for v in values)


def _integer(value: object, *, positive: bool) -> TypeGuard[int]:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return value > 0 if positive else value >= 0


def _unknown(key: str, known: Collection[str], source: str) -> ConfigError:
    hint = difflib.get_close_matches(key, sorted(known), n=1)
    fix = f"did you mean `{hint[0]}`?" if hint else f"known keys: {', '.join(sorted(known))}"
    return ConfigError(f"{source}: unknown key `{key}`; {fix}")


_OP_KINDS = {
    "checks": _LIST,
    "warn_checks": _LIST,
    "strict": _BOOL,
    "timeout": _POSITIVE_NUMBER,
    "examples": _BOOL,
    "coverage": _BOOL,
    "fuzz": _COUNT,
    "negative": _BOOL,
    "max_cases": _POSITIVE_INT,
    "parameters": _VALUES,
}
#: Keys that only an ``operations`` table takes (at the top, ``redact`` is a suite setting).
_ONLY_OP_KINDS = {"redact": _LIST}
_TOP_KINDS = {
    "app": _STR,
    "base_url": _STR,
    "schema": _STR,
    "schema_path": _STR,
    "base_path": _STR,
    "snapshot_dir": _STR,
    "backend": _STR,
    "lifespan": _BOOL,
    "setup": _STR,
    "include": _LIST,
    "exclude": _LIST,
    "redact": _LIST,
    "unordered": _LIST,
    "schema_redact": _LIST,
    "schema_unordered": _LIST,
    "headers": _LIST,
    "secrets": _LIST,
    "probes": _LIST,
    "fail_uncovered": _BOOL,
    "min_reach": _COUNT,
    "links": _BOOL,
    "infer_scenarios": _BOOL,
    "max_body_size": _POSITIVE_INT,
    "max_read_size": _POSITIVE_INT,
}


def _operation_settings(
    raw: Mapping[str, object], base: OperationSettings, source: str, *, per_operation: bool
) -> OperationSettings:
    values = _Values()
    kinds = {**_OP_KINDS, **_ONLY_OP_KINDS} if per_operation else _OP_KINDS
    for key, value in raw.items():
        if key not in kinds:
            raise _unknown(key, kinds, source)
        values.expect(value, kinds[key], key, source)
    if "redact" in values.lists:
        _validate_redact(values.lists["redact"], "redact", source)
    for key in ("checks", "warn_checks"):
        if key in values.lists:
            _validate_checks(values.lists[key], key, source)
    flags, lists, integers = values.flags, values.lists, values.integers
    return dataclasses.replace(
        base,
        checks=lists.get("checks", base.checks),
        warn_checks=lists.get("warn_checks", base.warn_checks),
        strict=flags.get("strict", base.strict),
        timeout=values.numbers.get("timeout", base.timeout),
        examples=flags.get("examples", base.examples),
        coverage=flags.get("coverage", base.coverage),
        fuzz=integers.get("fuzz", base.fuzz),
        negative=flags.get("negative", base.negative),
        max_cases=integers.get("max_cases", base.max_cases),
        redact=lists.get("redact", base.redact),
        parameters=values.values.get("parameters", base.parameters),
    )


def _validate_checks(names: tuple[str, ...], key: str, source: str) -> None:
    known = known_checks() & RESPONSE_CHECKS
    for name in names:
        if name in known_checks() and name not in known:
            raise ConfigError(
                f"{source}: `{key}` names `{name}`, a check that re-sends requests or needs "
                "generation metadata, which replayed cases lack; use one of "
                + ", ".join(sorted(known))
            )
        if name not in known:
            hint = difflib.get_close_matches(name, sorted(known), n=1)
            fix = (
                f"did you mean `{hint[0]}`?"
                if hint
                else f"known checks: {', '.join(sorted(known))}"
            )
            raise ConfigError(f"{source}: `{key}` names an unknown check `{name}`; {fix}")


def _validate_redact(rules: tuple[str, ...], key: str, source: str) -> None:
    _validate_selectors(tuple(r for r in rules if r.startswith("$")), key, source, whole=False)
    for rule in rules:
        if not rule.startswith("$") and rule not in DETECTORS:
            raise ConfigError(
                f"{source}: `{key}` has an unknown rule {rule!r}; use one of "
                f'{", ".join(DETECTORS)} or a `$.path` selector such as "$.items[*].id"'
            )


def _validate_selectors(
    selectors: tuple[str, ...], key: str, source: str, *, whole: bool = True
) -> None:
    for selector in selectors:
        try:
            compile_selector(selector, whole=whole)
        except ValueError as exc:
            raise ConfigError(
                f"{source}: `{key}` has an invalid selector {selector!r}: {exc}"
            ) from None


def check_base_url(value: str, where: str) -> str:
    """A live server's URL without its trailing slash; ``ConfigError`` naming ``where`` if bad."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError as exc:
        raise ConfigError(f"{where} is not a URL ({exc}): {value!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"{where} must be an http(s) URL with a host, such as "
            f'"http://127.0.0.1:8000", got {value!r}'
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"{where} must not carry a query, fragment or credentials (send credentials with "
            f"the `contractsnap_auth_headers` fixture), got {value!r}"
        )
    return parts.geturl().rstrip("/")


def build_settings(raw: Mapping[str, object], *, root: Path, source: str) -> Settings:
    """Validate a raw settings table (from TOML or keyword arguments) into ``Settings``."""
    top = _Values()
    op_raw: dict[str, object] = {}
    operations_raw: Mapping[object, object] = {}
    scenarios: tuple[ScenarioConfig, ...] = ()
    for key, value in raw.items():
        if key == "scenarios":
            scenarios = _scenario_configs(value, source)
        elif key == "operations":
            if not isinstance(value, Mapping):
                raise ConfigError(f"{source}: `operations` must be a table of operation selectors")
            operations_raw = value
        elif key in _OP_KINDS:
            op_raw[key] = value
        elif key in _TOP_KINDS:
            top.expect(value, _TOP_KINDS[key], key, source)
        else:
            raise _unknown(key, {*_TOP_KINDS, *_OP_KINDS, "operations", "scenarios"}, source)
    text, flags, lists, integers = top.text, top.flags, top.lists, top.integers
    backend = text.get("backend", "asyncio")
    if backend not in ("asyncio", "trio"):
        raise ConfigError(f'{source}: `backend` must be "asyncio" or "trio", got {backend!r}')
    for key in ("app", "setup"):
        if key in text and not _import_path(text[key].removesuffix("()")):
            raise ConfigError(
                f'{source}: `{key}` must look like "package.module:name" '
                f'(or "package.module:factory()"), got {text[key]!r}'
            )
    for spec in lists.get("probes", ()):
        if not _import_path(spec):
            raise ConfigError(
                f'{source}: `probes` entries must look like "package.module:function", got {spec!r}'
            )
    if integers.get("min_reach", 0) > 100:
        raise ConfigError(
            f"{source}: `min_reach` is a percentage of the operations, from 0 to 100, "
            f"got {integers['min_reach']}"
        )
    if "schema_path" in text and not text["schema_path"].startswith("/"):
        raise ConfigError(
            f'{source}: `schema_path` must start with "/", got {text["schema_path"]!r}'
        )
    if "base_url" in text:
        text["base_url"] = check_base_url(text["base_url"], f"{source}: `base_url`")
    if "base_path" in text:
        text["base_path"] = (
            "/" + text["base_path"].strip("/") if text["base_path"].strip("/") else ""
        )
    for key in ("redact", "schema_redact"):
        _validate_redact(lists.get(key, ()), key, source)
    for key in ("unordered", "schema_unordered"):
        _validate_selectors(lists.get(key, ()), key, source)
    defaults = _operation_settings(op_raw, OperationSettings(), source, per_operation=False)
    operations: list[tuple[str, OperationSettings]] = []
    operation_keys: list[frozenset[str]] = []
    for selector, raw_table in operations_raw.items():
        where = f"{source}.operations.{selector!r}"
        table = _table(raw_table, where)
        operations.append(
            (str(selector), _operation_settings(table, defaults, where, per_operation=True))
        )
        operation_keys.append(frozenset(table))
    keyed = [(source, s) for key in ("include", "exclude") for s in lists.get(key, ())]
    keyed += [(f"{source}.operations.{s!r}", s) for s, _ in operations]
    for where, selector in keyed:
        try:
            validate_selector(selector)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    for selector in [*lists.get("include", ()), *(s for s, _ in operations)]:
        if selector.startswith("scenario:"):
            raise ConfigError(
                f"{source}: {selector!r} selects scenarios, which only `exclude` (and "
                "--contractsnap-op) take; scenarios run when all their operations are included"
            )
    return Settings(
        app=text.get("app"),
        base_url=text.get("base_url"),
        schema=text.get("schema"),
        schema_path=text.get("schema_path", Settings.schema_path),
        schema_path_given="schema_path" in text,
        base_path=text.get("base_path", Settings.base_path),
        snapshot_dir=text.get("snapshot_dir", Settings.snapshot_dir),
        backend="trio" if backend == "trio" else "asyncio",
        lifespan=flags.get("lifespan", Settings.lifespan),
        setup=text.get("setup"),
        include=lists.get("include", ()),
        exclude=lists.get("exclude", ()),
        redact=lists.get("redact", ()),
        unordered=lists.get("unordered", ()),
        schema_redact=lists.get("schema_redact", ()),
        schema_unordered=lists.get("schema_unordered", ()),
        headers=tuple(h.lower() for h in lists.get("headers", ())),
        secrets=tuple(s.lower() for s in lists.get("secrets", ())),
        probes=lists.get("probes", ()),
        fail_uncovered=flags.get("fail_uncovered", Settings.fail_uncovered),
        min_reach=integers.get("min_reach", Settings.min_reach),
        links=flags.get("links", Settings.links),
        infer_scenarios=flags.get("infer_scenarios", Settings.infer_scenarios),
        scenarios=scenarios,
        max_body_size=integers.get("max_body_size", Settings.max_body_size),
        max_read_size=integers.get("max_read_size", Settings.max_read_size),
        defaults=defaults,
        operations=tuple(operations),
        operation_keys=tuple(operation_keys),
        source=source,
        root=root,
    )


#: Parameter locations: `parameters = {header.X = ...}` means "header.X".
_PLACES = ("path", "query", "header", "cookie")
_STEP_KEYS = ("operation", "parameters", "body", "from", "status")


def _scenario_configs(value: object, source: str) -> tuple[ScenarioConfig, ...]:
    """``[[tool.contractsnap.scenarios]]``: named lists of steps, checked before any run."""
    if not isinstance(value, list):
        raise ConfigError(
            f"{source}: `scenarios` must be an array of tables ([[tool.contractsnap.scenarios]]), "
            f"got {type(value).__name__}"
        )
    found: list[ScenarioConfig] = []
    for index, raw in enumerate(value, 1):
        where = f"{source}: scenario {index}"
        table = _table(raw, where)
        for key in table:
            if key not in ("name", "steps"):
                raise _unknown(key, ("name", "steps"), where)
        name = table.get("name")
        if not isinstance(name, str) or not valid_name(name):
            raise ConfigError(
                f"{where}: `name` must be 1 to 80 letters, digits, `_`, `.` or `-`, starting "
                f'with a letter or digit (such as "book-lifecycle"): it names the file; '
                f"got {name!r}"
            )
        if any(other.name == name for other in found):
            raise ConfigError(
                f"{where}: another scenario is named {name!r}; give each scenario its own name"
            )
        where = f"{source}: scenario {name!r}"
        steps = table.get("steps")
        if not isinstance(steps, list) or len(steps) < 2:
            raise ConfigError(
                f'{where}: `steps` must list two or more steps, such as [{{operation = "POST '
                '/books"}, {operation = "GET /books/{book_id}", parameters = {book_id = '
                f'"$response.body#/id"}}}}], got {steps!r}'
            )
        parsed = [
            _step_config(raw_step, n, f"{where}, step {n}") for n, raw_step in enumerate(steps, 1)
        ]
        found.append(ScenarioConfig(name, tuple(parsed)))
    return tuple(found)


def _step_config(raw: object, number: int, where: str) -> StepConfig:
    table = _table(raw, where)
    for key in table:
        if key not in _STEP_KEYS:
            raise _unknown(key, _STEP_KEYS, where)
    operation = table.get("operation")
    if operation is None:
        raise ConfigError(
            f"{where}: `operation` is missing; set it to the operation the step sends, "
            'such as "GET /books/{book_id}"'
        )
    method, _, path = operation.partition(" ") if isinstance(operation, str) else ("", "", "")
    if method.lower() not in HTTP_METHODS or not path.startswith("/"):
        raise ConfigError(
            f'{where}: `operation` must be a method and a path as in the schema, such as "GET '
            f'/books/{{book_id}}", got {operation!r}'
        )
    parameters = table.get("parameters", {})
    if not isinstance(parameters, Mapping):
        raise ConfigError(
            f'{where}: `parameters` must be a table such as {{book_id = "$response.body#/id"}}, '
            f"got {type(parameters).__name__} {parameters!r}"
        )
    pairs: list[tuple[str, object]] = []
    for key, value in parameters.items():
        if key in _PLACES and isinstance(value, Mapping):
            # TOML reads `header.Authorization = ...` (unquoted) as a table in a table.
            pairs += [(f"{key}.{name}", item) for name, item in value.items()]
        else:
            pairs.append((str(key), value))
    named = [(f"parameters.{k}", v) for k, v in pairs]
    if "body" in table:
        if "body" in parameters:
            raise ConfigError(
                f"{where}: the body is set twice, by `body` and by `parameters.body`; keep one"
            )
        pairs.append(("body", table["body"]))
        named.append(("body", table["body"]))
    for key, value in named:
        _check_step_value(value, key, number, where)
    source = table.get("from")
    if source is not None and number == 1:
        raise ConfigError(
            f"{where}: `from` names the earlier step whose answer the expressions read; "
            "the first step has none, remove it"
        )
    if source is not None and (
        not isinstance(source, int) or isinstance(source, bool) or not 1 <= source < number
    ):
        raise ConfigError(
            f"{where}: `from` must be the number of an earlier step (1 to {number - 1}), "
            f"got {source!r}"
        )
    status = table.get("status")
    if status is not None:
        if number != 1:
            raise ConfigError(
                f"{where}: `status` is for the first step (the answer the scenario needs to go "
                "on); later steps are recorded with whatever they answer, remove it"
            )
        if not isinstance(status, int) or isinstance(status, bool) or not 100 <= status <= 599:
            raise ConfigError(
                f"{where}: `status` must be an HTTP status code from 100 to 599, such as 201, "
                f"got {type(status).__name__} {status!r}"
            )
    return StepConfig(f"{method.upper()} {path}", tuple(pairs), source, status)


def _check_step_value(value: object, key: str, number: int, where: str) -> None:
    """A step's value is an expression, a ``{$...}`` text or a JSON constant."""
    if is_expression(value):
        assert isinstance(value, str)
        try:
            check_expression(value)
        except ExpressionError as exc:
            raise ConfigError(f"{where}: `{key}`: {exc}") from None
        if number == 1:
            raise ConfigError(
                f"{where}: `{key}` = {value!r} reads an earlier step's answer, and the first "
                "step has none; give it a constant"
            )
        return
    stack: list[tuple[str, object]] = [(key, value)]
    while stack:
        at, node = stack.pop()
        if isinstance(node, (datetime.date, datetime.time)):
            raise ConfigError(
                f"{where}: `{at}` is a TOML date or time, which JSON has no type for; quote "
                "it to send it as a string"
            )
        if isinstance(node, Mapping):
            stack.extend((f"{at}.{k}", v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((f"{at}[{i}]", v) for i, v in enumerate(node))
        elif isinstance(node, str) and at != key and is_expression(node):
            try:
                check_expression(node)
            except ExpressionError:
                continue  # a constant that only looks like one
            raise ConfigError(
                f"{where}: `{at}` = {node!r} is inside a constant, where expressions are not "
                f"read; carry it with its own key, such as parameters = "
                f'{{"body#/id" = "$response.body#/id"}}'
            )


def _import_path(spec: str) -> bool:
    """Whether ``spec`` is "module:attribute", both parts non-empty dotted names."""
    module, sep, attr = spec.partition(":")
    return bool(sep) and all(p.isidentifier() for p in (*module.split("."), attr))


def _table(value: object, source: str) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source} must be a table, got {type(value).__name__}")
    return value


def _near_miss(path: Path, tool: Mapping[str, object]) -> None:
    """A ``[tool.contractsnapp]`` or ``[tool.contract_snap]`` table is a typo, not another
    tool: without the error, the settings would be silently ignored."""
    for name in tool:
        if name == "contractsnap":
            continue
        folded = name.lower().replace("_", "").replace("-", "").replace(".", "")
        close = difflib.SequenceMatcher(None, folded, "contractsnap").ratio() >= 0.85
        if folded == "contractsnap" or close:
            raise ConfigError(
                f"{path.name}: [tool.{name}] looks like a misspelt [tool.contractsnap]; "
                "contractsnap reads only [tool.contractsnap], so none of these settings would "
                "apply: rename the table"
            )


def read_pyproject(path: Path) -> dict[str, object] | None:
    """The raw ``[tool.contractsnap]`` table of a pyproject.toml, or None if it has none."""
    try:
        with path.open("rb") as fh:
            data: dict[str, object] = tomllib.load(fh)
    except FileNotFoundError:
        return None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path.name}: `tool` must be a table")
    _near_miss(path, tool)
    table = tool.get("contractsnap")
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{path.name}: [tool.contractsnap] must be a table")
    return table


def _lists(value: object) -> object:
    """Keyword arguments may use tuples where TOML has arrays."""
    if isinstance(value, (tuple, list)):
        return [_lists(v) for v in value]
    if isinstance(value, Mapping):
        return {k: _lists(v) for k, v in value.items()}
    return value


def load_settings(
    rootpath: Path, overrides: Mapping[str, object] | None = None, *, source: str | None = None
) -> Settings:
    """Settings from ``rootpath/pyproject.toml``, with ``overrides`` (keyword arguments) on top."""
    raw: dict[str, object] = dict(read_pyproject(rootpath / "pyproject.toml") or {})
    if overrides:
        if not raw:
            raw = {}
        for key, value in overrides.items():
            raw[key] = _lists(value)
    where = source or "pyproject.toml [tool.contractsnap]"
    return build_settings(raw, root=rootpath, source=where)
