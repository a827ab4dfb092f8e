"""SQLite storage for the bookstore, accessed through aiosqlite."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import aiosqlite

from bookstore.models import Book, BookIn, Genre

SCHEMA = """
CREATE TABLE books (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    author TEXT NOT NULL,
    genre TEXT NOT NULL,
    price REAL NOT NULL,
    tags TEXT NOT NULL,
    published TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT
);
"""

SEED_BOOKS: list[dict[str, Any]] = [
    {
        "public_id": "0b7e4c1a-3f2d-4a8e-9c61-5d2f8a1b7e01",
        "title": "Dune",
        "author": "Frank Herbert",
        "genre": "fiction",
        "price": 9.99,
        "tags": ["classic", "space"],
        "published": "1965-08-01",
        "created_at": "2024-01-15T10:30:00Z",
    },
    {
        "public_id": "1c8f5d2b-4a3e-4b9f-8d72-6e3a9b2c8f02",
        "title": "A Brief History of Time",
        "author": "Stephen Hawking",
        "genre": "science",
        "price": 15.5,
        "tags": ["cosmology"],
        "published": "1988-04-01",
        "created_at": "2024-01-16T09:00:00Z",
    },
    {
        "public_id": "2d9a6e3c-5b4f-4ca0-9e83-7f4bac3d9a03",
        "title": "The Guns of August",
        "author": "Barbara W. Tuchman",
        "genre": "history",
        "price": 18.0,
        "tags": ["war", "europe"],
        "published": "1962-01-01",
        "created_at": "2024-02-01T14:45:00Z",
    },
    {
        "public_id": "3eab7f4d-6c5a-4db1-8f94-8a5cbd4eab04",
        "title": "Leaves of Grass",
        "author": "Walt Whitman",
        "genre": "poetry",
        "price": 7.25,
        "tags": [],
        "published": None,
        "created_at": "2024-02-10T08:15:00Z",
    },
    {
        "public_id": "4fbc8a5e-7d6b-4ec2-9a05-9b6dce5fbc05",
        "title": "The Dispossessed",
        "author": "Ursula K. Le Guin",
        "genre": "fiction",
        "price": 11.0,
        "tags": ["classic", "utopia", "space"],
        "published": "1974-05-01",
        "created_at": "2024-03-05T17:20:00Z",
    },
    {
        "public_id": "5acd9b6f-8e7c-4fd3-8b16-ac7edf6acd06",
        "title": "The Double Helix",
        "author": "James D. Watson",
        "genre": "science",
        "price": 13.75,
        "tags": ["biology", "memoir"],
        "published": "1968-02-01",
        "created_at": "2024-03-20T11:00:00Z",
    },
]

COLUMNS = "id, public_id, title, author, genre, price, tags, published, created_at, updated_at"


async def connect() -> aiosqlite.Connection:
    """Open an in-memory database with the schema and seed data."""
    conn = await aiosqlite.connect(":memory:")
    conn.row_factory = aiosqlite.Row
    await conn.executescript(SCHEMA)
    await seed(conn)
    return conn


async def seed(conn: aiosqlite.Connection) -> None:
    await conn.executemany(
        "INSERT INTO books (public_id, title, author, genre, price, tags, published,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                b["public_id"],
                b["title"],
                b["author"],
                b["genre"],
                b["price"],
                json.dumps(b["tags"]),
                b["published"],
                b["created_at"],
            )
            for b in SEED_BOOKS
        ],
    )
    await conn.commit()


async def reset(conn: aiosqlite.Connection) -> None:
    """Delete every row, restart the id counter and re-insert the seed data."""
    await conn.execute("DELETE FROM books")
    await conn.execute("DELETE FROM sqlite_sequence WHERE name = 'books'")
    await seed(conn)


def _to_book(row: aiosqlite.Row) -> Book:
    data = dict(row)
    data["tags"] = json.loads(data["tags"])
    return Book.model_validate(data)


async def list_books(
    conn: aiosqlite.Connection,
    *,
    author: str | None,
    genre: Genre | None,
    min_price: float | None,
    max_price: float | None,
    limit: int,
    offset: int,
) -> tuple[list[Book], int]:
    clauses: list[str] = []
    params: list[Any] = []
    if author is not None:
        clauses.append("author LIKE ?")
        params.append(f"%{author}%")
    if genre is not None:
        clauses.append("genre = ?")
        params.append(genre.value)
    if min_price is not None:
        clauses.append("price >= ?")
        params.append(min_price)
    if max_price is not None:
        clauses.append("price <= ?")
        params.append(max_price)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    async with conn.execute(f"SELECT COUNT(*) FROM books{where}", params) as cur:
        row = await cur.fetchone()
    total = row[0] if row is not None else 0
    async with conn.execute(
        f"SELECT {COLUMNS} FROM books{where} ORDER BY id LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ) as cur:
        rows = await cur.fetchall()
    return [_to_book(row) for row in rows], total


async def get_book(conn: aiosqlite.Connection, book_id: int) -> Book | None:
    async with conn.execute(f"SELECT {COLUMNS} FROM books WHERE id = ?", (book_id,)) as cur:
        row = await cur.fetchone()
    return _to_book(row) if row is not None else None


async def insert_book(
    conn: aiosqlite.Connection, book: BookIn, *, public_id: str, created_at: datetime
) -> Book:
    cur = await conn.execute(
        "INSERT INTO books (public_id, title, author, genre, price, tags, published,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            public_id,
            book.title,
            book.author,
            book.genre.value,
            book.price,
            json.dumps(book.tags),
            book.published.isoformat() if book.published else None,
            created_at.isoformat(),
        ),
    )
    await conn.commit()
    book_id = cur.lastrowid
    assert book_id is not None
    created = await get_book(conn, book_id)
    assert created is not None
    return created


async def update_book(
    conn: aiosqlite.Connection, book_id: int, book: BookIn, *, updated_at: datetime
) -> Book | None:
    cur = await conn.execute(
        "UPDATE books SET title = ?, author = ?, genre = ?, price = ?, tags = ?,"
        " published = ?, updated_at = ? WHERE id = ?",
        (
            book.title,
            book.author,
            book.genre.value,
            book.price,
            json.dumps(book.tags),
            book.published.isoformat() if book.published else None,
            updated_at.isoformat(),
            book_id,
        ),
    )
    await conn.commit()
    if cur.rowcount == 0:
        return None
    return await get_book(conn, book_id)


async def delete_book(conn: aiosqlite.Connection, book_id: int) -> bool:
    cur = await conn.execute("DELETE FROM books WHERE id = ?", (book_id,))
    await conn.commit()
    return cur.rowcount > 0


async def stats(conn: aiosqlite.Connection) -> tuple[dict[Genre, int], float | None]:
    counts = {genre: 0 for genre in Genre}
    async with conn.execute(
        "SELECT genre, COUNT(*) FROM books GROUP BY genre ORDER BY genre"
    ) as cur:
        async for genre, count in cur:
            counts[Genre(genre)] = count
    async with conn.execute("SELECT AVG(price) FROM books") as cur:
        row = await cur.fetchone()
    average = row[0] if row is not None else None
    return counts, None if average is None else round(average, 2)
