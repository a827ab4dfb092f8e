"""FastAPI sub-application mounted under a path prefix.

The outer ``app`` has no schema of its own (``openapi_url=None``); it mounts the
inner FastAPI app ``api`` under ``/api/v1``. The schema is served at
``/api/v1/openapi.json`` and lists paths WITHOUT the prefix (``/items``,
``/items/{item_id}``), so requests must be sent to ``/api/v1/items`` etc.
When served through the mount, FastAPI also adds ``servers: [{"url": "/api/v1"}]``
to the schema (from the ASGI ``root_path``).
"""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

PREFIX = "/api/v1"
SCHEMA_URL = f"{PREFIX}/openapi.json"


class Item(BaseModel):
    id: int
    name: str


ITEMS = {1: Item(id=1, name="apple"), 2: Item(id=2, name="banana")}

api = FastAPI(title="contractsnap mounted", version="1.0.0")


@api.get("/items", operation_id="list_items")
async def list_items() -> list[Item]:
    return list(ITEMS.values())


@api.get(
    "/items/{item_id}",
    operation_id="get_item",
    responses={404: {"description": "Not found"}},
)
async def get_item(item_id: int) -> Item:
    if item_id not in ITEMS:
        raise HTTPException(status_code=404, detail="Item not found")
    return ITEMS[item_id]


app = FastAPI(openapi_url=None)
app.mount(PREFIX, api)
