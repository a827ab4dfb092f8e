"""The demo's committed snapshots: what a reviewer must never find in them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SNAPSHOTS = sorted(p for p in (ROOT / "snapshots").glob("*.json") if p.name != "openapi.json")
SCENARIOS = sorted((ROOT / "snapshots" / "scenarios").glob("*.json"))
#: The credentials the demo's conftest.py sends with every request.
CREDENTIALS = ("demo-secret-key", "reader-token-v1")


@pytest.mark.parametrize("path", SNAPSHOTS + SCENARIOS, ids=lambda p: p.name)
class TestDemoSnapshots:
    def test_no_credential_is_committed(self, path: Path) -> None:
        """No credential the suite sends appears anywhere in a snapshot file."""
        text = path.read_text()
        assert not [secret for secret in CREDENTIALS if secret in text]

    def test_no_machine_path_is_committed(self, path: Path) -> None:
        """No absolute path of the machine that recorded it appears in a snapshot file."""
        text = path.read_text()
        assert str(ROOT) not in text
        assert not re.search(r"(/home/|/root/|/tmp/|/Users/|[A-Z]:\\\\)", text)

    def test_file_is_in_canonical_form(self, path: Path) -> None:
        """Each file is sorted, indented JSON with a final newline, as the codec writes it."""
        text = path.read_text()
        document = json.loads(text)
        assert text == json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        assert document["format"] == "contractsnap/2"


def test_every_demo_operation_has_a_snapshot() -> None:
    """The ten operations of the demo each have their file, beside the OpenAPI document."""
    assert len(SNAPSHOTS) == 10
    document = json.loads((ROOT / "snapshots" / "openapi.json").read_text())
    assert len([m for item in document["paths"].values() for m in item]) == 10


def test_the_demo_workflows_are_committed() -> None:
    """The create -> read -> update -> delete links, the configured workflow and the one
    inferred for what they leave out (the cover upload), each a file whose later steps carry
    the created id as a placeholder."""
    assert [p.name for p in SCENARIOS] == [
        "POST_books_201.json",
        "POST_books_inferred.json",
        "deleted-book-is-gone.json",
    ]
    flows = {p.name: json.loads(p.read_text()) for p in SCENARIOS}
    links = flows["POST_books_201.json"]
    assert [s["operation"] for s in links["steps"]] == [
        "POST /books",
        "GET /books/{book_id}",
        "PUT /books/{book_id}",
        "DELETE /books/{book_id}",
    ]
    assert [s["response"]["status"] for s in links["steps"]] == [201, 200, 200, 204]
    for flow in flows.values():
        assert flow["carried"]["<carried:1>"]["expression"] == "$response.body#/id"
        for step in flow["steps"][1:]:
            assert step["request"]["path_parameters"] == {"book_id": "<carried:1>"}
    inferred = flows["POST_books_inferred.json"]["steps"]
    assert [(s["operation"], s["response"]["status"]) for s in inferred] == [
        ("POST /books", 201),
        ("POST /books/{book_id}/cover", 200),
    ]
    gone = flows["deleted-book-is-gone.json"]["steps"]
    assert [s["response"]["status"] for s in gone] == [201, 204, 404]
    assert list(gone[1]["state"]["books_table"]) == ["removed"]
