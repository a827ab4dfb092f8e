"""An app whose contract breaks on values a gate hides: a timestamp of now without an offset
where the schema says ``date-time``, and the caller's own token where it says an integer.
The checks' messages quote both values."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import FastAPI, Header
from pydantic import BaseModel

app = FastAPI(title="debt values", version="1")


class Event(BaseModel):
    at: datetime


class Me(BaseModel):
    id: int


@app.get("/events/latest", response_model=None, responses={200: {"model": Event}})
async def latest() -> Any:
    return {"at": datetime.now().isoformat()}  # no offset: not an RFC 3339 date-time


@app.get("/me", response_model=None, responses={200: {"model": Me}})
async def me(authorization: Annotated[str, Header()] = "") -> Any:
    return {"id": authorization.removeprefix("Bearer ")}  # the token where an id belongs
