"""JSON pointers (RFC 6901) and local ``$ref``s: the one walk through a JSON document.

Runtime expressions read a body with a pointer, bindings write one with a pointer, and an
OpenAPI document is read through its ``$ref``s; each of them walks here, the same way.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping

#: How a reference into the same document starts.
LOCAL = "#/"


class PointerError(LookupError):
    """A pointer or reference that names nothing.

    ``node`` is where the walk stopped, after following ``index`` tokens of ``pointer``.
    """

    def __init__(self, pointer: str, index: int = 0, node: object = None) -> None:
        super().__init__(f"nothing at {pointer!r}")
        self.pointer = pointer
        self.index = index
        self.node = node

    @property
    def token(self) -> str:
        """The token the walk could not take, unescaped."""
        return tokens(self.pointer)[self.index]

    @property
    def reached(self) -> str:
        """The pointer (as written) of the node the walk stopped at; "" for the document."""
        followed = self.pointer.split("/")[1 : self.index + 1]
        return "/" + "/".join(followed) if followed else ""


def unescape(token: str) -> str:
    """A reference token as the key it names: ``~1`` is ``/`` and ``~0`` is ``~``."""
    return token.replace("~1", "/").replace("~0", "~")


def tokens(pointer: str) -> list[str]:
    """The keys and indexes a pointer names, in order ("" names the whole document)."""
    return [unescape(raw) for raw in pointer.split("/")[1:]]


_ABSENT = object()


def _child(node: object, token: str) -> object:
    if isinstance(node, list) and token.isdecimal() and int(token) < len(node):
        return node[int(token)]
    if isinstance(node, Mapping) and token in node:
        return node[token]
    return _ABSENT


def get(document: object, pointer: str) -> object:
    """The value ``pointer`` names in ``document``; ``PointerError`` if it names none.

    A ``*`` token in an array names its first item (the wildcard of inferred links, such as
    ``/*/id`` of a list: always the same item, so the same value on every run)."""
    node = document
    for index, token in enumerate(tokens(pointer)):
        star = token == "*" and isinstance(node, list)
        found = _child(node, "0" if star else token)
        if found is _ABSENT:
            raise PointerError(pointer, index, node)
        node = found
    return node


def put(document: object, pointer: str, value: object) -> object:
    """``document`` with ``value`` written at ``pointer``, in place (``None`` is an empty
    object); objects missing on the way are created. ``PointerError`` where the way leads
    through a value that is neither an object nor an array with that index."""
    parts = tokens(pointer)
    root: object = {} if document is None else document
    node = root
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, list) and part.isdecimal() and int(part) < len(node):
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise PointerError(pointer, index, node)
    return root


def resolve(document: object, ref: str, *, decode: bool = False) -> object:
    """What a local ``$ref`` (``#/components/schemas/Book``) points at in ``document``.

    ``decode`` percent-decodes the pointer first, as a URI fragment may be written
    (RFC 6901, section 6). ``PointerError`` for a reference that leads nowhere, or out of
    the document.
    """
    if not ref.startswith(LOCAL):
        raise PointerError(ref)
    pointer = ref[1:]
    return get(document, urllib.parse.unquote(pointer) if decode else pointer)


def reference(node: object) -> str | None:
    """The ``$ref`` of a reference object, or None for any other value."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            return ref
    return None


def follow(document: object, node: object) -> object:
    """``node``, or what its local ``$ref`` leads to, through references to references.

    ``PointerError`` for a reference that leads nowhere, out of the document, or round in
    a circle.
    """
    seen: set[str] = set()
    ref = reference(node)
    while ref is not None:
        if ref in seen:
            raise PointerError(ref)
        seen.add(ref)
        node = resolve(document, ref)
        ref = reference(node)
    return node
