"""Event-loop mistakes are named with their fix, not left as an opaque exception group."""

from __future__ import annotations

from .conftest import Project


def test_an_asyncio_only_app_under_trio_names_the_backend(project: Project) -> None:
    project.add_app("asyncio_only")
    project.configure(app="app_module:app", backend="trio")
    result = project.run("--snapshot-update")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            # aiosqlite meets trio with one of two errors, depending on what ran before.
            "contractsnap: app 'app_module:app': the lifespan start-up failed: *; "
            "the app (or a library it uses, "
            "such as a database driver) runs only on asyncio, not on the trio backend: set "
            '`backend = "asyncio"` in [[]tool.contractsnap[]]'
        ]
    )
    assert "ExceptionGroup" not in result.stdout.str()
    project.configure(app="app_module:app", backend="asyncio")
    project.run("--snapshot-update").assert_outcomes(passed=1)


def test_a_client_made_at_import_time_names_the_cause(project: Project) -> None:
    """The FastAPI docs' "attached to a different loop": the cause and the fix."""
    project.add_app("import_loop")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "GET /greeting: the app failed on 1 of 1 case (answered 500): *",
            "*RuntimeError: Task * got Future * attached to a different loop",
            "*Hint: an object the app made outside its lifespan (a client, pool or lock created "
            "at import time) belongs to another event loop than the one the tests run in: "
            "create it in the app's lifespan (or a dependency) and keep it on `app.state`",
        ]
    )


def test_threads_the_app_leaves_running_are_named(project: Project) -> None:
    """Python waits for non-daemon threads at exit: the run names them and the fix."""
    project.add_app("leftover_thread")
    project.configure(app="app_module:app")
    result = project.run("--snapshot-update")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        [
            "contractsnap: the app left 1 thread running after its shutdown "
            "('cache-refresher'), and Python waits for them before it exits: stop them in the "
            "lifespan's shutdown, or make them daemon threads"
        ]
    )
    clean = Project(project.pytester, project.monkeypatch)
    clean.add_app("features")
    clean.configure(app="app_module:app", include=["GET /health"])
    assert "the app left" not in clean.run("--snapshot-update").stdout.str()
