"""Scenarios: multi-step workflows with values carried from one step's answer to the next.

A scenario comes from the schema's OpenAPI links (an operation's response declares links:
the scenario sends the operation, then every linked operation in the order the links are
declared, each with the parameters its link computes from the first step), or from a
``[[tool.contractsnap.scenarios]]`` table naming the steps and their ``parameters``.

A carried value is written into a step's stored request as a correlated placeholder
(``"<carried:1>"``); the file's ``carried`` table says which expression of which step it
came from and what it was. Everything else of a request is frozen like a single case, and
replayed as stored; the carried values are computed again from the live answers, so a
create that answers the same but hands out an id the read cannot find is caught.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from ._cases import decode_value, encode_value
from ._naming import file_stem
from ._schema import scenario_matches

#: The sub-directory of the snapshot directory that holds the scenario files.
DIRECTORY = "scenarios"
_LOCATIONS = ("path", "query", "header", "cookie")
_TEMPLATE = re.compile(r"\{(\$[^{}]+)\}")
_SOURCES = re.compile(r"^\$(request|response)\.(header|query|path|body)(?:\.(.+)|#(/.*))?$")
#: The order linked steps are sent in: reads, then writes, then deletes.
_METHOD_ORDER = {"GET": 0, "HEAD": 0, "OPTIONS": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 4}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$")


class ExpressionError(ValueError):
    """A runtime expression that is malformed, or has no value in an exchange."""


@dataclasses.dataclass(frozen=True)
class Exchange:
    """One sent step: the request as sent (stored form, values filled in) and its answer."""

    request: Mapping[str, Any]
    response: httpx.Response


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith("$") or "{$" in value)


def check_expression(expression: str) -> None:
    """Raise ``ExpressionError`` if ``expression`` is not an OpenAPI runtime expression."""
    parts = _TEMPLATE.findall(expression) if not expression.startswith("$") else [expression]
    for part in parts:
        if part in ("$url", "$method", "$statusCode"):
            continue
        match = _SOURCES.match(part)
        if match is None or (match.group(2) != "body" and not match.group(3)):
            raise ExpressionError(
                f"{part!r} is not a runtime expression; use $response.body#/json/pointer, "
                "$response.header.NAME, $request.path.NAME, $request.query.NAME, "
                "$request.header.NAME, $request.body#/pointer, $statusCode, $method or $url"
            )
        if match.group(2) == "body" and match.group(3):
            raise ExpressionError(f"{part!r}: a body is addressed with a JSON pointer: body#/id")


def evaluate(expression: str, exchange: Exchange) -> Any:
    """The value of a runtime expression (or a ``{$...}`` template) in ``exchange``."""
    if not expression.startswith("$"):
        return _TEMPLATE.sub(lambda m: _text(evaluate(m.group(1), exchange)), expression)
    check_expression(expression)
    if expression == "$url":
        return str(exchange.response.request.url)
    if expression == "$method":
        return exchange.request["method"]
    if expression == "$statusCode":
        return exchange.response.status_code
    match = _SOURCES.match(expression)
    assert match is not None
    side, where, name, pointer = match.groups()
    if side == "response":
        if where == "header":
            value = exchange.response.headers.get(name)
        elif where == "body":
            try:
                value = _pointer(exchange.response.json(), pointer or "")
            except ValueError:
                raise ExpressionError("the response body is not JSON") from None
        else:
            raise ExpressionError(f"a response has no {where} parameters")
    else:
        request = exchange.request
        if where == "body":
            value = _pointer(_decoded(request.get("body")), pointer or "")
        else:
            part = {"path": "path_parameters", "query": "query", "header": "headers"}
            found = request.get(part.get(where, where), {})
            if where == "header":
                found = {k.lower(): v for k, v in found.items()}
                name = name.lower()
            value = found.get(name)
    if value is None:
        raise ExpressionError("it has no value there")
    return value


def _decoded(value: Any) -> Any:
    return decode_value(value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _pointer(document: Any, pointer: str) -> Any:
    """RFC 6901: the value ``pointer`` names in ``document`` (None if it names nothing)."""
    if pointer and not pointer.startswith("/"):
        raise ExpressionError(f"JSON pointer {pointer!r} must start with /")
    node = document
    for raw in pointer.split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdecimal() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return None
    return node


@dataclasses.dataclass(frozen=True)
class Binding:
    """A value a step sends: where it goes (``path.book_id``, ``body``, ``body#/a``) and
    the expression (or constant) that gives it."""

    target: tuple[str, str]
    value: Any

    @property
    def key(self) -> str:
        kind, name = self.target
        if kind == "body":
            return f"body#{name}" if name else "body"
        return f"{kind}.{name}"


@dataclasses.dataclass(frozen=True)
class Step:
    """One request of a scenario."""

    label: str
    #: The operation (a ``_schema.Operation``); None when the schema has no such operation.
    operation: Any
    #: The link that leads here, for scenarios built from links.
    link: str | None
    #: The 1-based step whose request and response the expressions read (0: none).
    source: int
    bindings: tuple[Binding, ...]
    #: The status the first step must answer for the scenario to go on (recording picks
    #: the first generated case that gets it): the link's status, or any 2xx when None.
    status: int | None = None

    def definition(self) -> dict[str, Any]:
        return {
            "operation": self.label,
            "link": self.link,
            "from": self.source,
            "bindings": {b.key: b.value for b in self.bindings},
            "status": self.status,
        }


@dataclasses.dataclass(frozen=True)
class Scenario:
    """A sequence of steps, recorded in one file and replayed as one test."""

    name: str
    origin: str  # "links" or "config"
    steps: tuple[Step, ...]
    fingerprint: str
    file_stem: str
    #: Why the scenario cannot run (a link to an unknown operation, say).
    error: str | None = None

    @property
    def label(self) -> str:
        return f"scenario {self.name}"

    def placeholders(self) -> dict[tuple[int, str], str]:
        """The placeholder of each carried expression, by (source step, expression),
        numbered in the order the steps use them: the same value is always the same name."""
        found: dict[tuple[int, str], str] = {}
        for step in self.steps:
            for binding in step.bindings:
                for expression in _expressions(binding.value):
                    key = (step.source, expression)
                    if key not in found:
                        found[key] = f"<carried:{len(found) + 1}>"
        return found


def _expressions(value: Any) -> list[str]:
    if not is_expression(value):
        return []
    return [value] if value.startswith("$") else _TEMPLATE.findall(value)


def fingerprint(definition: Mapping[str, Any], operations: Sequence[Any]) -> str:
    """A scenario goes stale when its steps or any of their operations change."""
    data = {
        "scenario": definition,
        "operations": [getattr(op, "fingerprint", None) for op in operations],
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- applying bindings ----------------------------------------------------------------------


def masked(
    step: Step, request: Mapping[str, Any], placeholders: Mapping[tuple[int, str], str]
) -> dict[str, Any]:
    """The stored form of a step's request: each carried value is its placeholder."""
    shown = {
        b.target: _fill(b.value, lambda e: placeholders[(step.source, e)]) for b in step.bindings
    }
    return _apply(step, request, shown)


def concrete(
    step: Step, request: Mapping[str, Any], value_of: Callable[[str], Any]
) -> dict[str, Any]:
    """The request to send: each binding's value computed (``value_of`` evaluates one
    expression against the source step, raising ``ExpressionError``)."""
    return _apply(step, request, {b.target: _fill(b.value, value_of) for b in step.bindings})


def _fill(value: Any, value_of: Callable[[str], Any]) -> Any:
    if not is_expression(value):
        return value
    if value.startswith("$"):
        return value_of(value)
    return _TEMPLATE.sub(lambda m: _text(value_of(m.group(1))), value)


_PARTS = {"path": "path_parameters", "query": "query", "header": "headers", "cookie": "cookies"}


def _apply(
    step: Step, request: Mapping[str, Any], values: Mapping[tuple[str, str], Any]
) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(request))  # a deep copy, JSON values only
    for (kind, name), value in values.items():
        encoded = encode_value(value)
        if kind == "body":
            if not name:
                out["body"] = encoded
                continue
            out["body"] = _set_pointer(out.get("body"), name, encoded)
        else:
            out.setdefault(_PARTS[kind], {})[name] = encoded
    if any(kind == "path" for kind, _ in values):
        out["path"] = _format_path(step.operation.path, out["path_parameters"])
    return out


