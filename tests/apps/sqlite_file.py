"""An app that keeps its data in a SQLite file, as the FastAPI SQL tutorial does: rows
written by one recording pass are still there for the next pass, and for the next run.
``reset`` is the `setup` that fixes it."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

DATABASE = Path("heroes.db")


class HeroIn(BaseModel):
    name: str = Field(min_length=1, max_length=20, examples=["Deadpond"])
    age: int | None = Field(default=None, ge=0, le=200, examples=[30])


class Hero(HeroIn):
    id: int


@contextmanager
def _connect() -> Iterator[sqlite3.Connection]:
    """A connection that commits and is closed at the end of the block."""
    connection = sqlite3.connect(DATABASE)
    connection.row_factory = sqlite3.Row
    try:
        with connection:
            yield connection
    finally:
        connection.close()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with _connect() as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS heroes "
            "(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT, age INTEGER)"
        )
    yield


app = FastAPI(title="Heroes", version="1", lifespan=lifespan)


@app.post("/heroes/", status_code=201)
def create_hero(hero: HeroIn) -> Hero:
    with _connect() as db:
        cursor = db.execute("INSERT INTO heroes (name, age) VALUES (?, ?)", (hero.name, hero.age))
        assert cursor.lastrowid is not None
        return Hero(id=cursor.lastrowid, **hero.model_dump())


@app.get("/heroes/")
def list_heroes() -> list[Hero]:
    with _connect() as db:
        return [Hero(**row) for row in db.execute("SELECT * FROM heroes ORDER BY id")]


@app.get("/heroes/{hero_id}", responses={404: {"description": "No such hero"}})
def read_hero(hero_id: int) -> Hero:
    with _connect() as db:
        row = db.execute("SELECT * FROM heroes WHERE id = ?", (hero_id,)).fetchone()
    if row is None:
        raise HTTPException(404, "Hero not found")
    return Hero(**row)


def reset(target: FastAPI | None = None) -> None:
    """Empty the table and restart its ids: each pass finds the same data."""
    with _connect() as db:
        db.execute("DELETE FROM heroes")
        db.execute("DELETE FROM sqlite_sequence WHERE name = 'heroes'")
