"""Scenarios: multi-step workflows with values carried from one step's answer to the next.

A scenario comes from the schema's OpenAPI links (an operation's response declares links:
the scenario sends the operation, then every linked operation, reads first, then writes,
deletes last, each with the parameters its link computes from the first step's exchange),
from a ``[[tool.contractsnap.scenarios]]`` table naming the steps and their
``parameters``, or from what the schema implies (``_inference``: a create, then what
reads, updates and deletes what it created), for the operations the first two leave out.

A carried value is written into a step's stored request as a correlated placeholder
(``"<carried:1>"``); the file's ``carried`` table says which expression of which step it
came from and what it was. Everything else of a request is frozen like a single case, and
replayed as stored; the carried values are computed again from the live answers, so a
create that answers the same but hands out an id the read cannot find is caught.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
from collections.abc import Callable, Mapping, Sequence

from . import _inference, _openapi, _pointer
from ._canonical import decode_value, digest, encode_value
from ._documents import Request
from ._errors import a_kind
from ._expressions import (
    PARTS,
    ExpressionError,
    check_expression,
    expressions_in,
    fill,
    from_request,
    is_expression,
    parse,
    text,
)
from ._naming import file_stem
from ._schema import ApiSchema, Operation
from ._selectors import scenario_matches
from ._snapshot import SCENARIO_DIR

#: The sub-directory of the snapshot directory that holds the scenario files.
DIRECTORY = SCENARIO_DIR
_LOCATIONS = ("path", "query", "header", "cookie")
#: How the name of an inferred scenario ends (it starts with its first step).
INFERRED = " (inferred)"
#: The order linked steps are sent in: reads, then writes, then deletes.
_METHOD_ORDER = {"GET": 0, "HEAD": 0, "OPTIONS": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 4}


@dataclasses.dataclass(frozen=True)
class Binding:
    """A value a step sends: where it goes (``path.book_id``, ``body``, ``body#/a``) and
    the expression (or constant) that gives it."""

    target: tuple[str, str]
    value: object

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
    #: The operation; None when the schema has no such operation (the scenario's ``error``
    #: says so, and it never runs).
    operation: Operation | None
    #: The link that leads here, for scenarios built from links.
    link: str | None
    #: The 1-based step whose request and response the expressions read (0: none).
    source: int
    bindings: tuple[Binding, ...]
    #: The status the first step must answer for the scenario to go on (recording picks
    #: the first generated case that gets it): the link's status, or any 2xx when None.
    status: int | None = None

    @property
    def resolved(self) -> Operation:
        """The operation of a step of a scenario that runs (one without an ``error``)."""
        assert self.operation is not None, f"{self.label} is not in the schema"
        return self.operation

    def definition(self) -> dict[str, object]:
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
    origin: str  # "links", "config" or "inferred"
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
        count = 0
        for step in self.steps:
            for binding in step.bindings:
                for expression in expressions_in(binding.value):
                    key = (step.source, expression)
                    if key in found:
                        continue
                    carried = self._sent_carried(step.source, expression)
                    if carried is not None and carried in found:
                        found[key] = found[carried]  # it sent a carried value: the same one
                    else:
                        count += 1
                        found[key] = f"<carried:{count}>"
        return found

    def _sent_carried(self, source: int, expression: str) -> tuple[int, str] | None:
        """For ``$request.path.id`` of a step that sent a carried ``id``: where it came from."""
        try:
            side, where, name, _ = parse(expression)
        except ExpressionError:
            return None
        if source < 1 or side != "request" or not name:
            return None
        sender = self.steps[source - 1]
        for binding in sender.bindings:
            kind, target = binding.target
            same = target.lower() == name.lower() if kind == "header" else target == name
            value = binding.value
            if kind == where and same and isinstance(value, str) and value.startswith("$"):
                return sender.source, value
        return None


def fingerprint(definition: Mapping[str, object], operations: Sequence[Operation | None]) -> str:
    """A scenario goes stale when its steps or any of their operations change."""
    data = {
        "scenario": definition,
        "operations": [None if op is None else op.fingerprint for op in operations],
    }
    return digest(data)[:16]


# -- applying bindings ----------------------------------------------------------------------


def masked(step: Step, request: Request, placeholders: Mapping[tuple[int, str], str]) -> Request:
    """The stored form of a step's request: each carried value is its placeholder."""
    shown = {
        b.target: fill(b.value, lambda e: placeholders[(step.source, e)]) for b in step.bindings
    }
    return _apply(step, request, shown)


def concrete(step: Step, request: Request, value_of: Callable[[str], object]) -> Request:
    """The request to send: each binding's value computed (``value_of`` evaluates one
    expression against the source step, raising ``ExpressionError``)."""
    return _apply(step, request, {b.target: fill(b.value, value_of) for b in step.bindings})


def sent(step: Step, request: Request) -> list[tuple[str, str, object]]:
    """What a step's bindings put in the parameters of its concrete request:
    ``(location, name, value)`` (its body aside)."""
    return [
        (kind, name, from_request(kind, name, "", request))
        for kind, name in (b.target for b in step.bindings)
        if kind != "body"
    ]


def _apply(step: Step, request: Request, values: Mapping[tuple[str, str], object]) -> Request:
    out: Request = json.loads(json.dumps(request))  # a deep copy, JSON values only
    for (kind, name), value in values.items():
        if kind == "body":
            body = _set_pointer(decode_value(out.get("body")), name, value) if name else value
            out["body"] = encode_value(body)
            continue
        part = out.setdefault(PARTS[kind], {})
        if kind == "header":  # one header, whatever the case it was generated with
            for other in [k for k in part if k.lower() == name.lower()]:
                del part[other]
        part[name] = encode_value(value)
    if any(kind == "path" for kind, _ in values):
        out["path"] = _format_path(step.resolved.path, out["path_parameters"])
    return out


def _set_pointer(document: object, pointer: str, value: object) -> object:
    try:
        return _pointer.put(document, pointer, value)
    except _pointer.PointerError as exc:
        raise ExpressionError(
            f"body pointer {pointer} does not fit the request body: {exc.reached or 'the body'} "
            f"is {a_kind(exc.node)} with no {exc.token!r}; set the whole body, or point into "
            "its objects"
        ) from None


def _format_path(template: str, params: Mapping[str, object]) -> str:
    return re.sub(
        r"\{([^{}]+)\}",
        lambda m: text(params[m.group(1)]) if m.group(1) in params else m.group(0),
        template,
    )


# -- building scenarios ---------------------------------------------------------------------


def parse_target(key: str, parameters: Mapping[str, set[str]], where: str) -> tuple[str, str]:
    """Where a binding goes: ``path.id``, ``query.q``, ``header.X``, ``cookie.c``, ``body``,
    ``body#/pointer``, or a bare parameter name the operation has in one place only.

    A path parameter must be one the operation declares (a request cannot carry another);
    a query parameter, header or cookie named with its location may be undeclared."""
    if key == "body":
        return "body", ""
    if key.startswith("body#/"):
        return "body", key[len("body#") :]
    if key.startswith(("body#", "body.")):
        raise ValueError(
            f"{where}: {key!r} addresses the body with a JSON pointer starting with `/`, "
            f"such as body#/{key[5:].lstrip('/').replace('.', '/')}"
        )
    kind, sep, name = key.partition(".")
    known = sorted(f"{kind}.{name}" for kind in _LOCATIONS for name in parameters.get(kind, ()))
    if sep and kind in _LOCATIONS and name:
        if kind != "path" or name in parameters.get("path", set()):
            return kind, name
        raise ValueError(
            f"{where}: the operation has no path parameter {name!r}; "
            + _hint(name, sorted(parameters.get("path", ())), known)
        )
    places = [
        (kind, found)
        for kind in _LOCATIONS
        for found in sorted(parameters.get(kind, ()))
        if found == key or (kind == "header" and found.lower() == key.lower())
    ]
    if len(places) == 1:
        return places[0]
    if places:
        raise ValueError(
            f"{where}: parameter {key!r} is in {' and '.join(k for k, _ in places)}; qualify it "
            "as " + " or ".join(f"{k}.{n}" for k, n in places)
        )
    names = [k.partition(".")[2] for k in known]
    fix = _hint(key, names, known)
    raise ValueError(f"{where}: the operation has no parameter {key!r}; {fix}")


def _hint(name: str, candidates: Sequence[str], known: Sequence[str]) -> str:
    hint = difflib.get_close_matches(name, candidates, n=1)
    if hint:
        return f"did you mean {hint[0]!r}?"
    return f"its parameters are {', '.join(known)}" if known else "it has no parameters"


def scenario_stem(name: str, origin: str) -> str:
    """The file stem of a scenario: link scenarios are named after their first step."""
    if origin == "links":
        method, _, rest = name.partition(" ")
        path, _, status = rest.rpartition(" ")
        return f"{file_stem(method, path)}_{re.sub(r'[^A-Za-z0-9]', '-', status)}"
    if origin == "inferred":
        method, _, path = name.removesuffix(INFERRED).partition(" ")
        return f"{file_stem(method, path)}_inferred"
    return name


def build(
    schema: ApiSchema, memo: _inference.Memo | None = None
) -> tuple[list[Scenario], set[str]]:
    """The scenarios of ``schema`` whose operations are all selected,
    and the file stems of every scenario it defines (a file with another stem is an orphan).
    ``memo`` keeps the links inferred from the document between runs.
    """
    scenarios: list[Scenario] = []
    stems: dict[str, str] = {}
    found = [*(_from_links(schema) if schema.settings.links else []), *_from_config(schema)]
    if schema.settings.infer_scenarios:
        found += _inferred(schema, found, memo)
    for defined in found:
        scenario = defined
        if scenario.file_stem in stems:
            scenario = dataclasses.replace(
                defined,
                error=f"its file name {defined.file_stem}.json is taken by scenario "
                f"{stems[defined.file_stem]!r}; rename "
                + ("this scenario" if defined.origin == "config" else "one of them"),
            )
        stems.setdefault(scenario.file_stem, scenario.name)
        if any(scenario_matches(s, scenario.name) for s in schema.settings.exclude):
            continue
        if all(
            step.label in schema.selected_labels or step.label not in schema.definitions
            for step in scenario.steps
        ):
            scenarios.append(scenario)
    return scenarios, set(stems)


def _from_links(schema: ApiSchema) -> list[Scenario]:
    scenarios = []
    for label, definition in sorted(schema.definitions.items()):  # not the document's order
        responses = definition.get("responses")
        if not isinstance(responses, Mapping):
            continue
        for status, raw in sorted(responses.items(), key=lambda item: str(item[0])):
            response = schema.resolve(raw)
            links = response.get("links") if isinstance(response, Mapping) else None
            if links is None or (isinstance(links, Mapping) and not links):
                continue
            scenarios.append(_link_scenario(schema, label, str(status), links))
    return scenarios


def _link_scenario(schema: ApiSchema, label: str, status: str, links: object) -> Scenario:
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
    by_name: Mapping[str, object] = {}
    if isinstance(links, Mapping):
        by_name = links
    else:
        errors.append(
            f"the `links` of {label} {status} are {a_kind(links)}, not an object of links by "
            "name; fix the response in the schema"
        )
    targets: list[tuple[str, str, Mapping[str, object]]] = []
    for link_name, raw in sorted(by_name.items()):
        where = f"link {link_name!r} of {label} {status}"
        try:
            link, target = _link_target(schema, schema.resolve(raw), where)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        targets.append((str(link_name), target, link))
    # JSON object order carries no meaning (a stored, key-sorted copy of the document must
    # give the same scenario): reads first, then writes, deletes last, by link name within.
    targets.sort(key=lambda t: (_METHOD_ORDER.get(t[1].partition(" ")[0], 3), t[0]))
    for link_name, target, link in targets:
        where = f"link {link_name!r} of {label} {status}"
        try:
            parameters = link.get("parameters", {})
            if not isinstance(parameters, Mapping):
                raise ValueError(f"{where}: `parameters` must be an object")
            pairs: list[tuple[str, object]] = [(str(k), v) for k, v in parameters.items()]
            if "requestBody" in link:
                pairs.append(("body", link["requestBody"]))
            bindings = _bindings(schema, target, pairs, where)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        steps.append(Step(target, schema.operation(target), link_name, 1, bindings))
    return _scenario(name, "links", steps, errors)


def _link_target(schema: ApiSchema, link: object, where: str) -> tuple[Mapping[str, object], str]:
    """The link object and the label of the operation it leads to; ``ValueError`` if none."""
    if not isinstance(link, Mapping):
        raise ValueError(f"{where} is not a link object; fix the link in the schema")
    if "$unresolved" in link:
        raise ValueError(f"{where}: its `$ref` {link['$unresolved']!r} points nowhere")
    operation_id = link.get("operationId")
    if isinstance(operation_id, str):
        same = sorted(schema.by_id.get(operation_id, ()))
        if len(same) > 1:
            raise ValueError(
                f"{where} names operationId {operation_id!r}, which {', '.join(same)} "
                "share; give each operation its own operationId"
            )
        if not same:
            hint = difflib.get_close_matches(operation_id, sorted(schema.by_id), n=1)
            fix = f"did you mean {hint[0]!r}?" if hint else "fix the link in the schema"
            raise ValueError(
                f"{where} names operationId {operation_id!r}, which no operation has; {fix}"
            )
        return link, str(same[0])
    ref = link.get("operationRef")
    if isinstance(ref, str):
        target = _openapi.operation_ref(ref)
        if target is None:
            raise ValueError(
                f"{where}: operationRef {ref!r} points into another document; use operationId"
            )
        method, path = target
        label = f"{method.upper()} {path}"
        if label not in schema.definitions or method != method.lower():
            hint = difflib.get_close_matches(label, sorted(schema.definitions), n=1)
            fix = f"did you mean {hint[0]!r}?" if hint else "fix the link in the schema"
            raise ValueError(
                f"{where}: operationRef {ref!r} names no operation of the schema; {fix}"
            )
        return link, label
    raise ValueError(
        f"{where} has neither operationId nor operationRef; name the operation it leads to"
    )


def _bindings(
    schema: ApiSchema, label: str, pairs: Sequence[tuple[str, object]], where: str
) -> tuple[Binding, ...]:
    bindings: dict[tuple[str, str], Binding] = {}
    keys: dict[tuple[str, str], str] = {}
    for key, value in sorted(pairs, key=lambda pair: pair[0]):  # not in the document's order
        if isinstance(value, str) and is_expression(value):
            try:
                check_expression(value)
            except ExpressionError as exc:
                raise ValueError(f"{where}: {key} = {exc}") from None
        target = parse_target(key, schema.parameters_of(label), f"{where} ({label})")
        if target in bindings:
            raise ValueError(
                f"{where} ({label}): {keys[target]!r} and {key!r} both set "
                f"{bindings[target].key}; keep one"
            )
        bindings[target], keys[target] = Binding(target, value), key
    return tuple(bindings.values())


def _from_config(schema: ApiSchema) -> list[Scenario]:
    scenarios = []
    for config in schema.settings.scenarios:
        steps, errors = [], []
        for number, step_config in enumerate(config.steps, 1):
            label = step_config.operation
            where = f"step {number}"  # the error follows the scenario's label
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


def _inferred(
    schema: ApiSchema, declared: Sequence[Scenario], memo: _inference.Memo | None
) -> list[Scenario]:
    """A scenario for each tree of producers and consumers the schema implies, leaving out
    the operations a declared link or a configured scenario already reaches."""
    reached = {step.label for scenario in declared for step in scenario.steps[1:]}
    scenarios = []
    for tree in _inference.trees(_inference.links(schema.document, memo), reached):
        steps = []
        for number, inferred in enumerate(tree.steps, 1):
            where = f"step {number} of the inferred scenario from {tree.producer}"
            try:
                bindings = _bindings(schema, inferred.label, inferred.parameters, where)
            except ValueError:
                break  # a link schemathesis inferred that does not fit: the steps before it
            steps.append(
                Step(
                    inferred.label,
                    schema.operation(inferred.label),
                    None,
                    inferred.source,
                    bindings,
                    inferred.status,
                )
            )
        if len(steps) > 1 and all(step.operation is not None for step in steps):
            scenarios.append(_scenario(tree.producer + INFERRED, "inferred", steps, []))
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