def _set_pointer(document: Any, pointer: str, value: Any) -> Any:
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
    root = document if isinstance(document, (dict, list)) else {}
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
            raise ExpressionError(f"body pointer {pointer!r} does not fit the request body")
    return root


def _format_path(template: str, params: Mapping[str, Any]) -> str:
    return re.sub(
        r"\{([^{}]+)\}",
        lambda m: _text(params[m.group(1)]) if m.group(1) in params else m.group(0),
        template,
    )


# -- building scenarios ---------------------------------------------------------------------


def parse_target(key: str, parameters: Mapping[str, set[str]], where: str) -> tuple[str, str]:
    """Where a binding goes: ``path.id``, ``query.q``, ``header.X``, ``cookie.c``, ``body``,
    ``body#/pointer``, or a bare parameter name the operation has in one place only."""
    if key == "body":
        return "body", ""
    if key.startswith("body#/"):
        return "body", key[len("body#") :]
    kind, sep, name = key.partition(".")
    if sep and kind in _LOCATIONS and name:
        return kind, name
    places = [kind for kind in _LOCATIONS if key in parameters.get(kind, set())]
    if len(places) == 1:
        return places[0], key
    if places:
        raise ValueError(
            f"{where}: parameter {key!r} is in {' and '.join(places)}; qualify it as "
            + " or ".join(f"{p}.{key}" for p in places)
        )
    known = sorted(f"{kind}.{name}" for kind in _LOCATIONS for name in parameters.get(kind, ()))
    hint = difflib.get_close_matches(key, [k.partition(".")[2] for k in known], n=1)
    fix = (
        f"did you mean {hint[0]!r}?"
        if hint
        else (f"its parameters are {', '.join(known)}" if known else "it has no parameters")
    )
    raise ValueError(f"{where}: the operation has no parameter {key!r}; {fix}")


