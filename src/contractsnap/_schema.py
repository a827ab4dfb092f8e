"""The OpenAPI document: loading it with schemathesis, listing operations, fingerprints.

The document is loaded once per run with ``schemathesis.openapi.from_dict`` and an explicit
``schemathesis.Config()`` (no ``from_asgi``: it would start the app's lifespan in a thread of
its own and mine the app's source for literals; no config discovery: a stray
``schemathesis.toml`` must not change what is generated).
"""

from __future__ import annotations

import copy
import dataclasses
import fnmatch
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import schemathesis
from schemathesis.core.result import Err

from ._config import OperationSettings, Settings
from ._errors import SchemaError
from ._naming import file_stem

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_SELECTOR_KINDS = ("tag", "id", "method", "path")


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
    api_operation: Any
    #: Why schemathesis could not read this operation, if it could not.
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def validate_selector(selector: str) -> None:
    """Raise ``ValueError`` with a fix if ``selector`` is not a valid operation selector."""
    kind, sep, value = selector.partition(":")
    if sep and kind in _SELECTOR_KINDS:
        if not value:
            raise ValueError(f"selector {selector!r} has nothing after `{kind}:`")
        return
    method, _, path = selector.partition(" ")
    if method.lower() in (*HTTP_METHODS, "*") and path.startswith("/"):
        return
    raise ValueError(
        f'invalid operation selector {selector!r}; use "GET /books/{{book_id}}" (globs allowed), '
        '"tag:NAME", "id:OPERATION_ID", "method:POST" or "path:/books/*"'
    )


def selector_matches(
    selector: str, *, method: str, path: str, operation_id: str | None, tags: Iterable[str]
) -> bool:
    """Whether an operation selector (see ``validate_selector``) matches an operation."""
    kind, sep, value = selector.partition(":")
    if sep and kind in _SELECTOR_KINDS:
        if kind == "tag":
            return value in tags
        if kind == "id":
            return value == operation_id
        if kind == "method":
            return value.upper() == method
        return fnmatch.fnmatchcase(path, value)
    sel_method, _, sel_path = selector.partition(" ")
    return sel_method.upper() in ("*", method) and fnmatch.fnmatchcase(path, sel_path)


def _matches_selector(
    selector: str, *, method: str, path: str, operation_id: str | None, tags: Iterable[str]
) -> bool:
    return selector_matches(
        selector, method=method, path=path, operation_id=operation_id, tags=tags
    )


class _RefInliner:
    """Inline local ``$ref``s so a fingerprint sees edits made in ``components``."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = document

    def resolve(self, ref: str) -> Any:
        node: Any = self._document
        for raw in ref.removeprefix("#/").split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return {"$unresolved": ref}
            node = node[part]
        return node

    def inline(self, node: Any, seen: tuple[str, ...] = ()) -> Any:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/"):
                if ref in seen:  # a recursive schema: keep the reference
                    return {"$ref": ref}
                return self.inline(self.resolve(ref), (*seen, ref))
            return {str(k): self.inline(v, seen) for k, v in node.items()}
        if isinstance(node, list):
            return [self.inline(v, seen) for v in node]
        return node


def security_parameters(document: Mapping[str, Any]) -> dict[str, set[str]]:
    """Names of the headers, query parameters and cookies that carry credentials.

    Authorization, Cookie and Set-Cookie always count; the schema's security schemes add
    the API-key names they declare.
    """
    names: dict[str, set[str]] = {
        "header": {"authorization", "cookie", "set-cookie", "proxy-authorization"},
        "query": set(),
        "cookie": set(),
    }
    schemes = document.get("components", {}).get("securitySchemes", {})
    schemes = {**document.get("securityDefinitions", {}), **schemes}  # Swagger 2.0 spelling
    for scheme in schemes.values():
        if isinstance(scheme, Mapping) and scheme.get("type") == "apiKey":
            where, name = scheme.get("in"), scheme.get("name")
            if where in names and isinstance(name, str):
                names[where].add(name.lower() if where == "header" else name)
    return names


def _fingerprint(
    document: Mapping[str, Any],
    inliner: _RefInliner,
    path: str,
    method: str,
    settings: OperationSettings,
) -> str:
    path_item = document["paths"][path]
    definition = path_item[method]
    relevant = {
        "method": method.upper(),
        "path": path,
        "parameters": [*path_item.get("parameters", []), *definition.get("parameters", [])],
        "requestBody": definition.get("requestBody"),
        "consumes": definition.get("consumes", document.get("consumes")),
        "security": definition.get("security", document.get("security")),
        "generation": settings.generation_key(),
    }
    text = json.dumps(inliner.inline(relevant), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ApiSchema:
    """The app's OpenAPI document and the operations selected for testing."""

    def __init__(self, document: Any, settings: Settings) -> None:
        if not isinstance(document, Mapping) or not isinstance(document.get("paths"), Mapping):
            raise SchemaError(
                f"the OpenAPI document of {settings.app or settings.schema or 'the app'} has no "
                "`paths` table; "
                "check `schema_path`/`schema` in [tool.contractsnap]"
            )
        self.document = document
        self.settings = settings
        self.security = security_parameters(document)
        try:
            self.schemathesis = schemathesis.openapi.from_dict(
                copy.deepcopy(dict(document)), config=schemathesis.Config()
            )
        except Exception as exc:
            raise SchemaError(f"schemathesis cannot load the OpenAPI document: {exc}") from exc
        self.operations = self._operations()

    def _operations(self) -> list[Operation]:
        inliner = _RefInliner(self.document)
        loaded: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for result in self.schemathesis.get_all_operations():
            if isinstance(result, Err):
                error = result.err()
                path, method = getattr(error, "path", None), getattr(error, "method", None)
                if path and method:
                    errors[f"{method.upper()} {path}"] = str(error).splitlines()[0]
                continue
            operation = result.ok()
            loaded[operation.label] = operation
        operations: list[Operation] = []
        for path, path_item in self.document["paths"].items():
            if not isinstance(path_item, Mapping):
                continue
            for method in path_item:
                if method not in HTTP_METHODS or not isinstance(path_item[method], Mapping):
                    continue
                definition = path_item[method]
                label = f"{method.upper()} {path}"
                tags = tuple(str(t) for t in definition.get("tags", ()))
                operation_id = definition.get("operationId")
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
                operations.append(
                    Operation(
                        method=method.upper(),
                        path=path,
                        operation_id=operation_id,
                        tags=tags,
                        fingerprint=_fingerprint(self.document, inliner, path, method, op_settings),
                        file_stem=file_stem(method.upper(), path),
                        settings=op_settings,
                        api_operation=loaded.get(label),
                        error=None
                        if label in loaded
                        else errors.get(label, "unreadable operation"),
                    )
                )
        return operations

    def _selected(
        self, method: str, path: str, operation_id: str | None, tags: tuple[str, ...]
    ) -> bool:
        def match(selector: str) -> bool:
            return selector_matches(
                selector, method=method, path=path, operation_id=operation_id, tags=tags
            )

        if self.settings.include and not any(match(s) for s in self.settings.include):
            return False
        return not any(match(s) for s in self.settings.exclude)
