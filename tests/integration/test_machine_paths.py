"""Responses that name directories of the recording machine (the project, the temp dir, the
home folder, the interpreter): recording refuses them with the `paths` rule, which stores
placeholders, so another machine's replay is the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Project


@pytest.fixture
def home(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder outside the project (pytester makes the project the home)."""
    path = tmp_path_factory.mktemp("home")
    project.monkeypatch.setenv("HOME", str(path))
    return path


def test_recording_refuses_machine_paths_with_the_rule(project: Project, home: Path) -> None:
    project.add_app("settings_echo")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "GET /settings: responses name directories of this machine, which differ on every "
            "other one (CI's, a colleague's), so snapshots/GET_settings.json was not written:",
            "*",
            "  $.cache: a path in <home>",
            "  $.data_dir: a path in <cwd>",
            "  $.python: a path in <python>",
            "  $.uploads: a path in <tmp>",
            "*",
            '  redact = ["paths"]',
        ]
    )


def test_placeholders_make_another_machines_replay_the_same(
    project: Project, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project.add_app("settings_echo")
    project.configure(app="app_module:app", redact=["paths"])
    project.run("--snapshot-update").assert_outcomes(passed=1)
    body = project.snapshot("GET_settings.json")["cases"][0]["response"]["body"]
    assert body["data_dir"] == "<cwd>/data"
    assert body["uploads"] == "<tmp>/uploads"
    assert body["cache"] == "<home>/.cache/app"
    assert body["python"].startswith("<python>/")
    text = (project.path / "snapshots" / "GET_settings.json").read_text()
    assert str(project.path) not in text
    assert str(home) not in text
    other_home, other_tmp = tmp_path_factory.mktemp("home2"), tmp_path_factory.mktemp("tmp2")
    result = project.run_subprocess(env={"HOME": str(other_home), "TMPDIR": str(other_tmp)})
    result.assert_outcomes(passed=1)