def scenario_stem(name: str, origin: str) -> str:
    """The file stem of a scenario: link scenarios are named after their first step."""
    if origin == "links":
        method, _, rest = name.partition(" ")
        path, _, status = rest.rpartition(" ")
        return f"{file_stem(method, path)}_{re.sub(r'[^A-Za-z0-9]', '-', status)}"
    return name


def valid_name(name: str) -> bool:
    return bool(_NAME.match(name))


@dataclasses.dataclass(frozen=True)
class StepConfig:
    """A step of a ``[[tool.contractsnap.scenarios]]`` table, validated."""

    operation: str
    parameters: tuple[tuple[str, Any], ...] = ()
    source: int | None = None
    status: int | None = None


@dataclasses.dataclass(frozen=True)
class ScenarioConfig:
    name: str
    steps: tuple[StepConfig, ...]


def build(schema: Any) -> tuple[list[Scenario], set[str]]:
    """The scenarios of ``schema`` (an ``ApiSchema``) whose operations are all selected,
    and the file stems of every scenario it defines (a file with another stem is an orphan).
    """
    scenarios: list[Scenario] = []
    stems: set[str] = set()
    found = [*(_from_links(schema) if schema.settings.links else []), *_from_config(schema)]
    for defined in found:
        scenario = defined
        if scenario.file_stem in stems:
            scenario = dataclasses.replace(
                defined,
                error=f"its file name {defined.file_stem}.json is taken by another scenario; "
                "rename the scenario",
            )
        stems.add(scenario.file_stem)
        if any(scenario_matches(s, scenario.name) for s in schema.settings.exclude):
            continue
        if all(
            step.label in schema.selected_labels or step.label not in schema.definitions
            for step in scenario.steps
        ):
            scenarios.append(scenario)
    return scenarios, stems


def _from_links(schema: Any) -> list[Scenario]:
    scenarios = []
    for label, definition in schema.definitions.items():
        responses = definition.get("responses")
        if not isinstance(responses, Mapping):
            continue
        for status, raw in sorted(responses.items(), key=lambda item: str(item[0])):
            response = schema.resolve(raw)
            links = response.get("links") if isinstance(response, Mapping) else None
            if not isinstance(links, Mapping) or not links:
                continue
            scenarios.append(_link_scenario(schema, label, str(status), links))
    return scenarios


