"""Live-server mode: the demo's suite against uvicorn writes the in-process snapshots.

The demo runs in a real uvicorn process on a free loopback port. Its ``setup`` (the
``reset(app)`` hook) needs the app object, so against the server the project's conftest
resets the database through a route that the server module adds outside the OpenAPI schema:
each pass over an operation's cases starts from the seed data in both modes.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from contractsnap import _client
from contractsnap._config import build_settings, read_pyproject
from contractsnap._errors import AppLoadError

from .conftest import Project

ROOT = Path(__file__).parent.parent.parent
DEMO = ROOT / "demo"
RESET = "/test-only/reset"
SERVER = f'''"""The demo app as uvicorn serves it, plus a database reset outside its schema."""

from typing import Any

from bookstore import app as bookstore, reset


async def app(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] == "{RESET}":
        await reset(bookstore)
        await send({{"type": "http.response.start", "status": 204, "headers": []}})
        await send({{"type": "http.response.body", "body": b""}})
        return
    await bookstore(scope, receive, send)
'''
RESET_FIXTURE = f'''

@pytest.fixture
def contractsnap_setup(contractsnap_suite):
    """In process: the `setup` key. Against the server: its reset route."""
    if not contractsnap_suite.settings.base_url:
        return contractsnap_suite.default_setup()
    client = contractsnap_suite.client

    async def reset(operation):
        (await client.post("{RESET}")).raise_for_status()

    return reset
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo app in a uvicorn subprocess; its base URL once it answers."""
    directory = tmp_path_factory.mktemp("server")
    (directory / "live_bookstore.py").write_text(SERVER)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (directory / "uvicorn.log").open("w")
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "uvicorn", "live_bookstore:app"),
            *("--host", "127.0.0.1", "--port", str(port), "--app-dir", str(directory)),
        ],
        cwd=DEMO,
        env={**os.environ, "PYTHONPATH": str(DEMO)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120  # a start-up bound, not a measurement
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"uvicorn did not start:\n{(directory / 'uvicorn.log').read_text()}")
            # A plain socket first: an in-process pytest run of another test may have
            # re-imported httpcore, whose errors httpx then no longer maps to its own.
            try:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            except OSError:
                time.sleep(0.1)
                continue
            if httpx.get(url + "/openapi.json", timeout=10).status_code == 200:
                break
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _demo_project(project: Project, **changes: Any) -> None:
    """The demo's [tool.contractsnap] settings and conftest.py, with ``changes`` on top."""
    settings = read_pyproject(ROOT / "pyproject.toml")
    assert settings is not None
    operations = settings.pop("operations", {})
    assert isinstance(operations, dict)
    # Probes read state through the app object, so live files would lack their "state".
    settings.pop("probes", None)
    project.configure(operations, **{**settings, **changes})
    with (project.path / "pyproject.toml").open("a") as fh:
        fh.write(f"pythonpath = [{str(DEMO)!r}]\n")
    conftest = (ROOT / "conftest.py").read_text()
    (project.path / "conftest.py").write_text(conftest + RESET_FIXTURE)


def _files(directory: Path) -> dict[str, bytes]:
    return {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_live_server_records_the_in_process_snapshots(project: Project, server: str) -> None:
    _demo_project(project)
    in_process = project.run("--snapshot-update")
    in_process.assert_outcomes(passed=12)  # ten operations, two scenarios
    shutil.move(project.path / "snapshots", project.path / "in_process")

    live = project.run("--snapshot-update", f"--contractsnap-base-url={server}/")
    live.assert_outcomes(passed=12)
    recorded = _files(project.path / "snapshots")
    assert recorded == _files(project.path / "in_process")
    assert len(recorded) == 13  # ten operations, two scenarios and the OpenAPI document
    address = server.removeprefix("http://")
    assert not [name for name, data in recorded.items() if address.encode() in data]
    live.stdout.fnmatch_lines(["*`setup` not called against the live server*"])

    # The gate, configured in pyproject.toml, with the schema from a file and an app that
    # cannot even be imported: live mode neither imports nor starts it.
    _demo_project(
        project, base_url=server, schema="in_process/openapi.json", app="no_such_module:app"
    )
    gate = project.run()
    gate.assert_outcomes(passed=12)
    assert _files(project.path / "snapshots") == recorded


def test_unreachable_server_is_one_line_naming_the_url_and_setting(
    project: Project, server: str
) -> None:
    dead = f"http://127.0.0.1:{_free_port()}"
    for schema in ({}, {"schema": "openapi.json"}):
        (project.path / "openapi.json").write_text(httpx.get(server + "/openapi.json").text)
        _demo_project(project, base_url=server, **schema)
        # The option overrides `base_url` of pyproject.toml.
        result = project.run(f"--contractsnap-base-url={dead}")
        result.assert_outcomes(errors=1)  # the suite's start-up
        lines = [line for line in result.outlines if "no server answers" in line]
        assert len(lines) == 1, result.stdout.str()
        assert f"no server answers at {dead} (ConnectError" in lines[0]
        assert "`base_url` in [tool.contractsnap] (or --contractsnap-base-url)" in lines[0]


def test_server_that_never_answers_stops_the_run(project: Project) -> None:
    """A port that accepts connections but never answers: the start-up gives up after
    `timeout` seconds instead of hanging."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        _demo_project(project, base_url=url, timeout=1)
        result = project.run()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*no server answers at {url} (ReadTimeout*"])


def test_requests_go_only_to_the_base_url(tmp_path: Path, server: str) -> None:
    settings = build_settings({"base_url": server}, root=tmp_path, source="test")

    async def redirect_then_escape() -> int:
        async with _client.serve(None, settings) as client:
            # FastAPI redirects /books/ to /books: recorded as is, never followed.
            status = (await client.get("/books/")).status_code
            with pytest.raises(AppLoadError, match="leaves the server under test"):
                await client.get("http://example.invalid/books")
            return status

    assert anyio.run(redirect_then_escape) == 307


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("config", "localhost:8000", "*`base_url` must be an http(s) URL with a host*"),
        ("config", "http://h/?x=1", "*`base_url` must not carry a query*"),
        ("option", "ftp://h", "*--contractsnap-base-url must be an http(s) URL*"),
        ("option", "http://h:99999", "*--contractsnap-base-url is not a URL (Port out of range*"),
    ],
)
def test_bad_base_url_stops_the_run_naming_the_setting(
    project: Project, where: str, value: str, message: str
) -> None:
    settings: dict[str, Any] = {"app": "bookstore:app"}
    if where == "config":
        settings["base_url"] = value
    project.configure(**settings)
    result = project.run(*([f"--contractsnap-base-url={value}"] if where == "option" else []))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
