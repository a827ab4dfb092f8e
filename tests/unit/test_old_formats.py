"""Files of the previous format are read in the current layout by every command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from contractsnap import _diffreport, _pending
from contractsnap._errors import ContractsnapError

from .test_snapshot_file import format_0

CURRENT: dict[str, Any] = {
    "format": "contractsnap/2",
    "operation": {"fingerprint": "abc", "method": "GET", "path": "/a", "operationId": None},
    "cases": [
        {
            "id": "1234abcd",
            "source": "examples",
            "description": "d",
            "request": {"method": "GET", "path": "/a"},
            "response": {"status": 200, "body": {"x": 1}},
        }
    ],
}


def test_report_reads_the_previous_format() -> None:
    """The report compares an old file as if it had been written in the current format."""
    assert _diffreport._parse(json.dumps(format_0(CURRENT)), "a.json") == CURRENT


def test_review_reads_the_previous_format(tmp_path: Path) -> None:
    """Pending review loads an old snapshot in the current layout (and so rewrites it so)."""
    path = tmp_path / "GET_a.json"
    path.write_text(json.dumps(format_0(CURRENT)))
    assert _pending._load(path) == CURRENT


def test_report_refuses_a_newer_format() -> None:
    """A file from a newer contractsnap is named, with the fix."""
    newer = {**CURRENT, "format": "contractsnap/3"}
    with pytest.raises(
        ContractsnapError,
        match=r"^a\.json: written in format 'contractsnap/3'.*"
        r"upgrade contractsnap$",
    ):
        _diffreport._parse(json.dumps(newer), "a.json")


def test_report_says_an_old_file_is_broken() -> None:
    """An old-format file without its cases' keys is reported as broken, not a crash."""
    broken = {**format_0(CURRENT), "cases": [{"id": "x"}]}
    with pytest.raises(ContractsnapError, match="hand-edited or broken snapshot"):
        _diffreport._parse(json.dumps(broken), "a.json")
