"""Response normalisation and redaction.

A response becomes a plain, sorted, JSON-safe dict: the status, the allowlisted headers and
the body (parsed JSON, text, or length + sha256 for binary and oversized bodies). Then
redaction replaces what must not be committed or would flake:

1. secrets: every credential value the tool sent, wherever it comes back and in whatever
   spelling (inside longer text, percent-encoded, base64, JSON- or HTML-escaped, as an
   object key), and the values of credential headers such as Set-Cookie, become
   ``<secret:N>``;
2. ``$``-path selectors from ``redact`` replace whole values: ``<redacted:N>`` (and the same
   text where it is echoed elsewhere in the response, e.g. in a ``Location`` header);
3. value detectors from ``redact`` (``uuid``, ``timestamp``, ``date``) replace matching text
   anywhere in the body and headers: ``<uuid:N>``, ``<timestamp:N>``, ``<date:N>``;
4. the lists that ``unordered`` selects are sorted, their order being the app's hash seed's.

The OpenAPI document goes through the same steps (``document``), with its own rules.

Placeholders are correlated within a case: the same value gets the same token, so the id in
the body and the one in the ``Location`` header stay visibly the same.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import html
import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from ._canonical import JSON, canonical, canonical_leaf, encode_value
from ._selectors import JsonPath, PathSelector, compile_selector, path_matches, path_to_selector
from ._volatile import (
    EPOCH_TEXT,
    JWT,
    TIME_CLAIMS,
    epoch_now,
    jwt_claims,
    placeholders,
    timestamp_now,
)

#: Response headers kept by default; ``headers`` in the settings adds more.
DEFAULT_HEADERS = (
    "allow",
    "content-disposition",
    "content-range",
    "content-type",
    "location",
    "retry-after",
    "www-authenticate",
)

#: uuid4().hex: 32 hex digits, the version and variant digits where a uuid4 has them. The
#: ``uuid`` detector knows it in the current format (``Rules.current``).
_UUID_HEX = re.compile(r"\b[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}\b")

_DETECTORS: dict[str, re.Pattern[str]] = {
    "jwt": JWT,
    "uuid": re.compile(
        r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"
    ),
    "timestamp": re.compile(
        r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
    ),
    "date": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
}

#: A value redacted by path is also replaced where it is echoed, if it is at least this long
#: (shorter values, such as an id of 7, would match unrelated text).
_MIN_ECHO = 6
#: Shorter credentials (and spellings of them) would match unrelated text everywhere.
_MIN_SECRET = 4


# -- bodies ----------------------------------------------------------------------------------


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _is_text(content_type: str) -> bool:
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    return (
        media.startswith("text/")
        or media.endswith(("+xml", "/xml", "/javascript", "/x-www-form-urlencoded"))
        or not media
    )


def body_fields(
    content: bytes, content_type: str, max_size: int, *, truncated: bool = False
) -> dict[str, JSON]:
    """The body part of a normalised response: ``body``, ``text`` or ``binary``.

    A ``truncated`` body (the first bytes of a longer or endless one) is never parsed as
    JSON and is marked ``"truncated": true``.
    """
    if not content:
        return {"truncated": True} if truncated else {}
    if truncated:
        # Part of a JSON document does not parse: shown as text, like any other text.
        textual = _is_json(content_type) or _is_text(content_type)
        media = "text/plain" if textual else "application/octet-stream"
        return {**body_fields(content, media, max_size), "truncated": True}
    digest: JSON = {"length": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    if len(content) > max_size:
        return {"binary": digest}
    if _is_json(content_type):
        try:
            return {"body": encode_value(json.loads(content))}
        except ValueError:
            pass  # declared JSON but is not: shown as text below, the content-type check fails
    try:
        text: str | None = content.decode("utf-8")
    except UnicodeDecodeError:
        text = None  # invalid UTF-8, whatever the declared type: binary
    if text is not None and (_is_json(content_type) or _is_text(content_type)):
        return {"text": text}
    return {"binary": digest}


# -- redaction -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Rules:
    """What to redact in the responses of one suite."""

    detectors: tuple[str, ...] = ()
    selectors: tuple[PathSelector, ...] = ()
    secret_headers: frozenset[str] = frozenset()
    secret_values: tuple[str, ...] = ()
    #: Lists whose order carries no meaning: sorted (see ``sort_unordered``).
    unordered: tuple[PathSelector, ...] = ()
    #: The current format's normalisation (``contractsnap/2``): this machine's directories
    #: become placeholders (``_volatile.machine_paths``) and ``uuid`` knows uuid4().hex.
    #: False for a file of an older format, replayed as it was recorded, and for the
    #: OpenAPI document.
    current: bool = False

    @classmethod
    def from_settings(
        cls,
        redact: Iterable[str],
        secret_headers: Iterable[str] = (),
        secret_values: Iterable[str] = (),
        unordered: Iterable[str] = (),
        *,
        current: bool = False,
    ) -> Rules:
        rules = tuple(redact)
        return cls(
            detectors=tuple(r for r in rules if not r.startswith("$")),
            selectors=tuple(compile_selector(r) for r in rules if r.startswith("$")),
            unordered=tuple(compile_selector(r, whole=True) for r in unordered),
            current=current,
            secret_headers=frozenset(h.lower() for h in secret_headers),
            # Longest first, so a secret that contains another is replaced whole.
            secret_values=tuple(
                sorted(
                    {v for v in secret_values if len(v) >= _MIN_SECRET}, key=lambda v: (-len(v), v)
                )
            ),
        )


def _spellings(secret: str) -> list[str]:
    """The forms in which an app may echo a credential it received.

    As sent, trimmed or percent-decoded (a cookie value); and each of those percent-encoded
    (as a path or a query value, either hex case), in base64 (standard or URL-safe, padded
    or not), or escaped in JSON or HTML text.
    """
    forms: list[str] = []
    for base in dict.fromkeys([secret, secret.strip(), unquote(secret), unquote_plus(secret)]):
        forms.append(base)
        lenient = "surrogatepass"  # any str can be spelled, even one with a lone surrogate
        forms += [
            quote(base, safe="", errors=lenient),
            quote(base, errors=lenient),
            quote_plus(base, safe="", errors=lenient),
        ]
        raw = base.encode("utf-8", "surrogatepass")
        for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            forms += [b64.decode(), b64.decode().rstrip("=")]
        escaped = json.dumps(base)[1:-1]
        forms += [
            escaped,
            json.dumps(escaped)[1:-1],  # a JSON document quoted in another one
            json.dumps(base, ensure_ascii=False)[1:-1],
            html.escape(base),
            html.escape(base, quote=False),
        ]
    return forms


_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


def _fold(text: str) -> str:
    """Percent-escapes in one case (``%2f`` is ``%2F``); the length stays the same."""
    return _ESCAPE.sub(lambda m: m.group(0).upper(), text) if "%" in text else text


@functools.lru_cache(maxsize=32)
def _secret_forms(secrets: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """Every spelling of every secret (escapes folded), longest first: (spelling, secret)."""
    found: dict[str, str] = {}
    for secret in secrets:
        for form in _spellings(secret):
            if len(form) >= _MIN_SECRET:
                found.setdefault(_fold(form), secret)
    return tuple(sorted(found.items(), key=lambda item: (-len(item[0]), item[0])))


def _hide_secrets(text: str, forms: Sequence[tuple[str, str]], tokens: Tokens) -> str:
    """``text`` with every occurrence of a secret's spelling replaced by its placeholder.

    All occurrences are found in the original text first, so a placeholder is never searched
    again and overlapping secrets are replaced as one run (nothing of either is left).
    """
    if not forms:
        return text
    spans: list[tuple[int, int, str]] = []
    folded = _fold(text)  # the spellings are folded too: any case of escapes is found
    for form, secret in forms:
        start = folded.find(form)
        while start != -1:
            spans.append((start, start + len(form), secret))
            start = folded.find(form, start + 1)
    if not spans:
        return text
    spans.sort(key=lambda span: (span[0], span[0] - span[1]))
    runs: list[tuple[int, int, str | None]] = []  # the secret when the run is exactly one
    for start, end, secret in spans:
        if runs and start < runs[-1][1]:
            if end > runs[-1][1]:
                runs[-1] = (runs[-1][0], end, None)
            continue
        runs.append((start, end, secret))
    out, pos = [], 0
    for start, end, one in runs:
        out += [text[pos:start], tokens("secret", one if one else text[start:end])]
        pos = end
    out.append(text[pos:])
    return "".join(out)


class Tokens:
    """Correlated placeholders: one counter per kind, one token per distinct value."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}
        #: Text values a ``$``-selector hid, by their token: their repeats elsewhere (in a
        #: header, a state change, a later step) are hidden too.
        self.echoes: dict[str, str] = {}

    def __call__(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._tokens:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._tokens[key] = f"<{kind}:{self._counts[kind]}>"
        return self._tokens[key]

    def known(self, kind: str, value: str) -> str | None:
        """The token ``value`` got already, if it got one."""
        return self._tokens.get((kind, value))


#: What ``_walk`` applies to a value at a path: the value to put in its place.
_Visit = Callable[[JSON, JsonPath], JSON]


def _walk(
    value: JSON,
    path: JsonPath,
    fn: _Visit,
    *,
    nodes: bool = False,
    keys: Callable[[str], str] | None = None,
) -> JSON:
    """Rebuild ``value`` in sorted-key order, applying ``fn`` to every leaf.

    With ``nodes``, ``fn`` sees objects and arrays too, before their contents; when it
    returns something else, that replaces the whole subtree. ``keys`` rewrites object keys.
    """
    if nodes and isinstance(value, (Mapping, list)):
        replaced = fn(value, path)
        if replaced is not value:
            return replaced
    if isinstance(value, Mapping):
        return {
            (keys(k) if keys else k): _walk(value[k], (*path, k), fn, nodes=nodes, keys=keys)
            for k in sorted(value)
        }
    if isinstance(value, list):
        return [_walk(v, (*path, i), fn, nodes=nodes, keys=keys) for i, v in enumerate(value)]
    return fn(value, path)


def redact(
    response: Mapping[str, JSON], rules: Rules, tokens: Tokens | None = None
) -> dict[str, JSON]:
    """A copy of a normalised response with secrets and volatile values replaced.

    ``tokens`` shares the placeholders with other responses (the steps of a scenario);
    a ``carried`` part (a scenario's carried values) is redacted like a state change.
    """
    tokens = Tokens() if tokens is None else tokens
    out = dict(response)
    parts = [key for key in ("body", "text", "state", "carried") if key in out]

    forms = _secret_forms(rules.secret_values)
    machine = placeholders() if rules.current else None

    def hide(text: str) -> str:
        return _hide_secrets(text, forms, tokens)

    def secrets(value: JSON, _path: JsonPath) -> JSON:
        return hide(value) if isinstance(value, str) else value

    redacted = tokens.echoes

    def selected(value: JSON, path: JsonPath) -> JSON:
        if any(path_matches(steps, path) for steps in rules.selectors):
            token = tokens("redacted", canonical_leaf(value))
            if isinstance(value, str) and len(value) >= _MIN_ECHO:
                redacted[value] = token
            return token
        return value

    def detected(value: JSON, _path: JsonPath) -> JSON:
        if isinstance(value, str):
            for original, token in sorted(redacted.items(), key=lambda kv: -len(kv[0])):
                value = value.replace(original, token)
            for name, pattern in _DETECTORS.items():  # a timestamp before the date inside it
                if name in rules.detectors:
                    value = pattern.sub(_replacer(tokens, name), value)
                    if name == "uuid" and rules.current:
                        value = _UUID_HEX.sub(_replacer(tokens, name), value)
            if "epoch" in rules.detectors:  # in text too: an ETag, a cache key
                value = EPOCH_TEXT.sub(
                    lambda m: tokens("epoch", m[0]) if epoch_now(int(m[0])) else m[0], value
                )
            if machine is not None:
                value = machine(value)
        elif "epoch" in rules.detectors and epoch_now(value):
            return tokens("epoch", canonical_leaf(value))
        return value

    kept = out.get("headers")
    named = dict(kept) if isinstance(kept, Mapping) else {}
    for name in sorted(named):
        if name in rules.secret_headers:
            named[name] = tokens("secret", canonical_leaf(named[name]))
    headers: JSON = named
    # A walk that cannot change anything is skipped: no secret to hide, no selector. (Every
    # walk rebuilds objects in sorted-key order; so does every serialisation of the result.)
    steps = [step for step, needed in ((secrets, forms), (selected, rules.selectors)) if needed]
    for step in (*steps, detected):
        # An app may echo a credential as an object key too (a dict of received headers).
        keys = hide if step is secrets else None
        for part in parts:
            if step is selected and part != "body":
                continue
            out[part] = _walk(out[part], (), step, nodes=step is selected, keys=keys)
        if step is not selected:
            headers = _walk(headers, (), step, keys=keys)
    if headers:
        out["headers"] = headers
    if rules.unordered and "body" in out:
        out["body"] = sort_unordered(out["body"], rules.unordered)
    return out


def quoted(text: str, rules: Rules, tokens: Tokens) -> str:
    """A message that quotes a response (a check's failure), with what the response's
    redaction hides hidden in it too: secrets, detected values, and the values ``tokens``
    saw a selector hide. Its own placeholders are numbered apart, so a message never
    renumbers those of a stored response."""
    own = Tokens()
    own.echoes.update(tokens.echoes)
    hidden = redact({"text": text}, rules, own)["text"]
    return hidden if isinstance(hidden, str) else text


def document(value: JSON, rules: Rules) -> JSON:
    """An OpenAPI document with its volatile values redacted and its unordered lists
    sorted, as a response body would be: what is fingerprinted, stored and compared."""
    if not (rules.detectors or rules.selectors or rules.unordered):
        return value
    return redact({"body": value}, rules)["body"]


#: A placeholder's number, left out when unordered lists are sorted: two runs may number
#: the same values in another order.
_TOKEN_NUMBER = re.compile(r"<([a-z_]+):\d+>")


def _order_key(value: JSON) -> str:
    return _TOKEN_NUMBER.sub(r"<\1>", canonical(value))


def sort_unordered(value: JSON, selectors: Sequence[PathSelector], path: JsonPath = ()) -> JSON:
    """``value`` with every list that ``selectors`` select sorted by its items' canonical
    JSON (items that differ only in a placeholder's number keep their order)."""
    if isinstance(value, Mapping):
        return {k: sort_unordered(v, selectors, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        items = [sort_unordered(v, selectors, (*path, i)) for i, v in enumerate(value)]
        if any(path_matches(steps, path) for steps in selectors):
            items.sort(key=_order_key)
        return items
    return value


def reordered(a: JSON, b: JSON) -> list[JsonPath] | None:
    """The lists that hold the same items in another order, if that is the only way two
    values differ (None otherwise, and when they are equal)."""
    changed, lists = split_differences(a, b)
    return lists if lists and not changed else None


def split_differences(
    a: JSON, b: JSON, path: JsonPath = ()
) -> tuple[list[tuple[JsonPath, JSON, JSON]], list[JsonPath]]:
    """How two values differ: the leaves that changed (as ``differences``) and, apart, the
    lists that hold the same items in another order."""
    changed: list[tuple[JsonPath, JSON, JSON]] = []
    lists: list[JsonPath] = []
    _split(a, b, path, changed, lists)
    return changed, lists


def _split(
    a: object,
    b: object,
    path: JsonPath,
    changed: list[tuple[JsonPath, JSON, JSON]],
    lists: list[JsonPath],
) -> None:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        missing = object()
        for key in sorted(set(a) | set(b)):
            _split(a.get(key, missing), b.get(key, missing), (*path, key), changed, lists)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        if a != b and sorted(map(canonical, a)) == sorted(map(canonical, b)):
            lists.append(path)
        else:
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                _split(x, y, (*path, i), changed, lists)
    elif not (type(a) is type(b) and a == b):
        changed.append((path, _shown(a), _shown(b)))


def _replacer(tokens: Tokens, kind: str) -> Callable[[re.Match[str]], str]:
    if kind == "jwt":  # only what decodes as one
        return lambda m: tokens(kind, m.group(0)) if jwt_claims(m.group(0)) is not None else m[0]
    return lambda match: tokens(kind, match.group(0))


def _where(path: JsonPath) -> str:
    """A place in a normalised response, as messages name it."""
    if path[:1] == ("body",):
        return path_to_selector(path[1:], generalise=False)
    return ".".join(str(p) for p in path)


def clock_readings(
    response: Mapping[str, JSON], now: float | None = None
) -> list[tuple[str, str, str]]:
    """The values of a response read from the clock, which two sends within one second
    share and the next run does not: (detector, where, what it is). A JWT with a time claim,
    epoch seconds near now, an ISO timestamp of now."""
    now = time.time() if now is None else now
    found: list[tuple[str, str, str]] = []

    def look(value: JSON, path: JsonPath) -> JSON:
        where = _where(path)
        if epoch_now(value, now):
            found.append(("epoch", where, f"epoch seconds of now ({value})"))
        elif isinstance(value, str):
            for match in JWT.finditer(value):
                claims = jwt_claims(match.group(0)) or {}
                timed = [c for c in TIME_CLAIMS if epoch_now(claims.get(c), now)]
                if timed:
                    found.append(("jwt", where, f"a JWT whose {', '.join(timed)} hold the time"))
                    return value
            stamp = _DETECTORS["timestamp"].search(value)
            if stamp and timestamp_now(stamp.group(0), now):
                found.append(("timestamp", where, f"a timestamp of now ({stamp.group(0)})"))
            else:
                second = next(
                    (m[0] for m in EPOCH_TEXT.finditer(value) if epoch_now(int(m[0]), now)), None
                )
                if second:
                    found.append(("epoch", where, f"epoch seconds of now ({second})"))
        return value

    _walk({k: response[k] for k in ("body", "headers", "text") if k in response}, (), look)
    return found


def volatile_looking(
    response: Mapping[str, JSON], configured: Iterable[str]
) -> tuple[str, str, str] | None:
    """The first value that a detector not in ``configured`` would match, if any:
    (detector, where, value)."""
    active = [name for name in ("uuid", "timestamp") if name not in set(configured)]
    found: list[tuple[str, str, str]] = []

    def look(value: JSON, path: JsonPath) -> JSON:
        if isinstance(value, str) and not found:
            for name in active:
                if _DETECTORS[name].search(value):
                    found.append((name, _where(path), value))
                    break
        return value

    _walk({k: response[k] for k in ("body", "headers", "text") if k in response}, (), look)
    return found[0] if found else None


# -- differences -----------------------------------------------------------------------------


def differences(a: object, b: object, path: JsonPath = ()) -> list[tuple[JsonPath, JSON, JSON]]:
    """Every leaf path where two JSON values differ, in a stable order."""
    return [(p, _shown(x), _shown(y)) for p, x, y in _differences(a, b, path)]


def _differences(a: object, b: object, path: JsonPath) -> list[tuple[JsonPath, object, object]]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        found: list[tuple[JsonPath, object, object]] = []
        for key in sorted(set(a) | set(b)):
            missing = object()
            found += _differences(a.get(key, missing), b.get(key, missing), (*path, key))
        return [(p, _shown(x), _shown(y)) for p, x, y in found]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        found = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found += _differences(x, y, (*path, i))
        return found
    same = type(a) is type(b) and a == b
    return [] if same else [(path, a, b)]


def _shown(value: object) -> JSON:
    """A value as shown in a difference; a missing key shows as ``<absent>``."""
    if isinstance(value, (str, int, float, bool, list, dict, type(None))):
        return value
    return "<absent>"


def only_growth(changed: Iterable[tuple[JsonPath, object, object]]) -> bool:
    """Whether every difference is what kept state does between two passes or runs: an
    integer that got larger (the next id), a list that got longer (the rows of the first
    pass too). A value that changes otherwise, or gets smaller, is something else; so is a
    status (200 then 201 is a changed answer, not a counter)."""
    found = False
    for path, old, new in changed:
        if path == ("status",) or not (_larger(old, new) or _longer(old, new)):
            return False
        found = True
    return found


def _larger(old: object, new: object) -> bool:
    return (
        isinstance(old, int)
        and isinstance(new, int)
        and not isinstance(old, bool)
        and not isinstance(new, bool)
        and new > old
    )


def _longer(old: object, new: object) -> bool:
    return isinstance(old, list) and isinstance(new, list) and len(new) > len(old)


def _detector_of(a: object, b: object) -> str | None:
    """The detector that matches both values of a difference, if one does."""
    if epoch_now(a) and epoch_now(b):
        return "epoch"
    if not (isinstance(a, str) and isinstance(b, str)):
        return None
    for name, pattern in _DETECTORS.items():
        found = [pattern.search(v) for v in (a, b)]
        if all(found) and (name != "jwt" or all(jwt_claims(m[0]) is not None for m in found if m)):
            return name
    if all(_UUID_HEX.search(v) for v in (a, b)):
        return "uuid"
    return None


def volatile_kinds(changed: Iterable[tuple[JsonPath, object, object]]) -> list[str] | None:
    """The detectors that match both sides of every difference (None if one is not a
    volatile value: a JWT, a uuid, a timestamp, epoch seconds of now...)."""
    kinds: list[str] = []
    for _, a, b in changed:
        kind = _detector_of(a, b)
        if kind is None:
            return None
        kinds.append(kind)
    return list(dict.fromkeys(kinds)) or None


def suggest_rules(changed: Iterable[tuple[JsonPath, object, object]]) -> list[str]:
    """``redact`` rules that would hide the given differences of a response body.

    A detector where both values match one, else a selector of the path; nothing for a
    difference no rule can hide (the whole body, or a text body without known values).
    """
    rules: list[str] = []
    for path, a, b in changed:
        rule = _detector_of(a, b) or (path_to_selector(path) if path else None)
        if rule is not None and rule not in rules:
            rules.append(rule)
    return rules
