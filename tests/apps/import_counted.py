"""A small app that notes each import of itself in the file ``IMPORT_LOG`` names: a test
can tell whether a pytest run imported the app at all (collection from the stored OpenAPI
document must not)."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI

if os.environ.get("IMPORT_LOG"):
    with Path(os.environ["IMPORT_LOG"]).open("a") as log:
        log.write("imported\n")

app = FastAPI(title="Counted", version="1")


@app.get("/items")
async def list_items(limit: int = 10) -> list[dict[str, int]]:
    return [{"id": n} for n in range(min(limit, 3))]


@app.get("/status")
async def status() -> dict[str, str]:
    return {"status": "ok"}
