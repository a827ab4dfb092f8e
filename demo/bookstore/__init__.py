"""Bookstore: a small FastAPI + aiosqlite demo API used to exercise contractsnap."""

from __future__ import annotations

from bookstore.app import app, books_table, create_app, reset

__all__ = ["app", "books_table", "create_app", "reset"]
