"""Litestar 2 app with a small book API.

Litestar serves its OpenAPI 3.1 schema as JSON at ``/schema/openapi.json`` by
default (no configuration here). Exercises a list endpoint, a lookup by integer
id that returns 404, and a POST with a dataclass body (201 by default in
Litestar); ``POST /books`` echoes the book with a fixed id and stores nothing.

Caveats: Litestar resolves handler annotations through
``sys.modules[handler.__module__]``, so when loading this file by path, register
the module in ``sys.modules`` before executing it. Litestar keeps per-request
data in ``scope["state"]``; asgi-lifespan 2.1 passes the same state dict to
every request instead of a shallow copy, so give each request a copy.
Parameters use ``Annotated[..., Parameter()]`` / ``Annotated[..., Body()]``:
Litestar 2.25 emits LitestarDeprecationWarning for a bare ``book_id: int`` or
``data: BookIn``, and its new ``FromPath`` / ``JSONBody`` aliases need 2.25+.
"""

from dataclasses import dataclass
from typing import Annotated

from litestar import Litestar, get, post
from litestar.exceptions import NotFoundException
from litestar.params import Body, Parameter


@dataclass
class BookIn:
    title: str
    author: str


@dataclass
class Book:
    id: int
    title: str
    author: str


BOOKS = {
    1: Book(id=1, title="Dune", author="Frank Herbert"),
    2: Book(id=2, title="Solaris", author="Stanislaw Lem"),
}


@get("/books", operation_id="list_books")
async def list_books() -> list[Book]:
    return list(BOOKS.values())


@get("/books/{book_id:int}", operation_id="get_book")
async def get_book(book_id: Annotated[int, Parameter(description="Book id")]) -> Book:
    if book_id not in BOOKS:
        raise NotFoundException(detail="Book not found")
    return BOOKS[book_id]


@post("/books", operation_id="create_book")
async def create_book(data: Annotated[BookIn, Body()]) -> Book:
    return Book(id=len(BOOKS) + 1, title=data.title, author=data.author)


# logging_config=None: Litestar's default config reconfigures the root logger
# (INFO level) as soon as the app is created, which would leak into the tests.
app = Litestar(route_handlers=[list_books, get_book, create_book], logging_config=None)
