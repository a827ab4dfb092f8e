"""Inferred scenarios: which operation creates what another one reads, from the schema alone.

The links come from schemathesis' dependency analysis (response schemas, path parameters
and field names: ``POST /authors`` answers an ``id`` that ``GET /authors/{author_id}``
takes), run on a key-sorted copy of the document so that its order never matters, plus one
rule of our own: a create whose answer declares a ``Location`` header leads to the
operations under that location (``POST /tags`` -> ``GET /tags/{tag_id}``).

From the links, one policy builds trees of steps, each sent in one scenario:

- every operation with path parameters gets at most one producer, the first by: a create
  (``POST``) before a list (``GET``); a producer whose path is the longer prefix of its
  own (``/authors/{author_id}/books`` lists what ``POST`` there creates); fewer path
  parameters; then by label;
- a link counts only if it gives every path parameter of the consumer (those the producer
  itself was sent are carried along: ``/authors/{author_id}/books/{book_id}`` gets the
  ``author_id`` its create was sent);
- a producer with path parameters is a step of its own producer's tree, so a tree starts
  at a producer that needs nothing (``POST /authors``) and goes down to the sub-resources;
- a tree's steps are its producer, then its reads, its updates, each sub-resource's tree,
  its deletes last; by label within each kind.

A consumer that a declared link or a configured scenario already reaches gets no inferred
producer: what is declared wins. Everything is ordered by names, never by the document's
order or a set's, so the same schema gives the same scenarios on every run and adding an
operation that reads nothing of a tree leaves the tree as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import schemathesis

from . import _expressions, _openapi, _pointer
from ._expressions import REGEX

#: Which producers are tried first (a create, then a list) and how a tree orders its steps
#: after its producer (reads, updates, sub-resources, other writes, deletes last).
_PRODUCERS = {"POST": 0, "GET": 1}
_STEP_ORDER = {"GET": 0, "HEAD": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 4}
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


@dataclasses.dataclass(frozen=True, order=True)
class Link:
    """``producer`` (answering ``status``) gives ``consumer`` the values of ``parameters``:
    ``(place.name, runtime expression)``, sorted."""

    producer: str
    status: str
    consumer: str
    parameters: tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class InferredStep:
    """A step of an inferred scenario: its operation, the 1-based step whose exchange its
    expressions read (0 for the first), its parameters, and the status it must answer for
    the steps that read it to go on (None: any 2xx)."""

    label: str
    source: int
    parameters: tuple[tuple[str, str], ...]
    status: int | None


@dataclasses.dataclass(frozen=True)
class Tree:
    """The steps of one inferred scenario, from the producer that needs nothing."""

    producer: str
    steps: tuple[InferredStep, ...]


class Memo(Protocol):
    """Where the links of the last documents are kept between runs: pytest's
    ``config.cache`` (``.pytest_cache``). Inferring them is most of what listing the
    scenarios costs, and the document rarely changes from one run to the next."""

    def get(self, key: str, default: object) -> object: ...

    def set(self, key: str, value: object) -> None: ...


#: The memo's key. Its value maps a digest to the links found, for the last few documents
#: (one per suite: a project may have several). The digest covers the document, the
#: version of schemathesis and the code that infers the links (this module and those it
#: reads the document with), so a remembered answer is the one ``links`` would give.
MEMO_KEY = "contractsnap/inferred-links"
_KEPT = 4


def _code_digest() -> str:
    modules = (__name__, _openapi.__name__, _pointer.__name__, _expressions.__name__)
    found = hashlib.sha256(f"schemathesis {schemathesis.__version__}".encode())
    for module in modules:
        source = getattr(sys.modules[module], "__file__", None)
        if isinstance(source, str):  # not from a zip file
            with contextlib.suppress(OSError):
                found.update(Path(source).read_bytes())
    return found.hexdigest()


_CODE = _code_digest()


def links(document: Mapping[str, object], memo: Memo | None = None) -> list[Link]:
    """Every producer -> consumer link inferred from ``document`` (not the declared ones).

    With a ``memo``, the links of a document seen in a recent run are read from it."""
    if memo is None:
        return _inferred(document)
    text = json.dumps(document, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{_CODE}\n{text}".encode()).hexdigest()
    found = _remembered(memo, digest)
    if found is None:
        found = _inferred(document)
        entry = [[k.producer, k.status, k.consumer, k.parameters] for k in found]
        kept = {key: value for key, value in _kept(memo).items() if key != digest}
        memo.set(MEMO_KEY, dict([*list(kept.items())[1 - _KEPT :], (digest, entry)]))
    return found


def _inferred(document: Mapping[str, object]) -> list[Link]:
    # A deep, key-sorted copy: schemathesis writes the links it infers into the document it
    # was given, and its analysis must not see the order the app happened to list things in.
    # Declared links are left out: the link scenarios have them, and one that is broken (the
    # link scenario says how) must not stop the inference.
    sorted_copy = json.loads(json.dumps(_without_links(document), sort_keys=True, default=str))
    try:
        schema = schemathesis.openapi.from_dict(sorted_copy, config=schemathesis.Config())
        inferred = list(_analysed(schema))
    except Exception:  # a schema it cannot analyse implies no scenario; its operations'
        return []  # own tests say what is wrong with it
    inferred = [link for link in inferred if _may_answer(document, link)]
    found: dict[tuple[str, str, str], Link] = {}
    for link in [*inferred, *_from_location(document)]:
        key = (link.producer, link.status, link.consumer)
        # Two links for the same pair: the one that gives more, whatever order they came in.
        if key not in found or _gives(link) > _gives(found[key]):
            found[key] = link
    return [found[key] for key in sorted(found)]


def _kept(memo: Memo) -> dict[str, object]:
    kept = memo.get(MEMO_KEY, None)
    return kept if isinstance(kept, dict) else {}


def _remembered(memo: Memo, digest: str) -> list[Link] | None:
    """The links the memo keeps for ``digest``; None when it keeps none (or an entry that
    does not read: another pytest-xdist worker may be writing it)."""
    found = _kept(memo).get(digest)
    if not isinstance(found, list):
        return None
    try:
        return [
            Link(str(producer), str(status), str(consumer), tuple(map(_pair, given)))
            for producer, status, consumer, given in found
        ]
    except (TypeError, ValueError):
        return None


def _pair(given: Sequence[object]) -> tuple[str, str]:
    name, expression = given
    return str(name), str(expression)


def _gives(link: Link) -> tuple[int, tuple[tuple[str, str], ...]]:
    return len(link.parameters), link.parameters


def _analysed(schema: object) -> Iterable[Link]:
    """The links of schemathesis' dependency graph.

    The graph is not public API. The public way to its links, building the state machine
    (which writes them into the document), costs ten times as much (0.8 s against 0.07 s at
    200 operations, 2.0 s against 0.9 s at 1000) on every run, for the same links; it is
    taken where the graph is not there (another version of schemathesis)."""
    graph = getattr(getattr(schema, "analysis", None), "dependency_graph", None)
    if graph is None or not hasattr(graph, "iter_links"):
        schema.as_state_machine()  # type: ignore[attr-defined]
        yield from _from_analysis(schema.raw_schema)  # type: ignore[attr-defined]
        return
    for response in graph.iter_links():
        producer = _label_of(response.producer_operation_ref)
        for definition in response.links.values():
            consumer = _label_of(definition.operation_ref)
            if producer is None or consumer is None:
                continue
            parameters = definition.parameters
            yield Link(
                producer,
                str(response.status_code),
                consumer,
                tuple(sorted((str(k), str(v)) for k, v in parameters.items())),
            )


def _without_links(document: Mapping[str, object]) -> object:
    """``document`` without the ``links`` of its operations' responses (a shallow copy of
    what changes: the rest is shared)."""
    paths = document.get("paths")
    if not isinstance(paths, Mapping):
        return document
    copied: dict[str, object] = {}
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            copied[path] = item
            continue
        copied[path] = {
            method: _operation_without_links(operation)
            if method in _openapi.HTTP_METHODS
            else operation
            for method, operation in item.items()
        }
    out: dict[str, object] = {**document, "paths": copied}
    components = document.get("components")
    shared = components.get("responses") if isinstance(components, Mapping) else None
    if isinstance(components, Mapping) and isinstance(shared, Mapping):
        stripped = _operation_without_links({"responses": shared})
        assert isinstance(stripped, Mapping)
        out["components"] = {**components, "responses": stripped["responses"]}
    return out


def _operation_without_links(operation: object) -> object:
    responses = operation.get("responses") if isinstance(operation, Mapping) else None
    if not isinstance(operation, Mapping) or not isinstance(responses, Mapping):
        return operation
    return {
        **operation,
        "responses": {
            status: {k: v for k, v in response.items() if k != "links"}
            if isinstance(response, Mapping)
            else response
            for status, response in responses.items()
        },
    }


def _from_analysis(document: Mapping[str, object]) -> Iterable[Link]:
    for path, method, definition, _ in _openapi.operations(document):
        responses = definition.get("responses")
        for status, response in sorted(responses.items()) if isinstance(responses, dict) else ():
            found = response.get("links") if isinstance(response, Mapping) else None
            for link in found.values() if isinstance(found, Mapping) else ():
                extension = link.get("x-schemathesis") if isinstance(link, Mapping) else None
                if not isinstance(extension, Mapping) or not extension.get("is_inferred"):
                    continue  # a declared link: the link scenarios have it
                consumer = _label_of(link.get("operationRef"))
                parameters = link.get("parameters")
                if consumer is None or not isinstance(parameters, Mapping):
                    continue
                yield Link(
                    f"{method.upper()} {path}",
                    str(status),
                    consumer,
                    tuple(sorted((str(k), str(v)) for k, v in parameters.items())),
                )


def _label_of(ref: object) -> str | None:
    """``GET /a/{b}`` for ``#/paths/~1a~1{b}/get``."""
    target = _openapi.operation_ref(ref) if isinstance(ref, str) else None
    return None if target is None else f"{target[0].upper()} {target[1]}"


