"""Unit tests for ``_checks``: the response handed to schemathesis' checks."""

from __future__ import annotations

import datetime
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
