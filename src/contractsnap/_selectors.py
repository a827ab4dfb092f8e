"""Selectors: which operations a setting names (``GET /books/*``, ``tag:books``) and which
response fields (``$.items[*].id``).

Both kinds are checked when the settings are read and matched while testing, so each is
parsed by one function.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
from collections.abc import Iterable, Sequence
from typing import Protocol

from ._openapi import HTTP_METHODS

_SELECTOR_KINDS = ("tag", "id", "method", "path", "scenario")

#: A place in a JSON value: the keys and indexes that lead there.
JsonPath = tuple[str | int, ...]
#: A compiled ``$``-path selector: ``("key", "items"), ("key", "*"), ("desc", "id")``, ...
PathSelector = tuple[tuple[str, str | int], ...]


# -- operations ------------------------------------------------------------------------------


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
        '"tag:NAME", "id:OPERATION_ID", "method:POST", "path:/books/*" or "scenario:NAME"'
    )


def scenario_matches(selector: str, name: str) -> bool:
    """Whether a ``scenario:NAME`` selector (globs allowed) matches a scenario's name."""
    kind, sep, value = selector.partition(":")
    return bool(sep) and kind == "scenario" and fnmatch.fnmatchcase(name, value)


def selector_matches(
    selector: str, *, method: str, path: str, operation_id: str | None, tags: Iterable[str]
) -> bool:
    """Whether an operation selector (see ``validate_selector``) matches an operation."""
    kind, sep, value = selector.partition(":")
    if sep and kind in _SELECTOR_KINDS:
        if kind == "scenario":
            return False
        if kind == "tag":
            return value in tags
        if kind == "id":
            return value == operation_id
        if kind == "method":
            return value.upper() == method
        return fnmatch.fnmatchcase(path, value)
    sel_method, _, sel_path = selector.partition(" ")
    return sel_method.upper() in ("*", method) and fnmatch.fnmatchcase(path, sel_path)


def closest(selector: str, operations: Sequence[tuple[str, str, str | None, Sequence[str]]]) -> str:
    """`` did you mean "GET /books"?`` for a selector that matches none of ``operations``
    (method, path, operationId, tags), or the empty string when nothing is close."""
    kind, sep, value = selector.partition(":")
    if sep and kind in _SELECTOR_KINDS:
        candidates = {
            "tag": {t for _, _, _, tags in operations for t in tags},
            "id": {i for _, _, i, _ in operations if i},
            "method": {m for m, _, _, _ in operations},
            "path": {p for _, p, _, _ in operations},
        }.get(kind, set())
        prefix = f"{kind}:"
    else:
        candidates, prefix, value = {f"{m} {p}" for m, p, _, _ in operations}, "", selector
    hint = difflib.get_close_matches(value, sorted(candidates), n=1, cutoff=0.6)
    return f' did you mean "{prefix}{hint[0]}"?' if hint else ""


class Selection(Protocol):
    """The ``include`` and ``exclude`` selectors of the settings."""

    @property
    def include(self) -> Sequence[str]: ...

    @property
    def exclude(self) -> Sequence[str]: ...


def selected(
    settings: Selection, method: str, path: str, operation_id: str | None, tags: Iterable[str]
) -> bool:
    """Whether ``include``/``exclude`` of the settings keep an operation."""

    def match(selector: str) -> bool:
        return selector_matches(
            selector, method=method, path=path, operation_id=operation_id, tags=tags
        )

    if settings.include and not any(match(s) for s in settings.include):
        return False
    return not any(match(s) for s in settings.exclude)


# -- response fields -------------------------------------------------------------------------

_STEP = re.compile(
    r"""\.\.(?P<desc>[A-Za-z_][\w\-]*|\*)      # ..name  (any depth)
      | \.(?P<name>[A-Za-z_][\w\-]*|\*)        # .name or .*
      | \[(?P<index>\d+|\*)\]                  # [0] or [*]
      | \[(?P<quote>['"])(?P<key>(?:\\.|(?!(?P=quote)).)*)(?P=quote)\]  # ["any key"]
    """,
    re.VERBOSE,
)


def compile_selector(selector: str, *, whole: bool = False) -> PathSelector:
    """Parse ``$.items[*].id``-style selectors; raise ``ValueError`` saying what is wrong.

    ``$`` alone, the whole body, is only a selector where ``whole`` allows it."""
    if not selector.startswith("$"):
        raise ValueError("a selector starts with `$`, the response body")
    steps: list[tuple[str, str | int]] = []
    pos = 1
    while pos < len(selector):
        match = _STEP.match(selector, pos)
        if not match:
            raise ValueError(f"unexpected {selector[pos:]!r} at position {pos}")
        if match["desc"]:
            steps.append(("desc", match["desc"]))
        elif match["name"]:
            steps.append(("key", match["name"]))
        elif match["index"]:
            steps.append(("key", "*") if match["index"] == "*" else ("index", int(match["index"])))
        elif match["quote"] == '"':
            try:
                steps.append(("key", json.loads(f'"{match["key"]}"')))
            except ValueError:
                raise ValueError(f"bad escape in {match.group(0)}") from None
        else:
            steps.append(("key", match["key"]))
        pos = match.end()
    if not steps and not whole:
        raise ValueError("`$` alone would redact the whole body; name a field, e.g. `$.id`")
    return tuple(steps)


def path_matches(steps: Sequence[tuple[str, str | int]], path: JsonPath) -> bool:
    """Whether a compiled selector selects the value at ``path``."""
    if not steps:
        return not path
    kind, value = steps[0]
    if kind == "desc":
        return any(
            (value == "*" or path[i] == value) and path_matches(steps[1:], path[i + 1 :])
            for i in range(len(path))
        )
    if not path:
        return False
    head = path[0]
    ok = (head == value and isinstance(head, int)) if kind == "index" else value in ("*", head)
    return ok and path_matches(steps[1:], path[1:])


def path_to_selector(path: JsonPath, *, generalise: bool = True) -> str:
    """``('items', 3, 'id')`` as ``$.items[*].id`` (or ``[3]`` without ``generalise``)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += "[*]" if generalise else f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][\w\-]*", part):
            out += f".{part}"
        else:
            out += f"[{json.dumps(part)}]"
    return out
