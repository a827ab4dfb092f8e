"""What an OpenAPI document lists: its operations, one walk over paths and methods, and the
names its security schemes give credentials."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator, Mapping

from . import _pointer

#: The keys of a path item that are operations.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def path_item(document: Mapping[str, object], raw: object) -> Mapping[str, object] | None:
    """A path item object: ``raw`` itself, or, for a ``$ref``, what it points at with the
    other fields of ``raw`` on top (nothing where it points nowhere); None if not an object."""
    if not isinstance(raw, Mapping):
        return None
    ref = _pointer.reference(raw)
    if ref is None:
        return raw
    try:
        target = _pointer.resolve(document, ref)
    except _pointer.PointerError:
        target = {}
    return {
        **(target if isinstance(target, Mapping) else {}),
        **{k: v for k, v in raw.items() if k != "$ref"},
    }


def operation_ref(ref: str) -> tuple[str, str] | None:
    """``(method, path)`` of an ``operationRef`` into the same document
    (``#/paths/~1a~1{b}/get``: ``("get", "/a/{b}")``), the method as written; None for a
    reference into another document."""
    if not ref.startswith("#/paths/"):
        return None
    # A JSON pointer in a URI fragment may be percent-encoded (RFC 6901, section 6).
    pointer, _, method = urllib.parse.unquote(ref).removeprefix("#/paths/").rpartition("/")
    return method, _pointer.unescape(pointer)


def operations(
    document: Mapping[str, object],
) -> Iterator[tuple[str, str, Mapping[str, object], Mapping[str, object]]]:
    """Every operation of the document, in document order: ``(path, method, operation
    object, path item)``, the method in lower case as the document spells it.

    Path items and operations that are not objects are skipped.
    """
    paths = document.get("paths")
    for path, raw in paths.items() if isinstance(paths, Mapping) else ():
        item = path_item(document, raw)
        if item is None:
            continue
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, Mapping):
                yield str(path), method, operation, item


def security_parameters(document: Mapping[str, object]) -> dict[str, set[str]]:
    """Names of the headers, query parameters and cookies that carry credentials.

    Authorization, Cookie and Set-Cookie always count; the schema's security schemes add
    the API-key names they declare.
    """
    names: dict[str, set[str]] = {
        "header": {"authorization", "cookie", "set-cookie", "proxy-authorization"},
        "query": set(),
        "cookie": set(),
    }
    components = _object(document.get("components"))
    schemes = _object(components.get("securitySchemes"))
    schemes = {**_object(document.get("securityDefinitions")), **schemes}  # Swagger 2.0 spelling
    for scheme in schemes.values():
        if isinstance(scheme, Mapping) and scheme.get("type") == "apiKey":
            where, name = scheme.get("in"), scheme.get("name")
            if isinstance(where, str) and where in names and isinstance(name, str):
                names[where].add(name.lower() if where == "header" else name)
    return names


def _object(value: object) -> Mapping[str, object]:
    """``value`` if it is an object (a missing one is empty)."""
    return value if isinstance(value, Mapping) else {}
