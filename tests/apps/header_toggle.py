"""An app whose answer keeps no header one time and several the next: the whole header set
of the response changes between recording's two sends (a cache, a feature flag)."""

from __future__ import annotations

from fastapi import FastAPI, Response

app = FastAPI(title="header toggle", version="1")
calls = {"n": 0}


@app.get("/toggle")
async def toggle() -> Response:
    calls["n"] += 1
    if calls["n"] % 2:
        return Response(b"", status_code=200)  # no header that is kept
    return Response(
        b"", status_code=200, headers={"content-type": "text/plain", "location": "/there"}
    )
