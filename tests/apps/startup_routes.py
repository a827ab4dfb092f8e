"""FastAPI app whose lifespan registers an extra route at start-up.

``GET /late`` (operationId ``get_late``) is added by the lifespan before it
yields, so it appears in ``/openapi.json`` only when the schema is generated
after start-up (i.e. with the lifespan run, e.g. via ``asgi_lifespan``). The
lifespan also stores a greeting in ``app.state``, which ``GET /greeting``
(operationId ``get_greeting``) returns; without start-up that route fails with
500. Nothing here calls ``app.openapi()`` at import time, so FastAPI's cached
``app.openapi_schema`` stays empty until the first schema request. (FastAPI
0.165 also regenerates the cached schema when ``add_api_route`` changes the
routes; older versions would keep serving a schema cached before start-up.)
The route is added only once, so repeated start-ups are harmless.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request


async def late() -> dict[str, str]:
    return {"registered": "at-startup"}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.greeting = "hello from lifespan"
    if not any(getattr(route, "path", None) == "/late" for route in app.routes):
        app.add_api_route("/late", late, methods=["GET"], operation_id="get_late")
    yield


app = FastAPI(title="contractsnap startup routes", version="1.0.0", lifespan=lifespan)


@app.get("/greeting", operation_id="get_greeting")
async def get_greeting(request: Request) -> dict[str, str]:
    return {"greeting": request.app.state.greeting}
