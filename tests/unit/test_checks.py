"""Unit tests for ``_checks``: the response handed to schemathesis' checks."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from schemathesis import Response


def _sent(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    response.request = request
    response.elapsed = datetime.timedelta(milliseconds=12)
    return response


@pytest.mark.parametrize(
    ("request_", "response"),
    [
        (
            httpx.Request(
                "GET", "http://testserver/books?limit=5&q=caf%C3%A9", headers={"X-A": "1"}
            ),
            httpx.Response(200, json={"items": []}),
        ),
        (
            httpx.Request("POST", "http://testserver/books", json={"title": "Dune"}),
            httpx.Response(
                201,
                headers=[("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Location", "/books/1")],
                content=b'{"id": 1}',
            ),
        ),
        (
            httpx.Request("PUT", "http://testserver/a%20b/%E2%82%AC", content=b"\xff\x00raw"),
            httpx.Response(204, headers={"Content-Type": "text/plain; charset=latin-1"}),
        ),
    ],
)
def test_conversion_matches_schemathesis_own(
    request_: httpx.Request, response: httpx.Response
) -> None:
    """The direct conversion gives the checks what ``Response.from_any`` would give them."""
    from contractsnap._checks import as_schemathesis

    sent = _sent(request_, response)
    ours, theirs = as_schemathesis(sent), Response.from_any(sent)
    for name in ("status_code", "headers", "content", "message", "encoding", "http_version"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.elapsed == theirs.elapsed == pytest.approx(0.012)
    assert ours.request.method == theirs.request.method
    # from_any appends the query string a second time; ours keeps the URL that was sent
    assert ours.request.url == str(sent.request.url)
    assert urlsplit(ours.request.url).path == urlsplit(theirs.request.url).path
    assert {k.lower(): v for k, v in ours.request.headers.items()} == {
        k.lower(): v for k, v in theirs.request.headers.items()
    }
    assert (ours.request.body or b"") == (theirs.request.body or b"")


def test_a_body_that_does_not_decode_is_kept_raw() -> None:
    """A body that is not what its content-encoding says is kept as sent, without it."""
    import anyio

    from contractsnap._client import send

    async def app(scope: Any, receive: Any, send_: Any) -> None:
        headers = [(b"content-type", b"text/plain"), (b"content-encoding", b"gzip")]
        await send_({"type": "http.response.start", "status": 200, "headers": headers})
        await send_({"type": "http.response.body", "body": b"not gzip at all"})

    async def main() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await send(c, c.build_request("GET", "/"), timeout=5)

    response = anyio.run(main)
    assert response.content == b"not gzip at all"
    assert "content-encoding" not in response.headers
