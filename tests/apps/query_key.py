"""An API that takes its key in the query string (FastAPI's APIKeyQuery) and echoes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import APIKeyQuery

app = FastAPI(title="Query key", version="1")
KEY = "query-secret-42"
api_key = APIKeyQuery(name="api_key", auto_error=False)


def authorised(key: Annotated[str | None, Depends(api_key)]) -> str:
    if key != KEY:
        raise HTTPException(401, "a valid api_key is required")
    return key


@app.get("/reports", responses={401: {"description": "No key"}})
async def reports(request: Request, key: Annotated[str, Depends(authorised)]) -> dict[str, str]:
    return {"url": str(request.url), "key": key, "status": "ok"}
