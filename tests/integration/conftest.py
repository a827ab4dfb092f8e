"""A small project harness for real pytest sessions (pytester, in subprocesses).

Each project is a temporary directory with a ``pyproject.toml``, one app module copied from
``tests/apps`` and, if needed, a ``conftest.py``. Most runs happen in this process (fast);
the ones that must vary the interpreter (hash seed) run in a subprocess.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from contractsnap._config import read_pyproject

APPS = Path(__file__).parent.parent / "apps"
#: The repository: the demo app, its settings and its committed snapshots.
ROOT = Path(__file__).parent.parent.parent


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


class Project:
    """A throwaway project that uses contractsnap, driven through real pytest runs."""

    def __init__(self, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pytester = pytester
        self.path = pytester.path
        self.monkeypatch = monkeypatch
        monkeypatch.delenv("CI", raising=False)
        # Apps are edited between runs, sometimes within a second at the same size.
        monkeypatch.setattr(sys, "dont_write_bytecode", True)

    def add_app(self, name: str, module: str = "app_module") -> Path:
        target = self.path / f"{module}.py"
        target.write_text((APPS / f"{name}.py").read_text())
        return target

    def configure(
        self, operations: Mapping[str, Mapping[str, Any]] | None = None, **settings: Any
    ) -> None:
        # The tests of other features count their tests and files: scenarios inferred from
        # their apps would be in every count. test_inferred_scenarios.py (and the tests that
        # pass `infer_scenarios`) run with it on, as a project does by default.
        settings = {"infer_scenarios": False, **settings}
        lines = ["[tool.contractsnap]"]
        lines += [f"{key} = {toml_value(value)}" for key, value in settings.items()]
        for selector, table in (operations or {}).items():
            lines.append(f"[tool.contractsnap.operations.{json.dumps(selector)}]")
            lines += [f"{key} = {toml_value(value)}" for key, value in table.items()]
        lines += ["", "[tool.pytest.ini_options]", 'filterwarnings = ["error"]']
        (self.path / "pyproject.toml").write_text("\n".join(lines) + "\n")

    def edit(self, module: str, old: str, new: str) -> None:
        path = self.path / f"{module}.py"
        text = path.read_text()
        assert old in text, f"{old!r} not in {module}.py"
        path.write_text(text.replace(old, new))

    def run(self, *args: str, cache: bool = False) -> pytest.RunResult:
        """A pytest session in this process (pytester restores sys.modules afterwards), with
        pytest's cache (``.pytest_cache``) only if ``cache``."""
        return self.pytester.runpytest(*([] if cache else ["-p", "no:cacheprovider"]), "-rA", *args)

    def run_subprocess(self, *args: str, env: Mapping[str, str] | None = None) -> pytest.RunResult:
        """A pytest session in a new interpreter, e.g. with another PYTHONHASHSEED."""
        for key, value in (env or {}).items():
            self.monkeypatch.setenv(key, value)
        return self.pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "-rA", *args, timeout=300
        )

    def snapshots(self, directory: str = "snapshots") -> dict[str, bytes]:
        """The files of the snapshot directory (``scenarios/NAME.json`` for scenarios), but
        the stored OpenAPI document."""
        root = self.path / directory
        if not root.is_dir():
            return {}
        return {
            p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != "openapi.json"
        }

    def snapshot(self, name: str, directory: str = "snapshots") -> dict[str, Any]:
        return json.loads((self.path / directory / name).read_text())  # type: ignore[no-any-return]


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Project:
    return Project(pytester, monkeypatch)


@pytest.fixture
def demo(project: Project) -> Project:
    """A copy of the demo app, its settings, conftest.py and committed snapshots."""
    shutil.copytree(ROOT / "demo" / "bookstore", project.path / "bookstore")
    shutil.copytree(ROOT / "snapshots", project.path / "snapshots")
    shutil.copy(ROOT / "conftest.py", project.path / "conftest.py")
    settings = read_pyproject(ROOT / "pyproject.toml")
    assert settings is not None
    operations = settings.pop("operations", {})
    scenarios = settings.pop("scenarios", [])
    assert isinstance(operations, dict)
    assert isinstance(scenarios, list)
    project.configure(operations, **{"infer_scenarios": True, **settings})  # the demo's default
    with (project.path / "pyproject.toml").open("a") as fh:
        fh.write('pythonpath = ["."]\n')  # this copy, not the demo a parent process imported
        for scenario in scenarios:
            fh.write("\n[[tool.contractsnap.scenarios]]\n")
            fh.writelines(f"{key} = {toml_value(value)}\n" for key, value in scenario.items())
    return project
