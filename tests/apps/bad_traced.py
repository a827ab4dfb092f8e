"""FastAPI app that leaves traces, for tests of bad inputs.

Its lifespan writes ``started.trace`` and every request appends ``METHOD path`` to
``requests.trace``, both beside the module: a test proves that a bad input stopped the run
before the app started or before a request was sent by looking for them.

Routes: ``GET /items``, ``GET /items/{item_id}`` (404 for unknown ids), ``POST /tree`` (a
recursive body model: a node with a list of child nodes, answered with its size), a path
with non-ASCII characters and one over 300 characters long.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel

HERE = Path(__file__).parent
LONG_PATH = "/reports/" + "/".join(f"section-{n:02d}-of-the-annual-summary" for n in range(10))


class Item(BaseModel):
    id: int
    name: str


ITEMS = {1: Item(id=1, name="one"), 2: Item(id=2, name="two")}


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Size(BaseModel):
    nodes: int
    depth: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    (HERE / "started.trace").write_text("started\n")
    yield


app = FastAPI(title="traced", version="1", lifespan=lifespan)


@app.middleware("http")
async def trace(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    with (HERE / "requests.trace").open("a", encoding="utf-8") as fh:
        fh.write(f"{request.method} {request.url.path}\n")
    return await call_next(request)


@app.get("/items", operation_id="list_items")
async def list_items() -> list[Item]:
    return list(ITEMS.values())


@app.get("/items/{item_id}", operation_id="get_item", responses={404: {"description": "none"}})
async def get_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(404, "no such item")
    return ITEMS[item_id]


def _size(node: Node) -> Size:
    sizes = [_size(child) for child in node.children]
    return Size(
        nodes=1 + sum(s.nodes for s in sizes), depth=1 + max((s.depth for s in sizes), default=0)
    )


@app.post("/tree", operation_id="tree_size")
async def tree_size(node: Node) -> Size:
    return _size(node)


@app.get("/bücher/{titel}", operation_id="get_buch")
async def get_buch(titel: str) -> dict[str, str]:
    return {"titel": titel, "sprache": "de"}


@app.get(LONG_PATH, operation_id="long_report")
async def long_report() -> dict[str, int]:
    return {"length": len(LONG_PATH)}
