"""An app behind a rate limit (five requests a minute per path, as a middleware keeps it):
recording's double send meets it."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI, Request, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

LIMIT = 5
seen: Counter[str] = Counter()


class RateLimit(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path != "/openapi.json":
            seen[request.url.path] += 1
            if seen[request.url.path] > LIMIT:
                return Response("Too Many Requests", status_code=429)
        return await call_next(request)


app = FastAPI(title="rate limited", version="1")
app.add_middleware(RateLimit)


@app.get("/search")
async def search(q: str = "", limit: int = 10) -> dict[str, object]:
    return {"q": q, "limit": limit}