def _from_location(document: Mapping[str, object]) -> Iterable[Link]:
    """A create whose 2xx answer declares ``Location`` leads to the operations under it."""
    every = [(path, method) for path, method, _, _ in _openapi.operations(document)]
    for path, method, definition, _ in _openapi.operations(document):
        if method != "post":
            continue
        for status in _location_statuses(document, definition):
            base = path.rstrip("/")
            for other, other_method in every:
                match = re.fullmatch(re.escape(base) + r"/\{([^{}/]+)\}(?:/.*)?", other)
                if match is None:
                    continue
                name = match.group(1)
                pattern = re.escape(base) + "/([^/?#]+)"
                yield Link(
                    f"POST {path}",
                    status,
                    f"{other_method.upper()} {other}",
                    ((f"path.{name}", f"$response.header.Location{REGEX}{pattern}"),),
                )


def _location_statuses(
    document: Mapping[str, object], definition: Mapping[str, object]
) -> list[str]:
    responses = _followed(document, definition.get("responses"))
    statuses = []
    for status, raw in sorted(responses.items()) if isinstance(responses, Mapping) else ():
        response = _followed(document, raw)
        headers = response.get("headers") if isinstance(response, Mapping) else None
        named = {str(h).lower() for h in headers} if isinstance(headers, Mapping) else set()
        if str(status).startswith("2") and "location" in named:
            statuses.append(str(status))
    return statuses


