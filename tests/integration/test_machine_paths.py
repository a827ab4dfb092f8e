"""Responses that name directories of the recording machine (the project, the temp dir, the
home folder, a virtual environment): stored as placeholders, so another machine's replay is
the same, and nothing of this machine is committed. Files of contractsnap/1, which stored
them as they were, replay as recorded."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from .conftest import Project


@pytest.fixture
def home(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder outside the project (pytester makes the project the home)."""
    path = tmp_path_factory.mktemp("home")
    project.monkeypatch.setenv("HOME", str(path))
    return path


def test_placeholders_make_another_machines_replay_the_same(
    project: Project, home: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project.add_app("settings_echo")
    project.configure(app="app_module:app")
    project.run("--snapshot-update").assert_outcomes(passed=1)
    body = project.snapshot("GET_settings.json")["cases"][0]["response"]["body"]
    assert body["data_dir"] == "<cwd>/data"
    assert body["uploads"] == "<tmp>/uploads"
    assert body["cache"] == "<home>/.cache/app"
    assert body["name"] == "settings echo"
    text = (project.path / "snapshots" / "GET_settings.json").read_text()
    assert str(project.path) not in text
    assert str(home) not in text
    other_home, other_tmp = tmp_path_factory.mktemp("home2"), tmp_path_factory.mktemp("tmp2")
    result = project.run_subprocess(env={"HOME": str(other_home), "TMPDIR": str(other_tmp)})
    result.assert_outcomes(passed=1)


def test_a_contractsnap_1_file_replays_its_paths_as_recorded(project: Project, home: Path) -> None:
    """The placeholders came with contractsnap/2: an older file keeps its bytes and its
    verdict until it is recorded again."""
    project.add_app("settings_echo")
    project.configure(app="app_module:app")
    project.run("--snapshot-update").assert_outcomes(passed=1)
    path = project.path / "snapshots" / "GET_settings.json"
    old = json.loads(path.read_text())
    body = old["cases"][0]["response"]["body"]
    body["data_dir"] = str(project.path / "data")
    body["uploads"] = body["uploads"].replace("<tmp>", str(Path(project.path.anchor, "tmp")))
    body["cache"] = str(home / ".cache" / "app")
    body["python"] = sys.executable
    old["format"] = "contractsnap/1"
    path.write_text(json.dumps(old, indent=2, sort_keys=True) + "\n")
    before = path.read_bytes()
    gate = project.run()
    gate.assert_outcomes(passed=1)
    gate.stdout.fnmatch_lines(["snapshot files in an older format (contractsnap/1) replay *"])
    assert path.read_bytes() == before
    project.run("--snapshot-update").assert_outcomes(passed=1)
    assert project.snapshot("GET_settings.json")["format"] == "contractsnap/2"
    assert "<cwd>/data" in path.read_text()
