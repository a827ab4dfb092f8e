"""An app whose served OpenAPI document changes on every start, as real apps' do: a start
time in its version, a default computed at import on a request field, and an enum built from
a set (its order follows the process's hash seed). One list it answers comes from that set."""

from __future__ import annotations

import datetime
import enum

from fastapi import FastAPI
from pydantic import BaseModel

STARTED = datetime.datetime.now(datetime.timezone.utc).isoformat()
COLOURS = {
    "amber",
    "azure",
    "black",
    "coral",
    "green",
    "ivory",
    "khaki",
    "lilac",
    "olive",
    "peach",
    "white",
    "umber",
}
Colour = enum.Enum("Colour", {name: name for name in COLOURS}, type=str)  # type: ignore[misc]

app = FastAPI(title="unstable", version=f"1.0+{STARTED}")


class Paint(BaseModel):
    colour: Colour
    mixed_at: str = STARTED


@app.post("/paints", status_code=201)
async def mix(paint: Paint) -> dict[str, str]:
    return {"colour": paint.colour.value}


@app.get("/colours")
async def colours() -> list[str]:
    return list(COLOURS)
