"""An app that makes its client at import time, outside the lifespan, as the FastAPI docs
warn against: the client's connection belongs to the event loop that was current then."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI


class CacheClient:
    """A client whose connection is set up in the loop that exists when it is created."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._values = {"greeting": "hello"}

    async def get(self, key: str) -> str:
        # A reply future of the client's own loop, awaited in the request's loop:
        # "Task ... got Future ... attached to a different loop".
        reply = self._loop.create_future()
        self._loop.call_soon(reply.set_result, self._values[key])
        return str(await reply)


cache = CacheClient()  # at import: the mistake
app = FastAPI(title="import-time client", version="1.0.0")


@app.get("/greeting")
async def greeting() -> dict[str, str]:
    return {"greeting": await cache.get("greeting")}
