"""Pydantic models for the bookstore API's requests and responses."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, Field


class Genre(str, Enum):
    fiction = "fiction"
    science = "science"
    history = "history"
    poetry = "poetry"


class ErrorModel(BaseModel):
    detail: str


class BookIn(BaseModel):
    title: Annotated[
        str, Field(min_length=1, max_length=200, examples=["The Left Hand of Darkness"])
    ]
    author: Annotated[str, Field(min_length=1, max_length=100, examples=["Ursula K. Le Guin"])]
    genre: Genre
    price: Annotated[float, Field(ge=0, le=1000, examples=[12.5])]
    tags: Annotated[list[str], Field(max_length=5, examples=[["classic"]])] = []
    published: date | None = None


class Book(BookIn):
    id: int
    public_id: str
    created_at: datetime
    updated_at: datetime | None = None


class BookPage(BaseModel):
    items: list[Book]
    total: int
    limit: int
    offset: int


class CoverUpload(BaseModel):
    book_id: int
    filename: str
    size: int
    sha256: str
    caption: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class User(BaseModel):
    username: str
    full_name: str
    email: str
    roles: list[str]


class Profile(User):
    session_id: str


class Stats(BaseModel):
    total: int
    counts: dict[Genre, int]
    average_price: float | None


class Health(BaseModel):
    status: str
    time: datetime
    request_id: str
