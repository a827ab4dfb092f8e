"""The HTML report's page: what it shows of a change, and what it never does."""

from __future__ import annotations

import copy
import re
from typing import Any

from contractsnap import _diffreport, _htmlreport
from contractsnap._htmlreport import Comparison


def _case(case_id: str, body: Any, path: str = "/x") -> dict[str, Any]:
    return {
        "id": case_id,
        "source": "examples",
        "description": f"case {case_id}",
        "request": {"method": "GET", "path": path},
        "response": {"status": 200, "headers": {}, "body": body},
    }


def _document(cases: list[dict[str, Any]], path: str = "/x") -> dict[str, Any]:
    return {
        "format": "contractsnap/1",
        "operation": {"fingerprint": "f", "method": "GET", "operationId": None, "path": path},
        "cases": cases,
    }


def _page(base: dict[str, Any], head: dict[str, Any], **kwargs: Any) -> str:
    old = {"GET_x.json": base}
    new = {"GET_x.json": head}
    findings = _diffreport.compare(old, new)  # type: ignore[arg-type]
    return _htmlreport.render("main", "HEAD", Comparison(old, new, findings), **kwargs)  # type: ignore[arg-type]


def test_the_changed_characters_of_a_changed_line_are_marked() -> None:
    page = _page(
        _document([_case("a", {"price": 9.99})]), _document([_case("a", {"price": 10.99})])
    )
    assert '<td class="del">    &quot;price&quot;: <del>9</del>.99</td>' in page
    assert '<td class="ins">    &quot;price&quot;: <ins>10</ins>.99</td>' in page
    # and the unified view holds the same change as - and + lines
    assert '<td class="del">-     &quot;price&quot;: <del>9</del>.99</td>' in page


def test_an_unchanged_request_is_one_line_and_its_diff_is_not_shown() -> None:
    page = _page(_document([_case("a", 1)]), _document([_case("a", 2)]))
    assert "request (unchanged): <code>GET /x</code>" in page
    assert page.count('<table class="diff split">') == 1  # the response's


def test_a_new_case_is_all_added_lines() -> None:
    page = _page(_document([_case("a", 1)]), _document([_case("a", 1), _case("b", {"k": "v"})]))
    article = page.split('<article class="case"', 1)[1].split("</article>", 1)[0]
    assert '<span class="tag new">new</span> case <code>b</code> examples: case b' in article
    assert 'class="del"' not in article
    assert "&quot;k&quot;: &quot;v&quot;" in article


def test_values_of_the_api_are_text_never_markup() -> None:
    hostile = '<img src="https://example.com/x.png" onerror="alert(1)">'
    page = _page(_document([_case("a", "x")]), _document([_case("a", hostile)]))
    assert "<img" not in page
    assert "&lt;img src=" in page


def test_the_page_fetches_nothing() -> None:
    """No reference to anything outside the page, and a policy that forbids any fetch."""
    page = _page(_document([_case("a", 1)]), _document([_case("a", 2)]))
    assert not re.search(r"""(src|href)=["'](?!#)|url\(|@import|<script|<link""", page)
    assert "default-src 'none'" in page


def test_findings_link_to_their_case_diffs() -> None:
    page = _page(_document([_case("a", {"n": 1})]), _document([_case("a", {"n": 2})]))
    link = re.search(r'<a href="#(case-\d+)">GET /x a</a>', page)
    assert link is not None
    assert f'<article class="case" id="{link.group(1)}">' in page


def test_the_page_shows_at_most_max_diffs_cases_and_says_how_many_more() -> None:
    count = _htmlreport.MAX_DIFFS + 5
    base = _document([_case(f"c{i}", i) for i in range(count)])
    head = copy.deepcopy(base)
    for case in head["cases"]:
        case["response"]["body"] += 1000
    page = _page(base, head)
    assert page.count('<article class="case"') == _htmlreport.MAX_DIFFS
    assert "5 more cases changed" in page


def test_pending_changes_have_their_own_section() -> None:
    stored = {"GET_x.json": _document([_case("a", 1)])}
    waiting = {"GET_x.json": _document([_case("a", 3)])}
    pending = Comparison(stored, waiting, _diffreport.compare(stored, waiting))  # type: ignore[arg-type]
    page = _page(_document([_case("a", 1)]), _document([_case("a", 1)]), pending=pending)
    assert "No snapshot changed." in page
    assert '<section id="pending">' in page
    assert '<article class="case" id="pending-1">' in page
