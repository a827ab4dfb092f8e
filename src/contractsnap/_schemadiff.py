"""OpenAPI changes between two recorded documents, classified like the snapshot changes.

Breaking: an operation removed, a required parameter or required request property added,
a parameter or request property that became required, a response property removed, a type
changed, an enum value removed, a 2xx response no longer documented. Everything else that
differs is additive. References are followed (cycles included) so an edit in
``components`` is seen where it is used; every value that differs outside ``paths`` (a
``default`` in ``components``, ``info``) is listed too, under ``DOCUMENT``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TypeGuard

from . import _normalize, _openapi, _pointer
from ._canonical import JSON, short
from ._selectors import path_to_selector

Change = tuple[str, str, str]  # (level, what, operation label)
#: What the changes outside ``paths`` are listed under, in place of an operation.
DOCUMENT = "OpenAPI document"
#: Bounds that narrow a request's accepted range when they get lower (max) or higher (min).
_BOUNDS = {
    "maximum": "lower",
    "exclusiveMaximum": "lower",
    "maxLength": "lower",
    "maxItems": "lower",
    "minimum": "higher",
    "exclusiveMinimum": "higher",
    "minLength": "higher",
    "minItems": "higher",
}


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _list(value: object) -> list[object]:
    """``value`` if it is an array (a missing one is empty)."""
    return value if isinstance(value, list) else []


def _object(value: object) -> Mapping[str, object]:
    """``value`` if it is an object (a missing one is empty)."""
    return value if isinstance(value, Mapping) else {}


class _Resolver:
    def __init__(self, document: Mapping[str, object]) -> None:
        self.document = document

    def __call__(self, node: object) -> Mapping[str, object]:
        """``node`` or what its ``$ref``s lead to, if an object; else an empty one."""
        try:
            node = _pointer.follow(self.document, node)
        except _pointer.PointerError:
            return {}
        return node if isinstance(node, Mapping) else {}


def _operations(document: Mapping[str, object]) -> dict[str, Mapping[str, object]]:
    """Each operation object, its path item's parameters in front of its own."""
    found: dict[str, Mapping[str, object]] = {}
    for path, method, definition, item in _openapi.operations(document):
        shared = _list(item.get("parameters"))
        found[f"{method.upper()} {path}"] = {
            **definition,
            "parameters": [*shared, *_list(definition.get("parameters"))],
        }
    return found


def _types(schema: Mapping[str, object], resolve: _Resolver) -> frozenset[str]:
    kinds = schema.get("type")
    found: set[str] = set(
        kinds if isinstance(kinds, list) else [kinds] if isinstance(kinds, str) else []
    )
    for key in ("anyOf", "oneOf"):
        for member in _list(schema.get(key)):
            found |= _types(resolve(member), resolve)
    if schema.get("nullable") is True:
        found.add("null")
    return frozenset(found)


