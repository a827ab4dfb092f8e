"""FastAPI application of the bookstore demo: routes, security and lifespan."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Annotated, Any

import aiosqlite
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    Form,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    UploadFile,
    status,
)
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from bookstore import db
from bookstore.models import (
    Book,
    BookIn,
    BookPage,
    CoverUpload,
    ErrorModel,
    Genre,
    Health,
    Profile,
    Stats,
    Token,
    User,
)

API_KEY = "demo-secret-key"
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Account:
    password: str
    token: str
    user: User
    active: bool = True


ACCOUNTS: dict[str, Account] = {
    "reader": Account(
        password="reader-pass",
        token="reader-token-v1",
        user=User(
            username="reader",
            full_name="Rita Reader",
            email="reader@example.com",
            roles=["reader"],
        ),
    ),
    "suspended": Account(
        password="suspended-pass",
        token="suspended-token-v1",
        user=User(
            username="suspended",
            full_name="Sam Suspended",
            email="suspended@example.com",
            roles=[],
        ),
        active=False,
    ),
}
TOKENS: dict[str, Account] = {account.token: account for account in ACCOUNTS.values()}

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorModel}}
AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorModel},
    403: {"model": ErrorModel},
}

#: OpenAPI links of a created book: the create -> read -> update -> delete flow, each with
#: the id the create answered. contractsnap records them as one scenario.
BOOK_LINKS: dict[str, Any] = {
    name: {"operationId": operation_id, "parameters": {"book_id": "$response.body#/id"}}
    for name, operation_id in (
        ("GetBook", "get_book"),
        ("UpdateBook", "update_book"),
        ("DeleteBook", "delete_book"),
    )
}

api_key_header = APIKeyHeader(name="X-API-Key")
bearer = HTTPBearer()


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def get_db(request: Request) -> aiosqlite.Connection:
    conn: aiosqlite.Connection = request.app.state.db
    return conn


def require_api_key(api_key: Annotated[str, Depends(api_key_header)]) -> None:
    if api_key != API_KEY:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Invalid API key")


def current_user(
    credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)],
) -> User:
    account = TOKENS.get(credentials.credentials)
    if account is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Invalid token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not account.active:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Account suspended")
    return account.user


def not_found(book_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"Book {book_id} not found")


Conn = Annotated[aiosqlite.Connection, Depends(get_db)]
BookId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter()


@router.get(
    "/books",
    operation_id="list_books",
    tags=["books"],
    response_model=BookPage,
)
async def list_books(
    conn: Conn,
    *,
    author: str | None = None,
    genre: Genre | None = None,
    min_price: Annotated[float | None, Query(ge=0)] = None,
    max_price: Annotated[float | None, Query(ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> BookPage:
    items, total = await db.list_books(
        conn,
        author=author,
        genre=genre,
        min_price=min_price,
        max_price=max_price,
        limit=limit,
        offset=offset,
    )
    return BookPage(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/books/{book_id}",
    operation_id="get_book",
    tags=["books"],
    response_model=Book,
    responses=NOT_FOUND,
)
async def get_book(conn: Conn, book_id: BookId) -> Book:
    book = await db.get_book(conn, book_id)
    if book is None:
        raise not_found(book_id)
    return book


@router.post(
    "/books",
    operation_id="create_book",
    tags=["books"],
    status_code=status.HTTP_201_CREATED,
    response_model=Book,
    responses={201: {"links": BOOK_LINKS}, **AUTH_ERRORS},
    dependencies=[Depends(require_api_key)],
)
async def create_book(conn: Conn, body: BookIn, response: Response) -> Book:
    book = await db.insert_book(conn, body, public_id=str(uuid.uuid4()), created_at=utc_now())
    response.headers["Location"] = f"/books/{book.id}"
    return book


@router.put(
    "/books/{book_id}",
    operation_id="update_book",
    tags=["books"],
    response_model=Book,
    responses={**AUTH_ERRORS, **NOT_FOUND},
    dependencies=[Depends(require_api_key)],
)
async def update_book(conn: Conn, book_id: BookId, body: BookIn) -> Book:
    book = await db.update_book(conn, book_id, body, updated_at=utc_now())
    if book is None:
        raise not_found(book_id)
    return book


@router.delete(
    "/books/{book_id}",
    operation_id="delete_book",
    tags=["books"],
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**AUTH_ERRORS, **NOT_FOUND},
    dependencies=[Depends(require_api_key)],
)
async def delete_book(conn: Conn, book_id: BookId) -> None:
    if not await db.delete_book(conn, book_id):
        raise not_found(book_id)


@router.post(
    "/books/{book_id}/cover",
    operation_id="upload_cover",
    tags=["books"],
    response_model=CoverUpload,
    responses=NOT_FOUND,
)
async def upload_cover(
    conn: Conn,
    book_id: BookId,
    file: UploadFile,
    caption: Annotated[str, Form(max_length=200)],
) -> CoverUpload:
    if await db.get_book(conn, book_id) is None:
        raise not_found(book_id)
    content = await file.read()
    return CoverUpload(
        book_id=book_id,
        filename=file.filename or "",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        caption=caption,
    )


@router.post(
    "/auth/token",
    operation_id="create_token",
    tags=["auth"],
    response_model=Token,
    responses={401: {"model": ErrorModel}},
)
async def create_token(
    username: Annotated[str, Form(min_length=1, examples=["reader"])],
    password: Annotated[str, Form(min_length=1, examples=["reader-pass"])],
) -> Token:
    account = ACCOUNTS.get(username)
    if account is None or account.password != password:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Incorrect username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return Token(access_token=account.token)


@router.get(
    "/me",
    operation_id="read_me",
    tags=["auth"],
    response_model=Profile,
    responses=AUTH_ERRORS,
)
async def read_me(user: Annotated[User, Depends(current_user)]) -> Profile:
    return Profile(**user.model_dump(), session_id=str(uuid.uuid4()))


@router.get(
    "/stats",
    operation_id="get_stats",
    tags=["system"],
    response_model=Stats,
)
async def get_stats(conn: Conn) -> Stats:
    counts, average = await db.stats(conn)
    return Stats(total=sum(counts.values()), counts=counts, average_price=average)


@router.get(
    "/health",
    operation_id="health",
    tags=["system"],
    response_model=Health,
)
async def health(response: Response) -> Health:
    request_id = str(uuid.uuid4())
    response.headers["X-Request-Id"] = request_id
    return Health(status="ok", time=utc_now(), request_id=request_id)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.db = await db.connect()
    try:
        yield
    finally:
        await app.state.db.close()


def create_app() -> FastAPI:
    """Build a new bookstore app with its own in-memory database."""
    app = FastAPI(title="Bookstore", version="1.0.0", lifespan=lifespan)
    app.include_router(router)
    return app


async def reset(app: FastAPI) -> None:
    """Restore the app's database to its seed state."""
    await db.reset(app.state.db)


async def books_table(app: FastAPI) -> dict[str, dict[str, Any]]:
    """The rows of the books table by id: contractsnap's state probe of the demo."""
    async with app.state.db.execute("SELECT * FROM books ORDER BY id") as cursor:
        return {str(row["id"]): dict(row) for row in await cursor.fetchall()}


app = create_app()
