"""The demo's committed snapshots: what a reviewer must never find in them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
SNAPSHOTS = sorted(p for p in (ROOT / "snapshots").glob("*.json") if p.name != "openapi.json")
#: The credentials the demo's conftest.py sends with every request.
CREDENTIALS = ("demo-secret-key", "reader-token-v1")


@pytest.mark.parametrize("path", SNAPSHOTS, ids=lambda p: p.name)
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
        assert document["format"] == "contractsnap/1"


def test_every_demo_operation_has_a_snapshot() -> None:
    """The ten operations of the demo each have their file, beside the OpenAPI document."""
    assert len(SNAPSHOTS) == 10
    document = json.loads((ROOT / "snapshots" / "openapi.json").read_text())
    assert len([m for item in document["paths"].values() for m in item]) == 10