class _Compare:
    def __init__(self, base: Mapping[str, object], head: Mapping[str, object]) -> None:
        self.old, self.new = _Resolver(base), _Resolver(head)

    def schema(
        self,
        old: object,
        new: object,
        path: tuple[str | int, ...],
        *,
        request: bool,
        seen: frozenset[tuple[int, int]] = frozenset(),
    ) -> Iterator[tuple[str, str]]:
        a, b = self.old(old), self.new(new)
        key = (id(a), id(b))
        if key in seen:
            return
        seen = seen | {key}
        where = path_to_selector(path)
        ta, tb = _types(a, self.old), _types(b, self.new)
        if ta and tb and ta != tb:
            yield (
                "breaking",
                f"type of `{where}` changed from {'|'.join(sorted(ta))} to " + "|".join(sorted(tb)),
            )
        if request:  # a narrower range rejects requests that used to pass
            for bound, tighter in _BOUNDS.items():
                x, y = a.get(bound), b.get(bound)
                if _number(x) and _number(y) and (y < x if tighter == "lower" else y > x):
                    yield "breaking", f"{bound} of `{where}` narrowed from {x} to {y}"
                elif x is None and _number(y):
                    yield "breaking", f"{bound} {y} added to `{where}`"
        gone = [v for v in _list(a.get("enum")) if v not in _list(b.get("enum"))]
        if gone and b.get("enum") is not None:
            yield "breaking", f"enum value {gone[0]!r} of `{where}` removed"
        props_a, props_b = _object(a.get("properties")), _object(b.get("properties"))
        required_a, required_b = set(_list(a.get("required"))), set(_list(b.get("required")))
        side = "request" if request else "response"
        for name in sorted(set(props_a) - set(props_b)):
            level = "additive" if request else "breaking"
            yield level, f"{side} property `{path_to_selector((*path, name))}` removed"
        for name in sorted(set(props_b) - set(props_a)):
            required = request and name in required_b
            yield (
                ("breaking" if required else "additive"),
                (
                    f"{side} property `{path_to_selector((*path, name))}` added"
                    + (" as required" if required else "")
                ),
            )
        for name in sorted(set(props_a) & set(props_b)):
            if request and name in required_b - required_a:
                yield (
                    "breaking",
                    f"request property `{path_to_selector((*path, name))}` became required",
                )
            yield from self.schema(
                props_a[name], props_b[name], (*path, name), request=request, seen=seen
            )
        if "items" in a and "items" in b:
            yield from self.schema(a["items"], b["items"], (*path, 0), request=request, seen=seen)

    def operation(
        self, old: Mapping[str, object], new: Mapping[str, object]
    ) -> Iterator[tuple[str, str]]:
        """``old`` and ``new`` as ``_operations`` gives them."""
        params_a = {
            (p.get("in"), p.get("name")): p for p in map(self.old, _list(old["parameters"]))
        }
        params_b = {
            (p.get("in"), p.get("name")): p for p in map(self.new, _list(new["parameters"]))
        }
        for where, name in sorted(set(params_b) - set(params_a), key=str):
            required = bool(params_b[(where, name)].get("required"))
            yield (
                ("breaking" if required else "additive"),
                (f"{'required ' if required else ''}parameter `{name}` ({where}) added"),
            )
        for where, name in sorted(set(params_a) - set(params_b), key=str):
            yield "additive", f"parameter `{name}` ({where}) removed"
        for key in sorted(set(params_a) & set(params_b), key=str):
            a, b = params_a[key], params_b[key]
            if b.get("required") and not a.get("required"):
                yield "breaking", f"parameter `{key[1]}` ({key[0]}) became required"
            for level, what in self.schema(a.get("schema"), b.get("schema"), (), request=True):
                yield level, f"parameter `{key[1]}`: {what}"
        body_a = _json_schema(self.old(old.get("requestBody")))
        body_b = _json_schema(self.new(new.get("requestBody")))
        if body_a is not None and body_b is not None:
            yield from self.schema(body_a, body_b, (), request=True)
        responses_a, responses_b = _object(old.get("responses")), _object(new.get("responses"))
        for status in sorted(set(responses_a) & set(responses_b), key=str):
            schema_a = _json_schema(self.old(responses_a[status]))
            schema_b = _json_schema(self.new(responses_b[status]))
            if schema_a is not None and schema_b is not None:
                for level, what in self.schema(schema_a, schema_b, (), request=False):
                    yield level, f"{what} ({status})"
        for status in sorted(set(responses_b) - set(responses_a), key=str):
            yield "additive", f"response {status} documented"
        for status in sorted(set(responses_a) - set(responses_b), key=str):
            # A success a client relies on is gone (oasdiff's response-success-status-removed);
            # an error no longer documented is not something a client relied on.
            level = "breaking" if str(status).startswith("2") else "additive"
            yield level, f"response {status} no longer documented"


def _json_schema(container: Mapping[str, object]) -> object:
    """The schema of the first JSON media type of ``container``; None if it has none."""
    content = _object(container.get("content"))
    for media, entry in content.items():
        if "json" in media and isinstance(entry, Mapping):
            return entry.get("schema", {})
    return None


def compare(base: Mapping[str, object], head: Mapping[str, object]) -> list[Change]:
    """Classified changes between two OpenAPI documents, in a stable order."""
    compare = _Compare(base, head)
    old, new = _operations(base), _operations(head)
    changes: list[Change] = []
    for label in sorted(set(old) - set(new)):
        changes.append(("breaking", "operation removed from the schema", label))
    for label in sorted(set(new) - set(old)):
        changes.append(("additive", "operation added to the schema", label))
    for label in sorted(set(old) & set(new)):
        found = list(dict.fromkeys(compare.operation(old[label], new[label])))
        changes += [(level, what, label) for level, what in found]
        if not found and old[label] != new[label]:
            changes.append(("additive", "documentation changed", label))
    return changes + _elsewhere(base, head)


#: The keywords whose changes are classified where the operations use them.
_CLASSIFIED = frozenset({"type", "required", "enum", "items", "$ref", *_BOUNDS})


def _classified(path: tuple[str | int, ...]) -> bool:
    """Whether a difference at ``path`` is one the operations' changes already name (a
    type, a bound, a property added or removed), so it is not listed again."""
    return bool(path) and (path[-1] in _CLASSIFIED or path[-2:-1] == ("properties",))


def _elsewhere(base: Mapping[str, object], head: Mapping[str, object]) -> list[Change]:
    """Every value that differs outside ``paths``, one change each."""

    def outside(document: Mapping[str, object]) -> JSON:
        parsed: JSON = json.loads(json.dumps({k: v for k, v in document.items() if k != "paths"}))
        return parsed

    changed, lists = _normalize.split_differences(outside(base), outside(head))
    found = [
        ("additive", f"`{path_to_selector(p, generalise=False)}`: {short(a)} then {short(b)}")
        for p, a, b in changed
        if not _classified(p)
    ]
    found += [
        ("additive", f"`{path_to_selector(p, generalise=False)}`: the same items in another order")
        for p in lists
    ]
    return [(level, what, DOCUMENT) for level, what in found]
