"""The shapes of what a snapshot file holds, as types: requests, cases, steps, documents.

The reader (``_snapshot``) checks a file against these shapes before it hands a document
on, so the rest of the code can rely on them. A response is normalised JSON whose fields
depend on the body (``body``, ``text``, or ``size`` and ``sha256``): a plain JSON object.
"""

from __future__ import annotations

from typing import TypedDict

from ._canonical import JSON

#: A JSON object.
JSONObject = dict[str, JSON]
#: A normalised, redacted response: ``status``, kept ``headers`` and the body's fields.
Response = JSONObject
#: What a case changed, per state probe.
State = JSONObject


class _RequestLine(TypedDict):
    method: str
    path: str


class Request(_RequestLine, total=False):
    """A frozen request: values JSON cannot hold are encoded (``_canonical.encode_value``)."""

    path_parameters: JSONObject
    query: JSONObject
    headers: JSONObject
    cookies: JSONObject
    body: JSON
    media_type: str | None


class CaseHead(TypedDict):
    """What a case is before it is sent: its id, where it came from, its request."""

    id: str
    source: str
    description: str
    request: Request


class _Case(CaseHead):
    response: Response


class Case(_Case, total=False):
    """One case of an operation's file."""

    state: State
    #: The checks it broke when it was recorded (its contract debt), sorted.
    violations: list[str]


class OperationInfo(TypedDict):
    fingerprint: str
    method: str
    operationId: str | None  # the OpenAPI spelling, as stored
    path: str


class OperationDocument(TypedDict):
    """An operation's file."""

    format: str
    operation: OperationInfo
    cases: list[Case]


class _Step(TypedDict):
    id: str
    operation: str
    request: Request
    response: Response


class Step(_Step, total=False):
    """One step of a scenario's file; its request keeps carried values as placeholders."""

    link: str
    state: State
    violations: list[str]


class Carried(TypedDict):
    """Where a carried value came from, and what it was (redacted)."""

    expression: str
    step: int
    value: JSON


class ScenarioInfo(TypedDict):
    fingerprint: str
    name: str
    origin: str


class ScenarioDocument(TypedDict):
    """A scenario's file."""

    format: str
    scenario: ScenarioInfo
    carried: dict[str, Carried]
    steps: list[Step]


#: Either snapshot document.
Document = OperationDocument | ScenarioDocument
