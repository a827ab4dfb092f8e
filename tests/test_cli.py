"""The `contractsnap` command: a thin wrapper that runs pytest's contract suite."""

from __future__ import annotations

import importlib.metadata
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


def _run_update() -> subprocess.CompletedProcess[str]:
    """`python -m contractsnap run --update` in a new interpreter, in the current directory."""
    return subprocess.run(
        [sys.executable, "-m", "contractsnap", "run", "--update"],
        capture_output=True,
        text=True,
        check=False,
    )


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
        done = _run_update()
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 passed" in done.stdout
        assert set(health.snapshots()) == {"GET_health.json", "GET_export.json"}


class TestOnlyTheContract:
    """`contractsnap run` neither imports nor collects the project's other test modules."""

    def test_a_broken_test_module_does_not_break_it(self, health: Project) -> None:
        tests = health.path / "tests"
        tests.mkdir()
        (tests / "test_other.py").write_text("def test_x(:\n    pass\n")  # a syntax error
        (tests / "test_slow.py").write_text("raise SystemExit('imported')\n")
        done = _run_update()
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 passed" in done.stdout
        assert "deselected" not in done.stdout
        assert "test_other" not in done.stdout + done.stderr
        # A plain pytest run still collects them (and fails on the syntax error).
        assert health.run("-p", "no:randomly").ret != 0

    def test_the_fixtures_of_the_root_conftest_apply(self, health: Project) -> None:
        """The suite's fixtures live in the project's root conftest.py: it is loaded."""
        (health.path / "conftest.py").write_text(
            "import pytest\n\n\n@pytest.fixture\ndef contractsnap_auth_headers():\n"
            "    raise RuntimeError('conftest.py was loaded')\n"
        )
        done = _run_update()
        assert done.returncode == 1
        assert "conftest.py was loaded" in done.stdout


def test_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command, usage is printed and the exit code is 2."""
    with pytest.raises(SystemExit) as exc:
        main([])
    assert exc.value.code == 2
    assert "usage: contractsnap" in capsys.readouterr().err


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"contractsnap {importlib.metadata.version('contractsnap')}\n"


def test_run_hands_over_to_pytest_without_the_other_commands_imports() -> None:
    """`contractsnap run` starts pytest at once: the snapshot codec, schemathesis, httpx and
    tomlkit are for the other commands (pytest imports what the run needs itself)."""
    code = (
        "import sys, contractsnap.cli; "
        "print(sorted(m for m in ('schemathesis', 'httpx', 'tomlkit', 'syrupy') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
