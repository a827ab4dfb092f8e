"""An app that breaks its own contract from the start, as many real ones do: a price typed
as a number in the schema but sent as text, and a CSV export declared as JSON. A team that
adopts the gate records that as debt; new breaks must still fail."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Response
from pydantic import BaseModel

app = FastAPI(title="contract debt", version="1")


class Item(BaseModel):
    id: int
    price: float


class Health(BaseModel):
    ok: bool


@app.get("/items/1", response_model=None, responses={200: {"model": Item}})
async def item() -> Any:
    return {"id": 1, "price": "9.99"}  # a number in the schema, text on the wire


@app.get("/export", response_model=dict[str, str])
async def export() -> Response:
    return Response("id,price\n1,9.99\n", media_type="text/csv")


@app.get("/health", response_model=None, responses={200: {"model": Health}})
async def health() -> Any:
    return {"ok": True}
