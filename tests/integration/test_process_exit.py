"""A process that ran a contract suite skips the interpreter's last garbage collection at
exit: its objects are frozen (``gc.freeze``) by an ``atexit`` handler, which runs after
every test, report and pytest clean-up. A pytest session that runs no contract suite exits
as it would without contractsnap."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Project

#: Registered when the conftest is imported, before the app is: atexit runs handlers last
#: registered first, so this one sees what contractsnap's handler left.
CONFTEST = """
import atexit
import gc
import os
from pathlib import Path

PROCESS = ["main"]
#: Some interpreters start with objects frozen already (CPython 3.12: a few hundred).
AT_START = gc.get_freeze_count()


def pytest_configure(config):
    if hasattr(config, "workerinput"):  # a pytest-xdist worker
        PROCESS[0] = config.workerinput["workerid"]


@atexit.register
def _note_frozen_objects():
    log = Path(os.environ["FROZEN_LOG"]) / PROCESS[0]
    log.write_text(str(gc.get_freeze_count() - AT_START))
"""


@pytest.fixture
def recorded(project: Project, tmp_path: Path) -> Project:
    project.add_app("import_counted")
    project.configure(app="app_module:app")
    project.run("--snapshot-update").assert_outcomes(passed=2)
    project.pytester.makeconftest(CONFTEST)
    logs = tmp_path / "frozen"
    logs.mkdir()
    project.monkeypatch.setenv("FROZEN_LOG", str(logs))
    project.logs = logs  # type: ignore[attr-defined]
    return project


def _frozen(project: Project) -> dict[str, int]:
    """Objects frozen since the process started, counted at its exit, by process (``main``,
    or the pytest-xdist worker)."""
    logs: Path = project.logs  # type: ignore[attr-defined]
    return {log.name: int(log.read_text()) for log in sorted(logs.iterdir())}


def test_a_gate_skips_the_last_collection_of_the_apps_objects(recorded: Project) -> None:
    recorded.run_subprocess().assert_outcomes(passed=2)
    frozen = _frozen(recorded)
    assert list(frozen) == ["main"]
    assert frozen["main"] > 10_000  # the app, its framework and pytest's own objects


def test_each_pytest_xdist_worker_that_runs_the_app_skips_it(recorded: Project) -> None:
    recorded.run_subprocess("-n", "2").assert_outcomes(passed=2)
    frozen = _frozen(recorded)
    assert frozen["main"] == 0  # the controller runs no test and imports no app
    workers = {name: count for name, count in frozen.items() if name != "main"}
    ran = [name for name, count in workers.items() if count > 0]
    assert ran, f"no worker froze its objects: {frozen}"


def test_listing_the_tests_skips_the_last_collection_of_the_schema(recorded: Project) -> None:
    result = recorded.run_subprocess("--collect-only", "-q")
    assert result.ret == 0
    assert _frozen(recorded)["main"] > 10_000


def test_a_session_of_other_tests_exits_as_before(recorded: Project) -> None:
    recorded.pytester.makepyfile(test_other="def test_other():\n    assert True\n")
    recorded.run_subprocess("test_other.py").assert_outcomes(passed=1)
    assert _frozen(recorded) == {"main": 0}
