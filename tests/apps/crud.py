"""A small CRUD API with no examples anywhere in its schema, as most apps are written.

Authors have integer ids, their books UUIDs under ``/authors/{author_id}/books/{book_id}``;
a tag is created with no body at all, its URL only in the ``Location`` header; a shelf
exists only because it is seeded at start-up. No generated id finds any of them: only the
API's own answers (or a known value) do. ``reset`` is the ``setup`` that empties the store.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Path, Response
from pydantic import BaseModel, Field


class AuthorIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    born: int | None = Field(default=None, ge=1000, le=2100)


class Author(AuthorIn):
    id: int


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=80)
    pages: int = Field(default=100, ge=1, le=5000)


class Book(BookIn):
    id: uuid.UUID
    author_id: int


class TagIn(BaseModel):
    label: str = Field(min_length=1, max_length=20)


class Tag(TagIn):
    id: int


class Shelf(BaseModel):
    slug: str
    capacity: int


AUTHORS: dict[int, Author] = {}
BOOKS: dict[uuid.UUID, Book] = {}
TAGS: dict[int, Tag] = {}
SHELVES = {"main": Shelf(slug="main", capacity=120)}
#: The last id handed out (authors and tags share one sequence, as a database may).
LAST_ID = [0]


def _next_id() -> int:
    LAST_ID[0] += 1
    return LAST_ID[0]


def reset() -> None:
    """Empty the store, as a fresh database would be."""
    AUTHORS.clear()
    BOOKS.clear()
    TAGS.clear()
    LAST_ID[0] = 0


app = FastAPI(title="Library", version="1")
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Not found"}}
AuthorId = Annotated[int, Path(ge=1)]


def _author(author_id: int) -> Author:
    if author_id not in AUTHORS:
        raise HTTPException(404, "No such author")
    return AUTHORS[author_id]


@app.post("/authors", status_code=201)
async def create_author(author: AuthorIn) -> Author:
    created = Author(id=_next_id(), **author.model_dump())
    AUTHORS[created.id] = created
    return created


@app.get("/authors")
async def list_authors() -> list[Author]:
    return sorted(AUTHORS.values(), key=lambda a: a.id)


@app.get("/authors/{author_id}", responses=NOT_FOUND)
async def read_author(author_id: AuthorId) -> Author:
    return _author(author_id)


@app.put("/authors/{author_id}", responses=NOT_FOUND)
async def update_author(author_id: AuthorId, author: AuthorIn) -> Author:
    _author(author_id)
    AUTHORS[author_id] = Author(id=author_id, **author.model_dump())
    return AUTHORS[author_id]


@app.delete("/authors/{author_id}", status_code=204, responses=NOT_FOUND)
async def delete_author(author_id: AuthorId) -> Response:
    _author(author_id)
    del AUTHORS[author_id]
    for book in [b for b in BOOKS.values() if b.author_id == author_id]:
        del BOOKS[book.id]
    return Response(status_code=204)


@app.post("/authors/{author_id}/books", status_code=201, responses=NOT_FOUND)
async def create_book(author_id: AuthorId, book: BookIn) -> Book:
    _author(author_id)
    created = Book(id=uuid.uuid4(), author_id=author_id, **book.model_dump())
    BOOKS[created.id] = created
    return created


@app.get("/authors/{author_id}/books", responses=NOT_FOUND)
async def list_books(author_id: AuthorId) -> list[Book]:
    _author(author_id)
    return [b for b in BOOKS.values() if b.author_id == author_id]


@app.get("/authors/{author_id}/books/{book_id}", responses=NOT_FOUND)
async def read_book(author_id: AuthorId, book_id: uuid.UUID) -> Book:
    book = BOOKS.get(book_id)
    if book is None or book.author_id != author_id:
        raise HTTPException(404, "No such book")
    return book


@app.post(
    "/tags",
    status_code=201,
    response_class=Response,
    responses={
        201: {
            "description": "Created; the tag's URL is in the Location header",
            "headers": {"Location": {"schema": {"type": "string"}}},
        }
    },
)
async def create_tag(tag: TagIn) -> Response:
    created = Tag(id=_next_id(), **tag.model_dump())
    TAGS[created.id] = created
    return Response(status_code=201, headers={"Location": f"/tags/{created.id}"})


@app.get("/tags/{tag_id}", responses=NOT_FOUND)
async def read_tag(tag_id: Annotated[int, Path(ge=1)]) -> Tag:
    if tag_id not in TAGS:
        raise HTTPException(404, "No such tag")
    return TAGS[tag_id]


@app.get("/shelves/{slug}", responses=NOT_FOUND)
async def read_shelf(slug: str) -> Shelf:
    if slug not in SHELVES:
        raise HTTPException(404, "No such shelf")
    return SHELVES[slug]
