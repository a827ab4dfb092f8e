"""FastAPI app with hostile responses: malformed, huge, endless, slow, redirecting.

Its schema lists an external server (``http://evil.invalid``) and ``GET /away`` redirects
there: a tool that sends requests anywhere but the app would leave the process. Every
request the app receives is appended to ``requests.log`` in the working directory.
"""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Response
from fastapi.responses import RedirectResponse, StreamingResponse
from starlette.types import ASGIApp, Receive, Scope, Send

#: Bytes that are not UTF-8.
BAD_UTF8 = b'{"name": "caf\xe9 \xff\xfe"}'
#: 10 MiB, above the default `max_body_size`.
BIG = bytes(range(256)) * 40960
#: The finite stream: 50 MiB in chunks of 64 KiB.
CHUNK = bytes(range(256)) * 256
STREAM_CHUNKS = 800
EXTERNAL = "http://evil.invalid"

app = FastAPI(title="contractsnap hostile", version="1.0.0", servers=[{"url": EXTERNAL}])


class LogRequests:
    """Append ``METHOD host path`` of every request to ``requests.log`` (pure ASGI, so
    streaming responses pass through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode()
            with Path("requests.log").open("a") as log:
                log.write(f"{scope['method']} {host} {scope['path']}\n")
        await self.app(scope, receive, send)


app.add_middleware(LogRequests)


def declared(media_type: str, status: int = 200) -> dict[int | str, dict[str, object]]:
    return {status: {"description": "ok", "content": {media_type: {}}}}


@app.get("/not-json", response_class=Response, responses=declared("application/json"))
async def not_json() -> Response:
    return Response(b"{oops", media_type="application/json")


@app.get("/bad-utf8-json", response_class=Response, responses=declared("application/json"))
async def bad_utf8_json() -> Response:
    return Response(BAD_UTF8, media_type="application/json")


@app.get("/bad-utf8-text", response_class=Response, responses=declared("text/plain"))
async def bad_utf8_text() -> Response:
    return Response(BAD_UTF8, media_type="text/plain; charset=utf-8")


@app.get("/empty-json", response_class=Response, responses=declared("application/json"))
async def empty_json() -> Response:
    return Response(b"", media_type="application/json")


#: A 200 answer declared as a JSON object.
OBJECT: dict[int | str, dict[str, Any]] = {
    200: {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}
}


@app.get("/typed/not-json", response_class=Response, responses=OBJECT)
async def typed_not_json() -> Response:
    return Response(b"{oops", media_type="application/json")


@app.get("/typed/bad-utf8", response_class=Response, responses=OBJECT)
async def typed_bad_utf8() -> Response:
    return Response(BAD_UTF8, media_type="application/json")


@app.get("/typed/empty", response_class=Response, responses=OBJECT)
async def typed_empty() -> Response:
    return Response(b"", media_type="application/json")


@app.get("/big", response_class=Response, responses=declared("application/octet-stream"))
async def big() -> Response:
    return Response(BIG, media_type="application/octet-stream")


@app.get("/stream", response_class=Response, responses=declared("application/octet-stream"))
async def stream() -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(STREAM_CHUNKS):
            yield CHUNK

    return StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/events", response_class=Response, responses=declared("text/event-stream"))
async def events() -> StreamingResponse:
    """Server-sent events that never end, one tick at a time."""

    async def ticks() -> AsyncIterator[str]:
        n = 0
        while True:
            yield f"event: tick\ndata: {n}\n\n"
            n += 1
            await anyio.sleep(0)

    return StreamingResponse(ticks(), media_type="text/event-stream")


@app.get("/firehose", response_class=Response, responses=declared("application/octet-stream"))
async def firehose() -> StreamingResponse:
    """An endless stream that never awaits anything between chunks."""

    async def forever() -> AsyncIterator[bytes]:
        while True:
            yield CHUNK

    return StreamingResponse(forever(), media_type="application/octet-stream")


@app.get("/redirect", status_code=307, response_class=RedirectResponse)
async def redirect() -> RedirectResponse:
    return RedirectResponse("/target", status_code=307)


@app.get("/target")
async def target() -> dict[str, str]:
    return {"reached": "target"}


@app.get("/away", status_code=307, response_class=RedirectResponse)
async def away() -> RedirectResponse:
    return RedirectResponse(f"{EXTERNAL}/steal?token=x", status_code=307)


@app.get("/no-content", status_code=204, response_class=Response)
async def no_content() -> Response:
    return Response(b"surprise", status_code=204)


@app.get("/slow")
async def slow() -> dict[str, str]:
    await anyio.sleep(3600)
    return {"finally": "done"}


@app.get("/slow-sync")
def slow_sync() -> dict[str, str]:
    import time

    time.sleep(2)  # a blocking call in a worker thread, which no timeout can interrupt
    return {"finally": "done"}


@app.get("/ok")
async def ok() -> dict[str, bool]:
    return {"ok": True}
