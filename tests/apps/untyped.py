"""Handlers that return plain dicts, with no response model, as FastAPI's tutorial ("Bigger
Applications") writes them: the schema documents no response body at all, so nothing in it
says what a list answers; an id of an item is known only to whoever wrote the app."""

# ruff: noqa: ANN201
# mypy: disable-error-code="no-untyped-def"
# (no return annotations: a response model is what the app must not have)

from __future__ import annotations

from fastapi import FastAPI, HTTPException

app = FastAPI(title="Untyped", version="1")

fake_items_db = {"plumbus": {"name": "Plumbus"}, "gun": {"name": "Portal Gun"}}


@app.get("/items/")
async def read_items():
    return fake_items_db


@app.get("/items/{item_id}")
async def read_item(item_id: str):
    if item_id not in fake_items_db:
        raise HTTPException(status_code=404, detail="Item not found")
    return {"name": fake_items_db[item_id]["name"], "item_id": item_id}


@app.get("/users/")
async def read_users():
    return [{"username": "Rick"}, {"username": "Morty"}]


@app.get("/users/{username}")
async def read_user(username: str):
    return {"username": username}
