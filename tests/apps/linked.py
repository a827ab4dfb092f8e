"""An app whose create declares OpenAPI links (read and delete the new item): one scenario.

The store is an in-memory dict; ``reset`` is the set-up and ``items`` the state probe.
``LABEL`` is in every item's answer; ``KEPT`` only in the stored row, so a change of it is
seen by the probe alone.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path
from pydantic import BaseModel, Field

LABEL = "lamp"
KEPT = "shelf"

#: The links of a created item: read it, then delete it, by the id the create answered.
LINKS: dict[str, Any] = {
    name: {"operationId": operation_id, "parameters": {"item_id": "$response.body#/id"}}
    for name, operation_id in (("GetItem", "get_item"), ("DeleteItem", "delete_item"))
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item"}}


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=20, examples=["desk"])


class Item(ItemIn):
    id: int
    label: str


app = FastAPI(title="Linked", version="1")
ItemId = Annotated[int, Path(examples=[1])]
_rows: dict[int, dict[str, Any]] = {}


async def reset(app: FastAPI) -> None:
    """Back to one stored item, ids restarting at 2."""
    _rows.clear()
    _rows[1] = {"id": 1, "name": "chair", "kept": KEPT}


async def items(app: FastAPI) -> dict[str, dict[str, Any]]:
    """The state probe: every stored row by id."""
    return {str(key): dict(row) for key, row in sorted(_rows.items())}


def _answer(item_id: int) -> Item:
    row = _rows.get(item_id)
    if row is None:
        raise HTTPException(404, "no such item")
    return Item(id=row["id"], name=row["name"], label=LABEL)


@app.post("/items", status_code=201, operation_id="create_item", responses={201: {"links": LINKS}})
async def create_item(item: ItemIn) -> Item:
    item_id = max(_rows, default=0) + 1
    _rows[item_id] = {"id": item_id, "name": item.name, "kept": KEPT}
    return _answer(item_id)


@app.get("/items/{item_id}", operation_id="get_item", responses=NOT_FOUND)
async def get_item(item_id: ItemId) -> Item:
    return _answer(item_id)


@app.delete("/items/{item_id}", status_code=204, operation_id="delete_item", responses=NOT_FOUND)
async def delete_item(item_id: ItemId) -> None:
    _answer(item_id)
    del _rows[item_id]
