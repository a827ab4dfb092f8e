"""An app that starts a worker thread at start-up and never stops it: the process that ran
it cannot exit until the thread ends (here after a few seconds; in real apps, never)."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

STOP = threading.Event()


def refresh_cache() -> None:
    STOP.wait(timeout=5)  # a real one loops until told to stop; nobody tells it


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    threading.Thread(target=refresh_cache, name="cache-refresher").start()
    yield  # the shutdown forgets to set STOP


app = FastAPI(title="leftover thread", version="1", lifespan=lifespan)


@app.get("/ping")
async def ping() -> dict[str, str]:
    return {"ping": "pong"}
