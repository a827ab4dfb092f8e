"""The OpenAPI document: loading it with schemathesis, listing operations, fingerprints.

The document is loaded once per run with ``schemathesis.openapi.from_dict`` and an explicit
``schemathesis.Config()`` (no ``from_asgi``: it would start the app's lifespan in a thread of
its own and mine the app's source for literals; no config discovery: a stray
``schemathesis.toml`` must not change what is generated).
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import schemathesis
from schemathesis.core.result import Err

from . import _normalize, _openapi, _pointer
from ._canonical import JSON, digest
from ._config import OperationSettings, Settings
from ._errors import ConfigError, SchemaError, a_kind
from ._naming import file_stem
from ._openapi import HTTP_METHODS
from ._selectors import closest, selected, selector_matches

if TYPE_CHECKING:
    # schemathesis spells the type of an OpenAPI operation for type checkers only.
    from schemathesis.specs.openapi.schemas import OpenApiOperation


@dataclasses.dataclass(frozen=True)
class Operation:
    """One API operation of the schema, as contractsnap sees it."""

    method: str
    path: str
    operation_id: str | None
    tags: tuple[str, ...]
    fingerprint: str
    file_stem: str
    settings: OperationSettings
    #: The schemathesis operation, or None when the schema cannot describe it.
    api_operation: OpenApiOperation | None
    #: Why schemathesis could not read this operation, if it could not.
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


class _References:
    """Local ``$ref`` resolution and per-reference digests, each computed once.

    A fingerprint hashes an operation's request part as written (references left in place)
    together with the digest of every component it reaches, so an edit in ``components``
    changes exactly the operations that use it, in time linear in the document's size.
    """

    def __init__(self, document: Mapping[str, object]) -> None:
        self._document = document
        self._digests: dict[str, str] = {}

    def resolve(self, ref: str, *, decode: bool = False) -> object:
        """What a local reference points at; ``{"$unresolved": ref}`` if nothing."""
        try:
            return _pointer.resolve(self._document, ref, decode=decode)
        except _pointer.PointerError:
            return {"$unresolved": ref}

    def reachable(self, node: object) -> dict[str, str]:
        """Digests of every local reference reachable from ``node``."""
        found: dict[str, str] = {}
        stack: list[object] = [node]
        while stack:
            current = stack.pop()
            if isinstance(current, Mapping):
                ref = current.get("$ref")
                if isinstance(ref, str) and ref.startswith(_pointer.LOCAL) and ref not in found:
                    target = self.resolve(ref)
                    found[ref] = self._digest(ref, target)
                    stack.append(target)
                stack.extend(v for k, v in current.items() if k != "$ref")
            elif isinstance(current, list):
                stack.extend(current)
        return found

    def dangling(self, node: object) -> list[str]:
        """References reachable from ``node`` that lead nowhere, or outside the document."""
        found: list[str] = []
        seen: set[str] = set()
        stack: list[tuple[str, object]] = [("", node)]
        while stack:
            parent, current = stack.pop()
            if isinstance(current, Mapping):
                ref = current.get("$ref")
                if isinstance(ref, str) and ref not in seen:
                    seen.add(ref)
                    local = ref.startswith(_pointer.LOCAL)
                    target = self.resolve(ref, decode=True) if local else None
                    if target is None or (isinstance(target, Mapping) and "$unresolved" in target):
                        found.append(ref)
                    else:
                        stack.append(("", target))
                names = parent in _NAME_MAPS  # keys are names there, not keywords
                stack.extend(
                    (k, v)
                    for k, v in current.items()
                    if k != "$ref" and (names or not (k in _DATA_KEYS or k.startswith("x-")))
                )
                examples = current.get("examples")
                if not names and isinstance(examples, Mapping):  # Example Objects: a $ref,
                    stack.extend(  # or data under `value`
                        ("", {k: v for k, v in example.items() if k != "value"})
                        for example in examples.values()
                        if isinstance(example, Mapping)
                    )
            elif isinstance(current, list):
                stack.extend(("", v) for v in current)  # list items are objects, not names
        return sorted(found)

    def _digest(self, ref: str, target: object) -> str:
        if ref not in self._digests:
            self._digests[ref] = digest(target)
        return self._digests[ref]


#: Keys whose values are data (examples, defaults, enumerations, extensions), where a
#: "$ref" key is a value and not a reference.
_DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const"})
#: Objects whose keys are names (a property may be called "default"), not keywords.
_NAME_MAPS = frozenset(
    {
        "properties", "patternProperties", "definitions", "$defs", "schemas", "parameters",
        "responses", "requestBodies", "headers", "securitySchemes", "links", "callbacks",
        "pathItems", "paths", "components", "content", "encoding",
    }
)  # fmt: skip


def _sequence(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else []


def _fingerprint(
    document: Mapping[str, JSON],
    refs: _References,
    path_item: Mapping[str, object],
    definition: Mapping[str, object],
    path: str,
    method: str,
    settings: OperationSettings,
) -> str:
    """``definition`` is ``path_item[method]``."""
    relevant = {
        "method": method.upper(),
        "path": path,
        "parameters": [
            *_sequence(path_item.get("parameters")),
            *_sequence(definition.get("parameters")),
        ],
        "requestBody": definition.get("requestBody"),
        "consumes": definition.get("consumes", document.get("consumes")),
        "security": definition.get("security", document.get("security")),
        "generation": settings.generation_key(),
    }
    return digest({"operation": relevant, "references": refs.reachable(relevant)})[:16]


def _where(settings: Settings) -> str:
    if settings.schema:
        return f"schema file {settings.schema!r}"
    return f"the OpenAPI document of {settings.base_url or settings.app or 'the app'}"


def _fix(settings: Settings, served_at: str) -> str:
    if settings.schema:
        return f"fix the file, or point `schema` in {settings.source} at the app's OpenAPI document"
    return (
        "check `schema_path`/`schema` in [tool.contractsnap] (the document came from "
        f"GET {(settings.base_url or '') + served_at})"
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].rstrip(".") if text else type(exc).__name__


def _check_version(document: Mapping[str, JSON], where: str, fix: str) -> None:
    """An ``openapi`` (3.x) or ``swagger`` ("2.0") field of the right type must be there."""
    if "openapi" in document:
        key, version, example = "openapi", document["openapi"], '"3.1.0"'
    elif "swagger" in document:
        key, version, example = "swagger", document["swagger"], '"2.0"'
    else:
        raise SchemaError(
            f"{where} has no `openapi` field (or `swagger` for version 2.0), so it is not "
            f"an OpenAPI document; {fix}"
        )
    if not isinstance(version, str):
        raise SchemaError(
            f"{where}: `{key}` must be a version string such as {example}, got "
            f"{type(version).__name__} {version!r}; {fix}"
        )


def _check_path_items(paths: Mapping[str, JSON], where: str) -> None:
    """Path items and operations must be objects (schemathesis skips them silently)."""
    for path, item in paths.items():
        if str(path).startswith("x-"):
            continue  # a specification extension, not a path
        if not isinstance(item, Mapping):
            raise SchemaError(
                f"{where}: `paths.{path}` is {a_kind(item)}, not a path item object; "
                "fix that path in the document"
            )
        for method, definition in item.items():
            if method in HTTP_METHODS and not isinstance(definition, Mapping):
                raise SchemaError(
                    f"{where}: `paths.{path}.{method}` is {a_kind(definition)}, not an "
                    "operation object; fix that operation in the document"
                )


def _dangling(
    refs: _References, path_item: Mapping[str, object], definition: Mapping[str, object]
) -> str | None:
    """Why an operation schemathesis loaded cannot be tested: a ``$ref`` that leads nowhere.

    schemathesis loads such operations and then generates requests without the part the
    reference stands for, which would freeze wrong cases.
    """
    for ref in refs.dangling([path_item.get("parameters"), definition]):
        if not ref.startswith("#"):
            return (
                f"`$ref` {ref!r} points into another document, which contractsnap does not "
                "read; bundle the schema into one document"
            )
        return f"`$ref` {ref!r} points nowhere in the document"
    return None


def normalized_document(document: Mapping[str, JSON], settings: Settings) -> Mapping[str, JSON]:
    """The document with ``schema_redact`` and ``schema_unordered`` applied."""
    rules = _normalize.Rules.from_settings(
        settings.schema_redact, unordered=settings.schema_unordered
    )
    normal = _normalize.document(dict(document), rules)
    return normal if isinstance(normal, Mapping) else document


class ApiSchema:
    """The app's OpenAPI document and the operations selected for testing."""

    def __init__(self, document: object, settings: Settings, served_at: str | None = None) -> None:
        """``document`` is checked here: it need not be an object at all. ``served_at``:
        the path it came from, when not ``schema_path`` (found at a usual place)."""
        where = _where(settings)
        fix = _fix(settings, served_at or settings.schema_path)
        paths = document.get("paths") if isinstance(document, Mapping) else None
        if not isinstance(document, Mapping) or not isinstance(paths, Mapping):
            raise SchemaError(f"{where} has no `paths` table; {fix}")
        _check_version(document, where, fix)
        _check_path_items(paths, where)
        #: The document as served (what cases are generated from) and as normalised by
        #: ``schema_redact`` and ``schema_unordered`` (what is fingerprinted and stored).
        self.served: Mapping[str, JSON] = document
        self.document: Mapping[str, JSON] = normalized_document(document, settings)
        self.settings = settings
        self.security = _openapi.security_parameters(document)
        try:
            self.schemathesis = schemathesis.openapi.from_dict(
                json.loads(json.dumps(document)), config=schemathesis.Config()
            )
        except Exception as exc:
            raise SchemaError(
                f"{where}: schemathesis cannot load it: {_first_line(exc)}; {fix}"
            ) from exc
        #: File stems of every operation in the document, selected or not: a file with
        #: another stem is an orphan.
        self.all_stems: set[str] = set()
        self._refs = _References(self.document)
        #: Every operation object of the document by label, in document order, and the
        #: parameters of its path item; the labels of each operationId (one, unless shared).
        self.definitions: dict[str, Mapping[str, object]] = {}
        self._path_parameters: dict[str, object] = {}
        self.by_id: dict[str, list[str]] = {}
        self.operations = self._operations()
        self._selected_ops = {op.label: op for op in self.operations}
        self.selected_labels = frozenset(self._selected_ops)

    def operation(self, label: str) -> Operation | None:
        """The selected operation with this label."""
        return self._selected_ops.get(label)

    def resolve(self, node: object) -> object:
        """``node``, or what its local ``$ref`` points at."""
        ref = _pointer.reference(node)
        return node if ref is None else self._refs.resolve(ref)

    def _own(
        self, label: str, known: tuple[tuple[str, str | int | float | bool], ...]
    ) -> tuple[tuple[str, str | int | float | bool], ...]:
        """The ``parameters`` values that name a parameter of the operation (``name`` or
        ``place.name``, as generation reads them)."""
        names = {
            spelling
            for place, found in self.parameters_of(label).items()
            for name in found
            for spelling in (name, f"{place}.{name}")
        }
        return tuple((key, value) for key, value in known if key in names)

    def parameters_of(self, label: str) -> dict[str, set[str]]:
        """The names of an operation's parameters, by location (path, query, header, cookie)."""
        found: dict[str, set[str]] = {}
        definition = self.definitions.get(label, {})
        for raw in [
            *_sequence(self._path_parameters.get(label)),
            *_sequence(definition.get("parameters")),
        ]:
            parameter = self.resolve(raw)
            name = parameter.get("name") if isinstance(parameter, Mapping) else None
            if isinstance(parameter, Mapping) and isinstance(name, str):
                found.setdefault(str(parameter.get("in")), set()).add(name)
        return found

    def _operations(self) -> list[Operation]:
        refs = self._refs
        # One walk of the whole document: only if it finds a reference that leads nowhere
        # is each operation walked, to say which ones it breaks (most documents have none).
        broken = bool(refs.dangling(self.document))
        loaded: dict[str, OpenApiOperation] = {}
        errors: dict[str, str] = {}
        for result in self.schemathesis.get_all_operations():
            if isinstance(result, Err):
                error = result.err()
                path, method = error.path, error.method
                if path and method:
                    errors[f"{method.upper()} {path}"] = str(error).splitlines()[0]
                continue
            operation = result.ok()
            loaded[operation.label] = operation
        operations: list[Operation] = []
        seen: set[str] = set()
        every: list[tuple[str, str, str | None, tuple[str, ...]]] = []
        for path, method, definition, path_item in _openapi.operations(self.document):
            label = f"{method.upper()} {path}"
            seen.add(label)
            self.definitions[label] = definition
            self._path_parameters[label] = path_item.get("parameters")
            stem = file_stem(method.upper(), path)
            self.all_stems.add(stem)
            tags = tuple(str(t) for t in _sequence(definition.get("tags")))
            operation_id = definition.get("operationId")
            if not isinstance(operation_id, str):
                operation_id = None
            else:
                self.by_id.setdefault(operation_id, []).append(label)
            every.append((method.upper(), path, operation_id, tags))
            if not self._selected(method.upper(), path, operation_id, tags):
                continue
            op_settings = self.settings.for_operation(
                functools.partial(
                    selector_matches,
                    method=method.upper(),
                    path=path,
                    operation_id=operation_id,
                    tags=tags,
                )
            )
            if op_settings.parameters:  # only its own: the others' leave its fingerprint be
                op_settings = dataclasses.replace(
                    op_settings, parameters=self._own(label, op_settings.parameters)
                )
            operations.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=operation_id,
                    tags=tags,
                    fingerprint=_fingerprint(
                        self.document, refs, path_item, definition, path, method, op_settings
                    ),
                    file_stem=stem,
                    settings=op_settings,
                    api_operation=loaded.get(label),
                    error=errors.get(label, "schemathesis could not load it")
                    if label not in loaded
                    else _dangling(refs, path_item, definition)
                    if broken
                    else None,
                )
            )
        self._check_selectors(every)
        self._check_parameters(every)
        missing = set(loaded) - seen
        if missing:
            raise SchemaError(
                f"operations {', '.join(sorted(missing))} are in the schema but could not be "
                "listed; please report this with the OpenAPI document"
            )
        return operations

    def _check_selectors(self, every: list[tuple[str, str, str | None, tuple[str, ...]]]) -> None:
        """An ``include``/``exclude`` entry or an operations table that matches no operation
        of the document is a mistake (a typo, a renamed path), not a silent no-op."""
        source = self.settings.source
        named = [
            (f"`{key}` entry {s!r}", s)
            for key in ("include", "exclude")
            for s in getattr(self.settings, key)
        ]
        named += [
            (f"the table [tool.contractsnap.operations.{json.dumps(s)}]", s)
            for s, _ in self.settings.operations
        ]
        for what, selector in named:
            if selector.startswith("scenario:"):
                continue  # scenarios are matched when they are built
            if not any(
                selector_matches(selector, method=m, path=p, operation_id=i, tags=t)
                for m, p, i, t in every
            ):
                raise ConfigError(
                    f"{source}: {what} matches no operation of the schema;"
                    f"{closest(selector, every)} Fix the selector or remove it"
                )

    def _check_parameters(self, every: list[tuple[str, str, str | None, tuple[str, ...]]]) -> None:
        """A ``parameters`` value whose name no operation it applies to has (a typo, a
        header spelt in another case) would never be sent: a mistake, not a silent no-op."""
        tables: list[tuple[str, str | None, tuple[tuple[str, object], ...]]] = [
            ("[tool.contractsnap.parameters]", None, self.settings.defaults.parameters)
        ]
        tables += [
            (
                f"the `parameters` of [tool.contractsnap.operations.{json.dumps(s)}]",
                s,
                table.parameters,
            )
            for (s, table), keys in zip(
                self.settings.operations, self.settings.operation_keys, strict=True
            )
            if "parameters" in keys
        ]
        for what, selector, known in tables:
            if not known:
                continue  # no table: nothing to look up (most projects)
            spellings = {
                spelling
                for m, p, i, t in every
                if selector is None
                or selector_matches(selector, method=m, path=p, operation_id=i, tags=t)
                for place, names in self.parameters_of(f"{m} {p}").items()
                for name in names
                for spelling in (name, f"{place}.{name}")
            }
            for key, _ in known:
                if key in spellings:
                    continue
                alike = sorted(s for s in spellings if ("." in s) == ("." in key))
                hint = difflib.get_close_matches(key, alike, n=1)
                applies = "any operation" if selector is None else "the operations it applies to"
                raise ConfigError(
                    f"{self.settings.source}: `{key}` in {what} names no parameter of {applies};"
                    + (f" did you mean `{hint[0]}`?" if hint else "")
                    + " Fix the name (`name` or `place.name`, as the schema spells it) or "
                    "remove it"
                )

    def _selected(
        self, method: str, path: str, operation_id: str | None, tags: tuple[str, ...]
    ) -> bool:
        return selected(self.settings, method, path, operation_id, tags)
