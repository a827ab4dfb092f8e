"""OpenAPI runtime expressions (``$response.body#/id``): checked when the settings and the
schema are read, evaluated against a sent step's request and answer."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from typing import Literal

import httpx

from . import _pointer
from ._canonical import decode_value

#: Where each parameter location is in a stored request.
PARTS: dict[str, Literal["path_parameters", "query", "headers", "cookies"]] = {
    "path": "path_parameters",
    "query": "query",
    "header": "headers",
    "cookie": "cookies",
}
_TEMPLATE = re.compile(r"\{(\$[^{}]+)\}")
#: What follows a header, query or path expression to take a part of its value: the first
#: group of the regular expression that follows (an extension of schemathesis' links).
REGEX = "#regex:"
_SOURCES = re.compile(r"^\$(request|response)\.(header|query|path|body)(?:\.(.*)|#(.*))?$")
_USE = (
    "use $response.body#/json/pointer, $response.header.NAME, $request.path.NAME, "
    "$request.query.NAME, $request.header.NAME, $request.body#/pointer, $statusCode, "
    "$method or $url"
)
#: A header name (RFC 9110 token).
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


class ExpressionError(ValueError):
    """A runtime expression that is malformed, or has no value in an exchange."""


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One sent step: the request as sent (stored form, values filled in) and its answer."""

    request: Mapping[str, object]
    response: httpx.Response


def is_expression(value: object) -> bool:
    """Whether ``value`` is an expression, or a text with ``{$...}`` expressions in it."""
    return isinstance(value, str) and (value.startswith("$") or "{$" in value)


def expressions_in(value: object) -> list[str]:
    """The expressions ``value`` reads: itself, those of a ``{$...}`` text, or none."""
    if not isinstance(value, str) or not is_expression(value):
        return []
    return [value] if value.startswith("$") else _TEMPLATE.findall(value)


def check_expression(expression: str) -> None:
    """Raise ``ExpressionError`` if ``expression`` is not an OpenAPI runtime expression
    (or a string with ``{$...}`` expressions in it) that can have a value."""
    if expression.startswith("$"):
        parse(expression)
        return
    parts = _TEMPLATE.findall(expression)
    if expression.count("{$") != len(parts):
        raise ExpressionError(
            f"{expression!r} has a `{{$` with no matching `}}`; write each expression in the "
            'text as {$...}, such as "Bearer {$response.body#/token}"'
        )
    for part in parts:
        parse(part)


def parse(expression: str) -> tuple[str, str, str, str]:
    """``(side, where, name, pointer)`` of a runtime expression (all "" for ``$url``,
    ``$method`` and ``$statusCode``); ``ExpressionError`` with a fix if it is malformed."""
    if expression in ("$url", "$method", "$statusCode"):
        return "", "", "", ""
    expression, _, pattern = expression.partition(REGEX)
    if pattern:
        _compiled(expression, pattern)
    match = _SOURCES.match(expression)
    if match is None:
        raise ExpressionError(f"{expression!r} is not a runtime expression; {_USE}")
    side, where, name, pointer = match.group(1), match.group(2), match.group(3), match.group(4)
    base = f"${side}.{where}"
    if where == "body":
        if name is not None:
            raise ExpressionError(
                f"{expression!r}: a body is addressed with a JSON pointer, such as "
                f"{base}#/{name.replace('.', '/')}"
            )
        if pointer and not pointer.startswith("/"):
            raise ExpressionError(
                f"{expression!r}: the JSON pointer after `#` must start with `/`, such as "
                f"{base}#/{pointer}"
            )
        if re.search(r"~(?![01])", pointer or ""):
            raise ExpressionError(
                f"{expression!r}: in a JSON pointer `~` is written ~0 and `/` is written ~1"
            )
        return side, where, "", pointer or ""
    if side == "response" and where != "header":
        raise ExpressionError(
            f"{expression!r}: a response has no {where} parameters; read the request's "
            f"($request.{where}.NAME) or the response's body or headers"
        )
    if pointer is not None or not name:
        raise ExpressionError(f"{expression!r} names no {where} parameter; use {base}.NAME")
    if where == "header" and not _TOKEN.match(name):
        raise ExpressionError(f"{expression!r}: {name!r} is not a header name")
    return side, where, name, ""