def _link_scenario(schema: Any, label: str, status: str, links: Mapping[str, Any]) -> Scenario:
    name = f"{label} {status}"
    first = Step(
        label,
        schema.operation(label),
        link=None,
        source=0,
        bindings=(),
        status=int(status) if status.isdecimal() else None,
    )
    steps, errors = [first], []
    targets: list[tuple[str, str, Any]] = []
    for link_name, raw in links.items():
        link = schema.resolve(raw)
        where = f"link {link_name!r} of {label} {status}"
        try:
            targets.append((str(link_name), _link_target(schema, link, where), link))
        except ValueError as exc:
            errors.append(str(exc))
    # JSON object order carries no meaning (a stored, key-sorted copy of the document must
    # give the same scenario): reads first, then writes, deletes last, by link name within.
    targets.sort(key=lambda t: (_METHOD_ORDER.get(t[1].partition(" ")[0], 3), t[0]))
    for link_name, target, link in targets:
        where = f"link {link_name!r} of {label} {status}"
        try:
            parameters = link.get("parameters", {})
            if not isinstance(parameters, Mapping):
                raise ValueError(f"{where}: `parameters` must be an object")
            pairs = [(str(k), v) for k, v in parameters.items()]
            if "requestBody" in link:
                pairs.append(("body", link["requestBody"]))
            bindings = _bindings(schema, target, pairs, where)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        steps.append(Step(target, schema.operation(target), link_name, 1, bindings))
    return _scenario(name, "links", steps, errors)


def _link_target(schema: Any, link: Any, where: str) -> str:
    if not isinstance(link, Mapping):
        raise ValueError(f"{where} is not a link object")
    if isinstance(link.get("operationId"), str):
        label = schema.by_id.get(link["operationId"])
        if label is None:
            hint = difflib.get_close_matches(link["operationId"], sorted(schema.by_id), n=1)
            fix = f"did you mean {hint[0]!r}?" if hint else "fix the link in the schema"
            raise ValueError(
                f"{where} names operationId {link['operationId']!r}, which no operation has; {fix}"
            )
        return str(label)
    ref = link.get("operationRef")
    if isinstance(ref, str):
        if not ref.startswith("#/paths/"):
            raise ValueError(
                f"{where}: operationRef {ref!r} points into another document; use operationId"
            )
        pointer, _, method = ref.removeprefix("#/paths/").rpartition("/")
        path = pointer.replace("~1", "/").replace("~0", "~")
        label = f"{method.upper()} {path}"
        if label not in schema.definitions:
            raise ValueError(f"{where}: operationRef {ref!r} names no operation of the schema")
        return label
    raise ValueError(f"{where} has neither operationId nor operationRef")


def _bindings(
    schema: Any, label: str, pairs: Sequence[tuple[str, Any]], where: str
) -> tuple[Binding, ...]:
    bindings = []
    for key, value in sorted(pairs, key=lambda pair: pair[0]):  # not in the document's order
        if is_expression(value):
            try:
                check_expression(value)
            except ExpressionError as exc:
                raise ValueError(f"{where}: {key} = {exc}") from None
        target = parse_target(key, schema.parameters_of(label), f"{where} ({label})")
        bindings.append(Binding(target, value))
    return tuple(bindings)


def _from_config(schema: Any) -> list[Scenario]:
    scenarios = []
    for config in schema.settings.scenarios:
        steps, errors = [], []
        for number, step_config in enumerate(config.steps, 1):
            label = step_config.operation
            where = f"scenario {config.name!r}, step {number}"
            source = step_config.source if step_config.source is not None else number - 1
            if label not in schema.definitions:
                hint = difflib.get_close_matches(label, list(schema.definitions), n=1)
                fix = f"did you mean {hint[0]!r}?" if hint else "check the method and path"
                errors.append(f"{where}: the schema has no operation {label!r}; {fix}")
                steps.append(Step(label, None, None, source, ()))
                continue
            try:
                bindings = _bindings(schema, label, step_config.parameters, where)
            except ValueError as exc:
                errors.append(str(exc))
                bindings = ()
            steps.append(
                Step(label, schema.operation(label), None, source, bindings, step_config.status)
            )
        scenarios.append(_scenario(config.name, "config", steps, errors))
    return scenarios


def _scenario(name: str, origin: str, steps: Sequence[Step], errors: Sequence[str]) -> Scenario:
    definition = {"name": name, "origin": origin, "steps": [s.definition() for s in steps]}
    return Scenario(
        name=name,
        origin=origin,
        steps=tuple(steps),
        fingerprint=fingerprint(definition, [s.operation for s in steps]),
        file_stem=scenario_stem(name, origin),
        error="; ".join(errors) or None,
    )