def _may_answer(document: Mapping[str, object], link: Link) -> bool:
    """Whether the producer's documented answer may hold what the link reads from its body.

    The analysis matches names (an `item_id` parameter, an `items` resource); where the
    producer documents no body at all (a handler that returns a plain dict), or an object
    whose declared properties leave the name out, the link is a guess the app's answers
    cannot bear out, and would only fail the recording."""
    producer = _operation(document, link.producer)
    responses = _followed(document, producer.get("responses")) if producer else None
    response = (
        _followed(document, responses.get(link.status)) if isinstance(responses, Mapping) else None
    )
    content = response.get("content") if isinstance(response, Mapping) else None
    media = content.get("application/json") if isinstance(content, Mapping) else None
    schema = _followed(document, media.get("schema")) if isinstance(media, Mapping) else None
    for _, expression in link.parameters:
        if not expression.startswith(_BODY):
            continue
        if not _may_hold(document, schema, _pointer.tokens(expression.removeprefix(_BODY))):
            return False
    return True


_BODY = "$response.body#"


def _may_hold(document: Mapping[str, object], schema: object, tokens: Sequence[str]) -> bool:
    """Whether a value of ``schema`` may have something at ``tokens``: False only where the
    schema says it cannot (no schema at all, or declared properties without the name)."""
    schema = _followed(document, schema)
    if not isinstance(schema, Mapping) or not schema:
        return False  # undocumented: nothing to go by
    if not tokens:
        return True
    if any(key in schema for key in ("allOf", "anyOf", "oneOf", "additionalProperties")):
        return True  # more than this policy reads: the app's answer decides
    token, rest = tokens[0], tokens[1:]
    properties = schema.get("properties")
    if isinstance(properties, Mapping) and token in properties:
        return _may_hold(document, properties[token], rest)
    items = schema.get("items")
    if items is not None and (token.isdigit() or token == "*"):
        return _may_hold(document, items, rest)
    return not isinstance(properties, Mapping) and items is None and "type" not in schema


