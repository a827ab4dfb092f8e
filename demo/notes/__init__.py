"""A small notes API on PostgreSQL through asyncpg: the database recipe of the README."""

from .app import app, create_app, reset

__all__ = ["app", "create_app", "reset"]
