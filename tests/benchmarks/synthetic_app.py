"""A synthetic FastAPI app with ``BENCH_OPERATIONS`` operations, for contractsnap's benchmark.

The number of operations is read from the environment variable ``BENCH_OPERATIONS`` (an
int, default 30) when the module is imported, and the module-level ``app`` is built from it,
so a benchmark project can point ``[tool.contractsnap] app = "synthetic_app:app"`` at it.

Operations come in groups of three per resource ``k`` (the last group may be cut short):

- ``GET /r{k}/items/{item_id}``: an int path parameter and query parameters (``limit``, an
  int with bounds; ``kind``, an enum; ``q``, an optional string);
- ``POST /r{k}/items``: a JSON body (a nested pydantic model with a list of models, a list of
  strings, an enum and an optional nested object), answered with 201;
- ``PUT /r{k}/items/{item_id}``: a path parameter and the same kind of body.

Every resource has its own request and response models (so the OpenAPI document grows with
the number of operations, as a real API does) built on shared nested models. Responses are
computed from the request alone: no clock, no randomness, no state that a request leaves
behind (the data is an in-memory catalogue built at import), so the same request always gets
the same answer in any order, process or pytest-xdist worker.

Deliberately free of ``from __future__ import annotations``: the route handlers are defined
in a factory and annotated with per-resource model classes that FastAPI must see as objects.
"""

import json
import os
import zlib
from collections.abc import Callable
from enum import Enum
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, Field

OPERATIONS = int(os.environ.get("BENCH_OPERATIONS", "30"))


class Kind(str, Enum):
    ALPHA = "alpha"
    BETA = "beta"
    GAMMA = "gamma"


class Unit(str, Enum):
    MM = "mm"
    CM = "cm"
    IN = "in"


class Dimensions(BaseModel):
    width: int = Field(ge=0, le=10_000)
    height: int = Field(ge=0, le=10_000)
    unit: Unit = Unit.MM


class Line(BaseModel):
    sku: str = Field(min_length=1, max_length=12)
    quantity: int = Field(ge=1, le=99)


class Summary(BaseModel):
    lines: int
    total_quantity: int
    checksum: str


class ItemIn(BaseModel):
    """The request body of POST and PUT (subclassed per resource)."""

    name: str = Field(min_length=1, max_length=40)
    kind: Kind
    tags: list[str] = Field(default_factory=list, max_length=5)
    lines: list[Line] = Field(default_factory=list, max_length=5)
    dimensions: Dimensions | None = None


class ItemOut(BaseModel):
    """The response of every operation (subclassed per resource)."""

    id: int
    resource: int
    name: str
    kind: Kind
    tags: list[str]
    lines: list[Line]
    dimensions: Dimensions
    summary: Summary
    query: str | None = None


#: The in-memory catalogue that GET reads: 16 records, picked by ``item_id % 16``.
CATALOGUE: list[dict[str, Any]] = [
    {
        "name": f"item-{n}",
        "tags": [f"tag{n % 3}", f"group{n % 5}"],
        "lines": [{"sku": f"SKU{n}{j}", "quantity": 1 + (n * 7 + j) % 9} for j in range(5)],
        "dimensions": {"width": 10 * n, "height": 5 * n + 1, "unit": list(Unit)[n % 3].value},
    }
    for n in range(16)
]


def _summary(lines: list[Line]) -> Summary:
    text = json.dumps([line.model_dump() for line in lines], sort_keys=True)
    return Summary(
        lines=len(lines),
        total_quantity=sum(line.quantity for line in lines),
        checksum=f"{zlib.crc32(text.encode()):08x}",
    )


def _from_body(model: type[ItemOut], resource: int, item_id: int, body: ItemIn) -> ItemOut:
    return model(
        id=item_id,
        resource=resource,
        name=body.name,
        kind=body.kind,
        tags=body.tags,
        lines=body.lines,
        dimensions=body.dimensions or Dimensions(width=0, height=0),
        summary=_summary(body.lines),
    )


def _stable_id(body: ItemIn) -> int:
    """An id derived from the body (never ``hash()``, which is salted per process)."""
    return zlib.crc32(body.model_dump_json().encode()) % 1_000_000


def _add_resource(app: FastAPI, resource: int, count: int) -> None:
    """Register the first ``count`` (1 to 3) operations of resource ``resource``."""
    model_in: type[ItemIn] = type(f"Item{resource}In", (ItemIn,), {"__module__": __name__})
    model_out: type[ItemOut] = type(f"Item{resource}Out", (ItemOut,), {"__module__": __name__})
    prefix = f"/r{resource}/items"
    tags: list[str | Enum] = [f"resource{resource}"]

    async def get_item(
        item_id: Annotated[int, Path(ge=0, le=1_000_000)],
        limit: Annotated[int, Query(ge=1, le=100)] = 10,
        kind: Annotated[Kind, Query()] = Kind.ALPHA,
        q: Annotated[str | None, Query(max_length=20)] = None,
    ) -> ItemOut:
        record = CATALOGUE[item_id % len(CATALOGUE)]
        lines = [Line(**line) for line in record["lines"][: min(limit, 5)]]
        return model_out(
            id=item_id,
            resource=resource,
            name=record["name"],
            kind=kind,
            tags=record["tags"],
            lines=lines,
            dimensions=Dimensions(**record["dimensions"]),
            summary=_summary(lines),
            query=q,
        )

    async def create_item(body: model_in) -> ItemOut:  # type: ignore[valid-type]
        return _from_body(model_out, resource, _stable_id(body), body)

    async def replace_item(
        item_id: Annotated[int, Path(ge=0, le=1_000_000)],
        body: model_in,  # type: ignore[valid-type]
    ) -> ItemOut:
        return _from_body(model_out, resource, item_id, body)

    routes: list[tuple[str, str, Callable[..., Any], int]] = [
        ("GET", f"{prefix}/{{item_id}}", get_item, 200),
        ("POST", prefix, create_item, 201),
        ("PUT", f"{prefix}/{{item_id}}", replace_item, 200),
    ]
    for method, path, endpoint, status in routes[:count]:
        app.add_api_route(
            path,
            endpoint,
            methods=[method],
            response_model=model_out,
            status_code=status,
            operation_id=f"{endpoint.__name__}_{resource}",
            tags=tags,
        )


def create_app(operations: int = OPERATIONS) -> FastAPI:
    """An app with exactly ``operations`` operations."""
    app = FastAPI(title=f"synthetic ({operations} operations)", version="1.0.0")
    for resource in range((operations + 2) // 3):
        _add_resource(app, resource, min(3, operations - 3 * resource))
    return app


app = create_app()