def evaluate(expression: str, exchange: Exchange) -> object:
    """The value of a runtime expression (or a ``{$...}`` template) in ``exchange``."""
    if not expression.startswith("$"):
        check_expression(expression)
        return _TEMPLATE.sub(lambda m: text(evaluate(m.group(1), exchange)), expression)
    side, where, name, pointer = parse(expression)
    if expression == "$url":
        return str(exchange.response.request.url)
    if expression == "$method":
        return exchange.request["method"]
    if expression == "$statusCode":
        return exchange.response.status_code
    if side == "response":
        value = _from_response(where, name, pointer, exchange.response)
    else:
        value = from_request(where, name, pointer, exchange.request)
    base, _, pattern = expression.partition(REGEX)
    if not pattern:
        return value
    found = _compiled(base, pattern).search(text(value))
    if found is None:
        raise ExpressionError(f"{text(value)!r} does not match the regular expression {pattern}")
    return found.group(1) if found.re.groups else found.group(0)


def _compiled(expression: str, pattern: str) -> re.Pattern[str]:
    if expression.startswith(("$response.body", "$request.body")):
        raise ExpressionError(
            f"{expression}{REGEX}{pattern}: `{REGEX}` follows a header, query or path "
            "expression; point into the body with a JSON pointer instead"
        )
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ExpressionError(
            f"{expression}{REGEX}{pattern}: not a regular expression ({exc})"
        ) from None


def fill(value: object, value_of: Callable[[str], object]) -> object:
    """``value`` with its expressions replaced by what ``value_of`` gives for each (a
    ``{$...}`` text gets them as text); a constant as it is."""
    if not isinstance(value, str) or not is_expression(value):
        return value
    if value.startswith("$"):
        return value_of(value)
    return _TEMPLATE.sub(lambda m: text(value_of(m.group(1))), value)


def _from_response(where: str, name: str, pointer: str, response: httpx.Response) -> object:
    if where == "header":
        if name not in response.headers:
            raise ExpressionError(f"the response has no {name} header")
        return response.headers[name]
    if not response.content:
        raise ExpressionError(f"the response ({response.status_code}) has no body")
    try:
        body = json.loads(response.content)
    except ValueError:
        kind = response.headers.get("content-type", "no content-type")
        raise ExpressionError(f"the response body is not JSON ({kind})") from None
    return _at(body, pointer, "the response body")


def from_request(where: str, name: str, pointer: str, request: Mapping[str, object]) -> object:
    """A value of a stored request: its body (at ``pointer``) or a parameter by location."""
    if where == "body":
        if "body" not in request:
            raise ExpressionError("the request has no body")
        return _at(decode_value(request["body"]), pointer, "the request body")
    part = decode_value(request.get(PARTS[where], {}))
    found: Mapping[str, object] = part if isinstance(part, Mapping) else {}
    key = name
    if where == "header":  # header names are case-insensitive
        found = {str(k).lower(): v for k, v in found.items()}
        key = name.lower()
    if key not in found:
        raise ExpressionError(f"the request has no {where} parameter {name!r}")
    return found[key]


def text(value: object) -> str:
    """A value as it is written into a ``{$...}`` template or a path."""
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise ExpressionError("a binary value cannot be written into text") from None
    return json.dumps(value, separators=(",", ":"), default=text)


def _at(document: object, pointer: str, what: str) -> object:
    """RFC 6901: the value ``pointer`` names in ``document``; ``ExpressionError`` if none."""
    try:
        return _pointer.get(document, pointer)
    except _pointer.PointerError:
        raise ExpressionError(f"{what} has nothing at {pointer}") from None
