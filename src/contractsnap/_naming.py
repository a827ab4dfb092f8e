"""Snapshot file names: stable, readable, unique, safe on every OS.

``GET /books/{book_id}`` becomes ``GET_books_{book_id}``. When that spelling could be shared
with another path (an ``_`` or an unsafe character in the path, upper case outside a
parameter, a trailing slash, a reserved device name, a method that is not plain letters, ...)
a short hash of the exact label is appended, so the name of one operation never depends on
the others. Names are ASCII, at most 129 characters, and never leave the directory.
"""

from __future__ import annotations

import hashlib
import re

_SAFE_SEGMENT = re.compile(r"^(?:[a-z0-9.\-]|\{[A-Za-z0-9_.\-]+\})+$")
_UNSAFE = re.compile(r"[^A-Za-z0-9.{}_\-]")
_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
)
_HASHED = re.compile(r"-[0-9a-f]{8}$")
_MAX_STEM = 120


def file_stem(method: str, path: str) -> str:
    """The snapshot file name (without ``.json``) for an operation."""
    verb = method.upper()
    spelled = _UNSAFE.sub("-", verb).strip(".-") or "OP"
    segments = path.split("/")[1:] if path.startswith("/") else path.split("/")
    lossless = (
        path.startswith("/")
        and all(_SAFE_SEGMENT.match(s) and not s.startswith(".") for s in segments if s)
        and ("" not in segments or path == "/")
    )
    joined = _UNSAFE.sub("-", "_".join(segments)) if path != "/" else ""
    readable = joined.strip(".-")
    if readable != joined or _HASHED.search(readable):
        lossless = False  # stripped characters, or a name that could be another path's hash
    if not (verb.isascii() and verb.isalpha()) or spelled.lower() in _RESERVED:
        lossless = False  # methods come from the schema's keys: anything could be there
    stem = f"{spelled}_{readable}" if readable else spelled
    first = stem.split(".")[0].split("_")[-1].lower()
    if first in _RESERVED or any(s.split(".")[0].lower() in _RESERVED for s in segments):
        lossless = False
    if not lossless or len(stem) > _MAX_STEM:
        label = f"{verb} {path}".encode("utf-8", "surrogatepass")  # a lone surrogate too
        digest = hashlib.sha256(label).hexdigest()[:8]
        stem = f"{stem[:_MAX_STEM]}-{digest}"
    return stem