def _operation(document: Mapping[str, object], label: str) -> Mapping[str, object] | None:
    method, _, path = label.partition(" ")
    paths = document.get("paths")
    item = _openapi.path_item(document, paths.get(path)) if isinstance(paths, Mapping) else None
    found = item.get(method.lower()) if item is not None else None
    return found if isinstance(found, Mapping) else None


def _followed(document: Mapping[str, object], node: object) -> object:
    try:
        return _pointer.follow(document, node)
    except _pointer.PointerError:
        return None


# -- the policy: one producer per consumer, trees of steps ----------------------------------


def trees(found: Sequence[Link], declared: Iterable[str] = ()) -> list[Tree]:
    """The inferred scenarios of ``found`` links, except for the consumers ``declared``
    links or scenarios already reach; by producer label."""
    taken = set(declared)
    usable: dict[str, list[Link]] = {}
    for link in found:
        if link.consumer in taken or link.consumer == link.producer:
            continue
        if _method(link.producer) not in _PRODUCERS or _params(link.consumer) == []:
            continue
        complete = _complete(link)
        if complete is not None:
            usable.setdefault(link.consumer, []).append(complete)
    chosen = {consumer: min(options, key=_rank) for consumer, options in usable.items()}
    children: dict[str, list[Link]] = {}
    for _, link in sorted(chosen.items()):
        if _roots_at(link.producer, chosen):
            children.setdefault(link.producer, []).append(link)
    return [
        Tree(root, tuple(_steps(root, children))) for root in sorted(children) if not _params(root)
    ]


def _complete(link: Link) -> Link | None:
    """``link`` with the consumer's path parameters the producer was also sent carried from
    its request; None if a path parameter of the consumer is still without a value."""
    parameters = dict(link.parameters)
    for name in _params(link.consumer):
        key = f"path.{name}"
        if key not in parameters and name in _params(link.producer):
            parameters[key] = f"$request.path.{name}"
        if key not in parameters:
            return None
    return dataclasses.replace(link, parameters=tuple(sorted(parameters.items())))


def _rank(link: Link) -> tuple[int, int, int, str, str]:
    return (
        _PRODUCERS[_method(link.producer)],
        -_common_prefix(_path(link.producer), _path(link.consumer)),
        len(_params(link.producer)),
        link.producer,
        link.status,
    )


def _roots_at(producer: str, chosen: Mapping[str, Link]) -> bool:
    """Whether following the producers from ``producer`` ends at one that needs nothing
    (not in a circle, not at one no link reaches)."""
    seen = set()
    while _params(producer):
        if producer in seen or producer not in chosen:
            return False
        seen.add(producer)
        producer = chosen[producer].producer
    return True


def _steps(root: str, children: Mapping[str, Sequence[Link]]) -> list[InferredStep]:
    steps = [InferredStep(root, 0, (), _wanted(children[root]))]
    _add(steps, 1, root, children)
    return steps


def _wanted(given: Sequence[Link]) -> int | None:
    """The status a producer must answer: the first of those its links are declared for."""
    statuses = sorted(int(link.status) for link in given if link.status.isdecimal())
    return statuses[0] if statuses else None


def _add(
    steps: list[InferredStep], source: int, producer: str, children: Mapping[str, Sequence[Link]]
) -> None:
    ordered = sorted(
        children[producer], key=lambda link: (_STEP_ORDER.get(_method(link.consumer), 3), link)
    )
    for link in ordered:
        if link.consumer in children:  # a sub-resource: its own steps follow it
            wanted = _wanted(children[link.consumer])
            steps.append(InferredStep(link.consumer, source, link.parameters, wanted))
            _add(steps, len(steps), link.consumer, children)
        else:
            steps.append(InferredStep(link.consumer, source, link.parameters, None))


def _method(label: str) -> str:
    return label.partition(" ")[0]


def _path(label: str) -> str:
    return label.partition(" ")[2]


def _params(label: str) -> list[str]:
    return _TEMPLATE.findall(_path(label))


def _common_prefix(producer: str, consumer: str) -> int:
    """How many segments the producer's path has when it is a prefix of the consumer's
    (``/authors`` of ``/authors/{author_id}``); 0 when it is not."""
    mine, theirs = producer.strip("/").split("/"), consumer.strip("/").split("/")
    return len(mine) if theirs[: len(mine)] == mine else 0
