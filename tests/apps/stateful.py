"""An app with a real SQLite database (aiosqlite) and a state probe over its table."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import aiosqlite
from fastapi import FastAPI, HTTPException, Path
from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    name: str = Field(min_length=1, max_length=20, examples=["lamp"])
    stock: int = Field(ge=0, le=100, examples=[3])


class Item(ItemIn):
    id: int


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.db = await aiosqlite.connect(":memory:")
    app.state.db.row_factory = aiosqlite.Row
    await app.state.db.execute(
        "CREATE TABLE items (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, stock INTEGER)"
    )
    await reset(app)
    try:
        yield
    finally:
        await app.state.db.close()


app = FastAPI(title="Stateful", version="1", lifespan=lifespan)
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such item"}}
ItemId = Annotated[int, Path(examples=[1])]


async def reset(app: FastAPI) -> None:
    """Back to one seeded row, ids restarting at 1."""
    db = app.state.db
    await db.execute("DELETE FROM items")
    await db.execute("DELETE FROM sqlite_sequence WHERE name = 'items'")
    await db.execute("INSERT INTO items (name, stock) VALUES ('desk', 1)")
    await db.commit()


async def items(app: FastAPI) -> dict[str, dict[str, Any]]:
    """The state probe: every row of the items table by id."""
    async with app.state.db.execute("SELECT id, name, stock FROM items") as cursor:
        return {str(row["id"]): dict(row) for row in await cursor.fetchall()}


async def _get(item_id: int) -> Item:
    async with app.state.db.execute(
        "SELECT id, name, stock FROM items WHERE id = ?", (item_id,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise HTTPException(404, "no such item")
    return Item(**dict(row))


@app.get("/items/{item_id}", responses=NOT_FOUND)
async def get_item(item_id: ItemId) -> Item:
    return await _get(item_id)


@app.post("/items", status_code=201)
async def create_item(item: ItemIn) -> Item:
    stored_stock = item.stock  # what is written to the database
    cursor = await app.state.db.execute(
        "INSERT INTO items (name, stock) VALUES (?, ?)", (item.name, stored_stock)
    )
    await app.state.db.commit()
    assert cursor.lastrowid is not None
    return Item(id=cursor.lastrowid, **item.model_dump())


@app.delete("/items/{item_id}", status_code=204, responses=NOT_FOUND)
async def delete_item(item_id: ItemId) -> None:
    await _get(item_id)
    await app.state.db.execute("DELETE FROM items WHERE id = ?", (item_id,))
    await app.state.db.commit()
