"""The PostgreSQL recipe, on a real server this test starts: the notes demo (asyncpg) records,
then replays three times byte for byte, its table reset between passes with
``TRUNCATE ... RESTART IDENTITY``; without the reset, the sequence that ``DELETE`` leaves
alone makes the ids drift, and recording says so.

The server is Debian's PostgreSQL (``.ci/run`` installs it), started in a temporary
directory on a Unix socket only: no port is opened to anything."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import Project

ROOT = Path(__file__).resolve().parent.parent.parent
PORT = 54329


def _bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server is not installed: .ci/run installs it")
        pytest.skip("PostgreSQL's server is not installed (apt-get install postgresql)")
    # Not under pytest's temporary directory: that one is private to this user, and the
    # server may run as another (and a socket path must be short).
    base = Path(tempfile.mkdtemp(prefix="contractsnap-pg-"))
    data, socket = base / "data", base / "socket"
    socket.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(socket, "postgres")
    run = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
    subprocess.run(_as_server_user(run), check=True, capture_output=True)
    options = f"-k {socket} -p {PORT} -c listen_addresses="
    log = base / "server.log"
    start = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w"]
    # No pipes: the server would keep them open, and the call would wait for it to end.
    subprocess.run(
        _as_server_user([*start, "start"]),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    try:
        yield f"postgresql://postgres@/postgres?host={socket}&port={PORT}"
    finally:
        stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        with contextlib.suppress(subprocess.CalledProcessError):
            subprocess.run(_as_server_user(stop), check=True, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def notes(project: Project, database_url: str) -> Project:
    """The notes demo in a project, on an empty database."""
    shutil.copytree(ROOT / "demo" / "notes", project.path / "notes")
    project.monkeypatch.setenv("DATABASE_URL", database_url)
    subprocess.run(
        ["psql", database_url, "-c", "DROP TABLE IF EXISTS notes"],
        check=True,
        capture_output=True,
    )
    return project


def test_records_and_replays_byte_for_byte_with_the_table_reset(notes: Project) -> None:
    notes.configure(app="notes:app", setup="notes:reset", infer_scenarios=True)
    result = notes.run_subprocess("--snapshot-update", env={"PYTHONHASHSEED": "1"})
    result.assert_outcomes(passed=6)  # five operations, the scenario of the create
    result.stdout.fnmatch_lines(["reach: 5 of 5 operations answered 2xx (100%)"])
    recorded = notes.snapshots()
    assert "scenarios/POST_notes_inferred.json" in recorded
    for seed in ("2", "3", "4"):
        gate = notes.run_subprocess(env={"PYTHONHASHSEED": seed})
        gate.assert_outcomes(passed=6)
        assert notes.snapshots() == recorded


def test_without_the_reset_the_ids_drift_and_recording_says_why(notes: Project) -> None:
    notes.configure(app="notes:app")
    result = notes.run("--snapshot-update", "--contractsnap-op", "POST /notes")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*$.id: * then *", "*setup*"])
    assert not notes.snapshots()
