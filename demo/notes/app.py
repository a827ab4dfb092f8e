"""Notes on PostgreSQL, through asyncpg, at the address ``DATABASE_URL`` gives.

Ids come from a sequence (``SERIAL``), which ``DELETE`` does not reset: a recording pass
that deletes every row still hands out id 2, 3, ... to the next pass. ``reset`` is the
``setup`` that puts the table back as it was, its sequence included
(``TRUNCATE ... RESTART IDENTITY``), with the one seeded note.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import asyncpg
from fastapi import FastAPI, HTTPException, Path, Request, Response
from pydantic import BaseModel, Field

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id SERIAL PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT ''
)
"""
SEED = ("Welcome", "The first note, seeded by the app.")


class NoteIn(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    body: str = Field(default="", max_length=2000)


class Note(NoteIn):
    id: int


NoteId = Annotated[int, Path(ge=1)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such note"}}


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.pool
    return pool


async def _seed(connection: asyncpg.Connection) -> None:
    await connection.execute("INSERT INTO notes (title, body) VALUES ($1, $2)", *SEED)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=1, max_size=4)
    async with app.state.pool.acquire() as connection:
        await connection.execute(SCHEMA)
        if await connection.fetchval("SELECT count(*) FROM notes") == 0:
            await _seed(connection)
    yield
    await app.state.pool.close()


def create_app() -> FastAPI:
    app = FastAPI(title="Notes", version="1", lifespan=lifespan)

    @app.post("/notes", status_code=201)
    async def create_note(note: NoteIn, request: Request) -> Note:
        row = await _pool(request).fetchrow(
            "INSERT INTO notes (title, body) VALUES ($1, $2) RETURNING id, title, body",
            note.title,
            note.body,
        )
        return Note(**dict(row))

    @app.get("/notes")
    async def list_notes(request: Request) -> list[Note]:
        rows = await _pool(request).fetch("SELECT id, title, body FROM notes ORDER BY id")
        return [Note(**dict(row)) for row in rows]

    @app.get("/notes/{note_id}", responses=NOT_FOUND)
    async def read_note(note_id: NoteId, request: Request) -> Note:
        row = await _pool(request).fetchrow(
            "SELECT id, title, body FROM notes WHERE id = $1", note_id
        )
        if row is None:
            raise HTTPException(404, "No such note")
        return Note(**dict(row))

    @app.put("/notes/{note_id}", responses=NOT_FOUND)
    async def update_note(note_id: NoteId, note: NoteIn, request: Request) -> Note:
        row = await _pool(request).fetchrow(
            "UPDATE notes SET title = $2, body = $3 WHERE id = $1 RETURNING id, title, body",
            note_id,
            note.title,
            note.body,
        )
        if row is None:
            raise HTTPException(404, "No such note")
        return Note(**dict(row))

    @app.delete("/notes/{note_id}", status_code=204, responses=NOT_FOUND)
    async def delete_note(note_id: NoteId, request: Request) -> Response:
        done = await _pool(request).execute("DELETE FROM notes WHERE id = $1", note_id)
        if done == "DELETE 0":
            raise HTTPException(404, "No such note")
        return Response(status_code=204)

    return app


async def reset(app: FastAPI) -> None:
    """The table as a new database has it: emptied, its id sequence restarted, seeded."""
    async with app.state.pool.acquire() as connection, connection.transaction():
        await connection.execute("TRUNCATE notes RESTART IDENTITY")
        await _seed(connection)


app = create_app()
