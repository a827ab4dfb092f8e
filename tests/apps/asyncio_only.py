"""An app whose database driver (aiosqlite) runs only on asyncio: run under trio, its
lifespan fails inside anyio's task group."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite
from fastapi import FastAPI, Request


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.db = await aiosqlite.connect(":memory:")
    try:
        yield
    finally:
        await app.state.db.close()


app = FastAPI(title="asyncio only", version="1.0.0", lifespan=lifespan)


@app.get("/answer")
async def answer(request: Request) -> dict[str, int]:
    async with request.app.state.db.execute("SELECT 42") as cursor:
        row = await cursor.fetchone()
    return {"answer": row[0] if row else 0}
