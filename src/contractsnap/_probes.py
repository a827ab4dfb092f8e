"""State probes: what a case changed in the app's data, stored beside its response.

A probe is a callable (usually ``async``) that takes the app and returns JSON-able state,
e.g. the rows of a table read through the app's own database session. The probes run
before and after each case; the snapshot holds only the difference (``change``), so state
that a case did not touch never appears in its file.

The difference of two values is, recursively:

- objects: ``{"added": {key: new}, "removed": {key: old}, "changed": {key: difference}}``
  (a probe that returns rows keyed by primary key shows an update as a change of a row);
- arrays: ``{"added": [...], "removed": [...]}``, compared as multisets of items (an
  updated row in a list shows as one removed and one added item);
- anything else: ``{"before": old, "after": new}``.

Empty parts are left out; equal values have no difference at all.
"""

from __future__ import annotations

import base64
import collections
import datetime
import decimal
import enum
import inspect
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import anyio

from ._canonical import JSON, canonical
from ._errors import ProbeError

#: A probe: called with the app, returns JSON-able state or an awaitable of it. The app is
#: whatever object the project runs (an ASGI app, typed loosely so that a probe may annotate
#: it as its own app class).
Probe = Callable[[Any], Awaitable[object] | object]


def _encode(value: object) -> object:  # noqa: PLR0911 - one return per kind of value
    """JSON for the values database rows are made of; ``TypeError`` for anything else."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        return {"$base64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(v) for v in value), key=canonical)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON-able")


def _plain(value: object) -> JSON:
    plain: JSON = json.loads(json.dumps(value, default=_encode, allow_nan=False))
    return plain


async def observe(
    probes: Mapping[str, Probe], app: object, where: str, timeout: float = 30.0
) -> dict[str, JSON]:
    """The current state each probe reports, as plain JSON; ``where`` is for error messages.

    Each probe has ``timeout`` seconds (the operation's `timeout`): one stuck on a lock
    fails the operation instead of hanging the run.
    """
    state: dict[str, JSON] = {}
    for name in sorted(probes):
        try:
            with anyio.fail_after(timeout):
                value = probes[name](app)
                if inspect.isawaitable(value):
                    value = await value
        except TimeoutError:
            raise ProbeError(
                f"probe {name!r} gave no state within {timeout:g} s ({where}); a probe must "
                "not wait for the case's own transaction or lock (the `timeout` setting)"
            ) from None
        except Exception as exc:
            raise ProbeError(
                f"probe {name!r} raised {type(exc).__name__}: {exc} ({where}); fix the probe, "
                "or remove it from `probes`/the contractsnap_probes fixture"
            ) from exc
        try:
            state[name] = _plain(value)
        except (TypeError, ValueError) as exc:
            raise ProbeError(
                f"probe {name!r} returned state that is not JSON-able: {exc} ({where}); "
                "return dicts, lists, strings, numbers, booleans, None, dates or UUIDs"
            ) from None
    return state


def change(before: JSON, after: JSON) -> JSON | None:
    """The difference between two states (see the module docstring), or None if equal."""
    if canonical(before) == canonical(after):  # exact: 1, 1.0 and true differ
        return None
    if isinstance(before, dict) and isinstance(after, dict):
        parts: dict[str, JSON] = {
            "added": {k: after[k] for k in sorted(after) if k not in before},
            "removed": {k: before[k] for k in sorted(before) if k not in after},
            "changed": {
                k: diff
                for k in sorted(before)
                if k in after and (diff := change(before[k], after[k])) is not None
            },
        }
        return {k: v for k, v in parts.items() if v} or None  # a reordering inside only
    if isinstance(before, list) and isinstance(after, list):
        parts_list: dict[str, JSON] = {
            "added": _extra(after, before),
            "removed": _extra(before, after),
        }
        return {k: v for k, v in parts_list.items() if v} or None  # a reordering only
    return {"before": before, "after": after}


def _extra(items: list[JSON], other: list[JSON]) -> list[JSON]:
    """Items of ``items`` beyond those in ``other`` (multiset difference), in canonical order."""
    available = collections.Counter(canonical(v) for v in other)
    out = []
    for value in items:
        key = canonical(value)
        if available[key]:
            available[key] -= 1
        else:
            out.append(value)
    return sorted(out, key=canonical)


def changes(before: Mapping[str, JSON], after: Mapping[str, JSON]) -> dict[str, JSON]:
    """Per probe, what changed; probes whose state did not change are left out."""
    return {
        name: diff
        for name in sorted(after)
        if (diff := change(before.get(name), after[name])) is not None
    }
