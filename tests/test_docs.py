"""The project's Markdown documents render as written: every fenced block is closed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _documents() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    found = [ROOT / name for name in listed.stdout.split()] if listed.returncode == 0 else []
    return found or sorted(ROOT.glob("*.md"))  # an unpacked sdist has no git


def unclosed_fences(text: str) -> list[str]:
    """Where a fenced block goes wrong: a closing fence with text after it (CommonMark
    reads it as a line of the block, which then runs on), or a block never closed."""
    problems = []
    opened: int | None = None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped.startswith("```"):
            continue
        if opened is None:
            opened = number
        elif stripped == "```":
            opened = None
        else:
            problems.append(f"line {number}: text after the fence that should close line {opened}")
    if opened is not None:
        problems.append(f"line {opened}: a block never closed")
    return problems


def test_a_closing_fence_with_text_after_it_is_found() -> None:
    text = "```yaml\na: 1\n``` Then prose.\n\nMore prose.\n"
    assert unclosed_fences(text) == [
        "line 3: text after the fence that should close line 1",
        "line 1: a block never closed",
    ]
    assert unclosed_fences("```toml\nx = 1\n```\n\n  ```python\n  pass\n  ```\n") == []


@pytest.mark.parametrize("document", _documents(), ids=lambda path: path.name)
def test_every_fenced_block_is_closed(document: Path) -> None:
    assert unclosed_fences(document.read_text(encoding="utf-8")) == []
