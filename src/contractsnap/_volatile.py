"""What a volatile value looks like: a JSON Web Token, epoch seconds or a timestamp of now,
a directory of this machine. Recognisers only; ``_normalize`` decides what to do with them.
"""

from __future__ import annotations

import base64
import datetime
import functools
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping

#: A JSON Web Token: two base64url JSON objects (``{"`` is ``eyJ``) and a signature.
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")

#: Epoch seconds (or milliseconds) written in text, as a whole number.
EPOCH_TEXT = re.compile(r"(?<![\d.])\d{10}(?:\d{3})?(?![\d.])")
#: Epoch seconds (or milliseconds) within this many seconds of now are a clock reading.
_EPOCH_WINDOW = 400 * 24 * 3600
#: An ISO timestamp within this many seconds of now was read from the clock (a day either
#: side covers a local time without its offset).
_NOW_WINDOW = 26 * 3600
#: The claims of a JWT that hold a time.
TIME_CLAIMS = ("iat", "exp", "nbf", "auth_time")


def machine_paths() -> tuple[tuple[str, str], ...]:
    """The absolute paths that name this machine's directories (as given and resolved) with
    their placeholders: the current directory ``<cwd>``, the temp dir ``<tmp>``, the home
    folder ``<home>``, the interpreter's prefix ``<python>``. Longest first."""
    return _machine_paths(os.getcwd())


@functools.cache
def _machine_paths(cwd: str) -> tuple[tuple[str, str], ...]:
    found: dict[str, str] = {}
    home = os.path.expanduser("~")
    places = [("cwd", cwd), ("tmp", tempfile.gettempdir()), ("home", home)]
    # A virtual environment, or an interpreter in the home folder (pyenv), is this
    # machine's; a system one (``/usr``) has the same path everywhere, and is left alone.
    places += [
        ("python", prefix)
        for prefix in dict.fromkeys((sys.prefix, sys.base_prefix))
        if prefix != sys.base_prefix or prefix.startswith(home + os.sep)
    ]
    for place, where in places:
        for given in (where, os.path.realpath(where)):
            spelling = given.rstrip("/\\")
            if len(spelling) > 2 and os.path.isabs(spelling):
                found.setdefault(spelling, f"<{place}>")
    return tuple(sorted(found.items(), key=lambda item: (-len(item[0]), item[0])))


def placeholders() -> Callable[[str], str]:
    """A function that puts the placeholders of ``machine_paths`` in a text (built once
    per current directory: a redaction calls it on every text of a response)."""
    pattern, places = _placeholders(machine_paths())
    return functools.partial(pattern.sub, lambda match: places[match.group(0)])


@functools.cache
def _placeholders(
    paths: tuple[tuple[str, str], ...],
) -> tuple[re.Pattern[str], Mapping[str, str]]:
    spellings = "|".join(re.escape(path) for path, _ in paths)
    # A whole directory name only: ``/root`` is not in ``/rootfs``.
    pattern = re.compile(f"(?:{spellings})(?![\\w.-])" if spellings else r"(?!x)x")
    return pattern, dict(paths)


def _b64json(part: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except ValueError:
        return None


def jwt_claims(token: str) -> Mapping[str, object] | None:
    """The claims of a JSON Web Token (its header names an ``alg``); None if it is not one."""
    header, _, rest = token.partition(".")
    decoded = _b64json(header)
    if not isinstance(decoded, Mapping) or "alg" not in decoded:
        return None
    claims = _b64json(rest.partition(".")[0])
    return claims if isinstance(claims, Mapping) else {}


def epoch_now(value: object, now: float | None = None) -> bool:
    """Whether ``value`` is an integer of epoch seconds (or milliseconds) near now."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    now = time.time() if now is None else now
    return abs(value - now) < _EPOCH_WINDOW or abs(value / 1000 - now) < _EPOCH_WINDOW


def timestamp_now(text: str, now: float) -> bool:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return abs(moment.timestamp() - now) < _NOW_WINDOW
