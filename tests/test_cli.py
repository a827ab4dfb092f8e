"""The `contractsnap` command: a thin wrapper that runs pytest's contract suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

from contractsnap.cli import main

from .integration.conftest import Project


@pytest.fixture
def health(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    project = Project(pytester, monkeypatch)
    project.add_app("features")
    project.configure(app="app_module:app", include=["GET /health", "GET /export"])
    return project


class TestRun:
    def test_update_then_gate(self, health: Project) -> None:
        """`run --update` records; `run` replays and exits 0."""
        assert main(["run", "--update"]) == 0
        assert set(health.snapshots()) == {"GET_health.json", "GET_export.json"}
        assert main(["run"]) == 0

    def test_gate_fails_without_snapshots(self, health: Project) -> None:
        """`run` exits 1 when snapshots are missing."""
        assert main(["run"]) == 1

    def test_op_selects_and_extra_args_reach_pytest(self, health: Project) -> None:
        """--op narrows the run; arguments after `--` go to pytest."""
        assert main(["run", "--update", "--op", "GET /health", "--", "-q"]) == 0
        assert set(health.snapshots()) == {"GET_health.json"}

    def test_module_entry_point(self, health: Project) -> None:
        """`python -m contractsnap run --update` works like the console script."""
        done = subprocess.run(
            [sys.executable, "-m", "contractsnap", "run", "--update"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 passed" in done.stdout
        assert set(health.snapshots()) == {"GET_health.json", "GET_export.json"}


def test_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command, usage is printed and the exit code is 2."""
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "usage: contractsnap" in capsys.readouterr().err
