"""The HTML report of a real change on the demo, opened in a real browser.

Headless Chromium (Debian's package, which .ci/run installs) driven by Playwright: the page
must show the summary and the diffs the JSON report computes, fetch nothing and log no error.
The screenshot is kept in ``.artifacts/`` for a person to look at.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from contractsnap.cli import main

from .conftest import ROOT, Project

playwright = pytest.importorskip("playwright.sync_api")

#: Debian's Chromium; Playwright's own browser download is not used.
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / ".artifacts"


@pytest.fixture
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is not installed at {CHROMIUM}: .ci/run installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=CI", "-C", str(root), *args],
        check=True,
        capture_output=True,
    )


def _edit(demo: Project, module: str, old: str, new: str) -> None:
    path = demo.path / "bookstore" / f"{module}.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _report(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--dir", "snapshots", "report", "--base", "main", *args], stdout=out)
    return code, out.getvalue()


@pytest.fixture
def changed_demo(demo: Project) -> Project:
    """The demo committed, then changed and recorded again: a page of books says `count`
    instead of `total` (breaking), and the first seeded book costs more (a changed value)."""
    _git(demo.path, "init", "-q", "-b", "main")
    _git(demo.path, "add", "-A")
    _git(demo.path, "commit", "-q", "-m", "base")
    _edit(
        demo,
        "models",
        "    items: list[Book]\n    total: int",
        "    items: list[Book]\n    count: int",
    )
    _edit(demo, "app", "BookPage(items=items, total=total", "BookPage(items=items, count=total")
    _edit(demo, "db", '"price": 9.99,', '"price": 10.99,')
    demo.run_subprocess("--snapshot-update").assert_outcomes(passed=13)
    return demo


def test_the_html_report_in_a_browser(changed_demo: Project, browser: object) -> None:
    code, printed = _report("--format", "html", "-o", "report.html")
    assert code == 1  # a breaking change
    report = changed_demo.path / "report.html"
    assert printed == f"report written to {Path('report.html')}\n"
    _, text = _report("--format", "json")
    expected = json.loads(text)

    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    errors: list[str] = []
    fetched: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(report.as_uri())

    # The summary says what the JSON report counts.
    levels = page.locator("#summary .levels li").all_inner_texts()
    assert levels == [
        f"{expected['summary'][level]} {level}"
        for level in ("breaking", "changed", "additive", "cosmetic")
    ]
    assert expected["summary"]["breaking"] > 0
    findings = page.locator("#findings").inner_text()
    assert "field $.total removed" in findings
    assert "field $.count added" in findings
    assert "value of $.items[*].price changed" in findings

    # A case of GET /books, side by side: the removed line left, the added one right, and
    # the changed characters marked in them.
    case = page.locator("article.case", has_text="GET /books?").first
    split = case.locator("table.split")
    assert split.is_visible()
    assert any('"total": ' in line for line in split.locator("td.del").all_inner_texts())
    assert any('"count": ' in line for line in split.locator("td.ins").all_inner_texts())
    assert case.locator("table.unified").is_hidden()
    prices = page.locator("td.ins ins", has_text="10").first
    assert prices.is_visible()

    # Unified: one column, the same change as - and + lines.
    page.click("label[for=view-unified]")
    assert split.is_hidden()
    unified = case.locator("table.unified")
    assert unified.is_visible()
    lines = unified.locator("td.del, td.ins").all_inner_texts()
    assert any(line.startswith("- ") and '"total"' in line for line in lines)
    assert any(line.startswith("+ ") and '"count"' in line for line in lines)

    # The coverage table lists every operation of the demo.
    rows = page.locator("#coverage tr").count()
    assert rows == 1 + 10

    page.click("label[for=view-split]")
    page.locator("header").scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "html-report.png"), full_page=False)
    assert {url.split("#")[0] for url in fetched} == {report.as_uri()}  # the page alone
    assert errors == []
