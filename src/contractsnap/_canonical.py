"""Canonical JSON: the exact texts that ids, fingerprints and snapshot files are made of.

Each form is spelled once, here, because changing one byte of it changes case ids, makes
every snapshot stale or rewrites every committed file.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Mapping
from typing import TypeAlias, overload

#: A JSON value, as ``json.loads`` returns it.
JSON: TypeAlias = dict[str, "JSON"] | list["JSON"] | str | int | float | bool | None
#: What ``decode_value`` makes of JSON: JSON, with the bytes ``encode_value`` spelled out.
Decoded: TypeAlias = (
    dict[str, "Decoded"] | list["Decoded"] | str | int | float | bool | bytes | None
)

#: The keys of the objects ``encode_value`` uses for what JSON cannot hold.
_MARKERS = frozenset({"$base64", "$float", "$repr", "$object"})
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def canonical(value: object) -> str:
    """Compact JSON with sorted keys, non-ASCII text as it is: what a case or step id is
    hashed from, and how two values are compared exactly (``1``, ``1.0`` and ``true`` differ).
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def short_id(value: object) -> str:
    """Eight hex digits of the sha256 of ``canonical``: the id of a stored case or step."""
    return hashlib.sha256(canonical(value).encode()).hexdigest()[:8]


def digest(value: object) -> str:
    """The sha256 (hex) of compact, sorted, ASCII JSON, other values written as ``str()``:
    what an operation's or a scenario's fingerprint is cut from."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def canonical_leaf(value: object) -> str:
    """A text stays itself, any other value is its sorted JSON: the key a placeholder is
    given under, so the same value always gets the same one."""
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def indented(value: object) -> str:
    """Sorted keys, two-space indentation, non-ASCII text as it is: how a snapshot file lays
    out a value (a diff of two values shows them so)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def short(value: object, width: int = 60) -> str:
    """A value's JSON, cut to ``width`` characters: how a message quotes one."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def dumps(document: object) -> str:
    """The exact text of a snapshot file: ``indented``, with a final newline.

    A lone surrogate (an app may send ``"\\ud800"`` in its JSON) cannot be written as UTF-8;
    it stays escaped, as the app sent it, so the text still parses back to the same value.
    Non-finite numbers are refused (``ValueError``): they are not JSON.
    """
    text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


@overload
def encode_value(value: Mapping[str, object]) -> dict[str, JSON]: ...
@overload
def encode_value(value: object) -> JSON: ...
def encode_value(value: object) -> JSON:
    """Make a generated value JSON-safe without losing it (bytes, non-finite floats)."""
    if isinstance(value, bytes):
        return {"$base64": base64.b64encode(value).decode()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, Mapping):
        encoded: dict[str, JSON] = {str(k): encode_value(v) for k, v in value.items()}
        # A real object that looks like one of the markers is wrapped, so it decodes as itself.
        return {"$object": encoded} if len(encoded) == 1 and set(encoded) <= _MARKERS else encoded
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return {"$repr": repr(value)}


@overload
def decode_value(value: JSON) -> Decoded: ...
@overload
def decode_value(value: object) -> object: ...
def decode_value(value: object) -> object:
    """The inverse of ``encode_value``."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            if "$base64" in value:
                return base64.b64decode(value["$base64"])
            if "$float" in value:
                return float(value["$float"])
            if "$object" in value and isinstance(value["$object"], Mapping):
                return {k: decode_value(v) for k, v in value["$object"].items()}
        return {k: decode_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode_value(v) for v in value]
    return value
