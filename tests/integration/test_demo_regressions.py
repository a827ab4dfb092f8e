"""The demo's committed snapshots as a gate: regressions only state and scenarios catch."""

from __future__ import annotations

import pytest

from .conftest import Project


def _edit(project: Project, module: str, old: str, new: str) -> None:
    path = project.path / "bookstore" / f"{module}.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def _gate(demo: Project) -> pytest.RunResult:
    """A new interpreter: the repository's own test run has imported its ``bookstore``."""
    return demo.run_subprocess()


def test_the_committed_snapshots_pass(demo: Project) -> None:
    result = _gate(demo)
    result.assert_outcomes(passed=13)  # ten operations, two declared scenarios, one inferred
    assert not list((demo.path / "snapshots").rglob("*.pending"))


def test_a_wrong_value_written_behind_the_same_response(demo: Project) -> None:
    """A stray write after the response is built: the answers are the same, the rows not."""
    _edit(
        demo,
        "db",
        "    created = await get_book(conn, book_id)\n    assert created is not None\n"
        "    return created",
        "    created = await get_book(conn, book_id)\n    assert created is not None\n"
        '    await conn.execute("UPDATE books SET price = price * 2 WHERE id = ?", (book_id,))\n'
        "    await conn.commit()\n    return created",
    )
    result = _gate(demo)
    output = result.stdout.str()
    failed = {
        line.split("[", 1)[1].split("]", 1)[0]
        for line in output.splitlines()
        if line.startswith("FAILED contractsnap::")
    }
    # The create and the workflows that follow it: every other operation passes.
    assert failed == {
        "POST /books",
        "scenario POST /books 201",
        "scenario deleted-book-is-gone",
        "scenario POST /books (inferred)",
    }
    result.stdout.fnmatch_lines(
        [
            "POST /books: * of * cases answered differently from snapshots/POST_books.json "
            "(- snapshot, + received)",
            "  state (probe books_table):",
        ]
    )
    assert '-      "price": 12.5,\n    +      "price": 25.0,' in output
    create = output.split("POST /books: ", 1)[1].split("Accept it, if intended", 1)[0]
    assert "\n  @@" not in create  # no response diff, only the state's (indented further)
    assert "\n    @@" in create


def test_a_broken_link_between_create_and_read(demo: Project) -> None:
    """The create answers an id the read cannot find: the workflow fails at its read."""
    _edit(
        demo,
        "app",
        '    response.headers["Location"] = f"/books/{book.id}"\n    return book',
        '    response.headers["Location"] = f"/books/{book.id}"\n'
        '    return book.model_copy(update={"id": book.id + 100})',
    )
    result = _gate(demo)
    result.stdout.fnmatch_lines(
        [
            "scenario POST /books 201: 4 of 4 steps answered differently from "
            "snapshots/scenarios/POST_books_201.json (- snapshot, + received)",
            "",
            "step 1/4: POST /books",
            "  POST /books",
            "*",
            '  -    "id": 7,',
            '  +    "id": 107,',
            "*",
            "and step 2/4: GET /books/{book_id} (link GetBook), step 3/4: * step 4/4: *; "
            "`pytest -v` shows every diff",
        ]
    )
    every = demo.run_subprocess("-v")  # each step's diff, whole
    every.stdout.fnmatch_lines(
        ["step 2/4: GET /books/{book_id} (link GetBook)", "  GET /books/<carried:1>"]
    )
    scenario = every.stdout.str().split("scenario POST /books 201: 4 of 4", 1)[1]
    assert '-  "status": 200' in scenario
    assert '+  "status": 404' in scenario
