"""Hostile responses: malformed, huge, endless, slow or redirecting; and nothing leaves the
process. Real pytest sessions against the FastAPI app in ``tests/apps/hostile.py``."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.apps import hostile

from .conftest import Project

MALFORMED = [
    "GET /not-json",
    "GET /bad-utf8-json",
    "GET /bad-utf8-text",
    "GET /empty-json",
    "GET /big",
    "GET /redirect",
    "GET /no-content",
]

#: A socket guard for the pytester project: any outbound connection or name lookup is
#: logged to connections.log and refused, for the length of the session.
SOCKET_GUARD = """
import socket
from pathlib import Path

_SAVED = {}


def _refuse(name):
    def refused(*args, **kwargs):
        with Path("connections.log").open("a") as log:
            log.write(f"{name} {args[1:] if name.startswith('socket.') else args}\\n")
        raise OSError(f"contractsnap test: {name} is not allowed")

    return refused


def pytest_configure(config):
    for owner, name in [
        (socket.socket, "connect"),
        (socket.socket, "connect_ex"),
        (socket, "getaddrinfo"),
        (socket, "create_connection"),
    ]:
        _SAVED[(owner, name)] = getattr(owner, name)
        label = ("socket." if owner is socket.socket else "") + name
        setattr(owner, name, _refuse(label))


def pytest_unconfigure(config):
    for (owner, name), original in _SAVED.items():
        setattr(owner, name, original)
"""


def responses(project: Project, name: str) -> list[dict[str, Any]]:
    return [case["response"] for case in project.snapshot(name)["cases"]]


def requests_seen(project: Project) -> list[str]:
    log = project.path / "requests.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.unlink(missing_ok=True)
    return [line for line in lines if not line.endswith("/openapi.json")]


def record_twice_and_replay(
    project: Project, passed: int, *, subprocess: bool = False
) -> tuple[dict[str, bytes], pytest.RunResult]:
    """Record, record again (same bytes), replay (passes): the files and the gate run.

    In ``subprocess`` mode a run that hangs fails the test (after the harness' timeout)
    instead of hanging the test session.
    """
    run = project.run_subprocess if subprocess else project.run
    run("--snapshot-update").assert_outcomes(passed=passed)
    first = project.snapshots()
    run("--snapshot-update").assert_outcomes(passed=passed)
    assert project.snapshots() == first
    gate = run()
    gate.assert_outcomes(passed=passed)
    assert project.snapshots() == first
    assert not list((project.path / "snapshots").glob("*.pending"))
    return first, gate


class TestMalformedBodies:
    def test_recorded_as_received_and_replayed(self, project: Project) -> None:
        """Broken JSON, invalid UTF-8, empty JSON, a 10 MiB body, a redirect and a 204 with
        a body are recorded as received, stable across recordings, and replay cleanly."""
        project.add_app("hostile")
        project.configure(app="app_module:app", include=MALFORMED)
        files, _ = record_twice_and_replay(project, passed=len(MALFORMED))

        not_json = responses(project, "GET_not-json.json")[0]
        assert not_json["text"] == "{oops"
        assert not_json["headers"]["content-type"] == "application/json"

        bad = {
            "length": len(hostile.BAD_UTF8),
            "sha256": hashlib.sha256(hostile.BAD_UTF8).hexdigest(),
        }
        for name in ("GET_bad-utf8-json.json", "GET_bad-utf8-text.json"):
            response = responses(project, name)[0]
            assert response["binary"] == bad
            assert "text" not in response
            assert "body" not in response

        empty = responses(project, "GET_empty-json.json")[0]
        assert empty == {"headers": {"content-type": "application/json"}, "status": 200}

        big = responses(project, "GET_big.json")[0]
        assert big["binary"] == {
            "length": len(hostile.BIG),
            "sha256": hashlib.sha256(hostile.BIG).hexdigest(),
        }
        assert len(files["GET_big.json"]) < 2_000  # a digest, never the body

        redirect = responses(project, "GET_redirect.json")[0]
        assert redirect["status"] == 307
        assert redirect["headers"]["location"] == "/target"

        no_content = responses(project, "GET_no-content.json")[0]
        assert no_content["status"] == 204
        assert no_content["text"] == "surprise"

        # The redirect was never followed: GET /target (not in the suite) was not requested.
        seen = requests_seen(project)
        assert seen
        assert not [line for line in seen if line.endswith(" /target")]

    def test_against_a_declared_schema_they_are_contract_violations(self, project: Project) -> None:
        """Where the operation declares a JSON schema, broken JSON, invalid UTF-8 and an
        empty body are reported as contract violations (not crashes); the snapshot is
        still written and replays without a diff. (``strict``: else they are debt.)"""
        project.add_app("hostile")
        project.configure(app="app_module:app", include=["path:/typed/*"], strict=True)
        update = project.run("--snapshot-update")
        update.assert_outcomes(failed=3)
        gate = project.run()
        gate.assert_outcomes(failed=3)
        for result in (update, gate):
            # In the order the tests ran: the app's (recording), the stored document's (gate)
            result.stdout.fnmatch_lines(["contract violations: 3 failures in 3 operations"])
            for label, error in (
                ("GET /typed/not-json", "JSON deserialization error*"),
                ("GET /typed/bad-utf8", "deserialization error*utf-8*"),
                ("GET /typed/empty", "JSON deserialization error*"),
            ):
                result.stdout.fnmatch_lines([f"  {label}", f"    [[]error[]]*{error}"])
            assert "Traceback" not in result.stdout.str()
        assert "answered differently" not in gate.stdout.str()
        assert len(project.snapshots()) == 3


class TestStreams:
    def test_finite_large_stream_is_read_whole(self, project: Project) -> None:
        """A 50 MiB streaming response is read whole and stored as length + sha256."""
        project.add_app("hostile")
        project.configure(app="app_module:app", include=["GET /stream"], timeout=60)
        files, _ = record_twice_and_replay(project, passed=1)
        body = hostile.CHUNK * hostile.STREAM_CHUNKS
        stored = responses(project, "GET_stream.json")[0]
        assert stored["binary"] == {
            "length": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        }
        assert "truncated" not in stored
        assert len(files["GET_stream.json"]) < 2_000

    def test_endless_streams_are_cut_at_max_read_size(self, project: Project) -> None:
        """Endless server-sent events and an endless stream that never awaits are read up
        to `max_read_size` bytes, recorded marked truncated, the same bytes every time."""
        project.add_app("hostile")
        limit = 4096
        project.configure(
            app="app_module:app",
            include=["GET /events", "GET /firehose", "GET /ok"],
            max_read_size=limit,
            timeout=30,
        )
        # In subprocesses: an endless stream that never awaits would hang the app call.
        _, gate = record_twice_and_replay(project, passed=3, subprocess=True)

        events = responses(project, "GET_events.json")[0]
        assert events["truncated"] is True
        assert events["headers"]["content-type"].startswith("text/event-stream")
        assert len(events["text"].encode()) == limit
        assert events["text"].startswith("event: tick\ndata: 0\n\nevent: tick\ndata: 1\n\n")

        firehose = responses(project, "GET_firehose.json")[0]
        first = (hostile.CHUNK * (limit // len(hostile.CHUNK) + 1))[:limit]
        assert firehose["truncated"] is True
        assert firehose["binary"] == {
            "length": limit,
            "sha256": hashlib.sha256(first).hexdigest(),
        }
        assert responses(project, "GET_ok.json")[0]["body"] == {"ok": True}
        gate.stdout.fnmatch_lines(
            [
                f"GET /events: a response body is longer than {limit} bytes "
                "(the `max_read_size` setting)*truncated*"
            ]
        )


class TestSlowEndpoints:
    def test_hang_fails_its_operation_and_the_run_goes_on(self, project: Project) -> None:
        """A hanging endpoint fails after `timeout`, naming the case and the setting; it is
        not recorded; the other operations pass and their files are written."""
        project.add_app("hostile")
        project.configure(
            app="app_module:app",
            include=["GET /slow", "GET /ok", "GET /no-content"],
            operations={"GET /slow": {"timeout": 0.5}},
        )
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=2, failed=1)
        result.stdout.fnmatch_lines(
            [
                "GET /slow: no response within 0.5 s (the `timeout` setting) to case 1/1 "
                "[[]*[]] coverage: Default positive test case; nothing was recorded or "
                "compared, snapshots/GET_slow.json is not written. Fix the endpoint, or give "
                'it more time with `timeout` in [[]tool.contractsnap.operations."GET /slow"[]]',
                "  GET /slow",
            ]
        )
        result.stdout.fnmatch_lines(
            ["contract violations: 1 failure in 1 operation", "  GET /slow", "*TIMEOUT*0.5 s"]
        )
        assert sorted(project.snapshots()) == ["GET_no-content.json", "GET_ok.json"]
        assert responses(project, "GET_ok.json")[0]["body"] == {"ok": True}
        gate = project.run()
        gate.assert_outcomes(passed=2, failed=1)

    def test_endpoint_that_starts_hanging_keeps_its_snapshot(self, project: Project) -> None:
        """An endpoint that answered when recorded and hangs now: the update refuses to
        record the hang (the file keeps its bytes), the gate fails and writes no pending
        file that could be accepted."""
        project.add_app("hostile")
        project.configure(app="app_module:app", include=["GET /slow", "GET /ok"], timeout=0.5)
        project.edit("app_module", "    await anyio.sleep(3600)\n", "")
        project.run("--snapshot-update").assert_outcomes(passed=2)
        before = project.snapshots()
        assert responses(project, "GET_slow.json")[0]["body"] == {"finally": "done"}

        project.edit(
            "app_module",
            '    return {"finally": "done"}\n\n\n@app.get("/slow-sync")',
            '    await anyio.sleep(3600)\n    return {"finally": "done"}\n\n\n'
            '@app.get("/slow-sync")',
        )
        update = project.run("--snapshot-update")
        update.assert_outcomes(passed=1, failed=1)
        update.stdout.fnmatch_lines(
            ["GET /slow: no response within 0.5 s*snapshots/GET_slow.json is left as it was*"]
        )
        assert project.snapshots() == before

        gate = project.run()
        gate.assert_outcomes(passed=1, failed=1)
        gate.stdout.fnmatch_lines(["GET /slow: no response within 0.5 s*"])
        assert "answered differently" not in gate.stdout.str()
        assert project.snapshots() == before  # no GET_slow.json.pending either

    def test_blocking_sync_endpoint_times_out_once_its_thread_returns(
        self, project: Project
    ) -> None:
        """A `def` endpoint blocked in its worker thread cannot be interrupted; once it
        returns, the case is still a timeout failure and nothing is recorded."""
        project.add_app("hostile")
        project.configure(app="app_module:app", include=["GET /slow-sync"], timeout=0.5)
        result = project.run("--snapshot-update")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["GET /slow-sync: no response within 0.5 s*is not written*"])
        assert project.snapshots() == {}


class TestOnlyInProcess:
    def test_no_request_leaves_the_process(self, project: Project) -> None:
        """The schema names an external server and an endpoint redirects to it: every
        request goes to the app in-process, none to the network, and the recorded requests
        carry paths only."""
        project.add_app("hostile")
        (project.path / "conftest.py").write_text(SOCKET_GUARD)
        operations = ["GET /away", "GET /redirect", "GET /ok"]
        project.configure(app="app_module:app", include=operations)
        document = project.pytester.path / "snapshots" / "openapi.json"

        update = project.run("--snapshot-update")
        update.assert_outcomes(passed=3)
        assert '"http://evil.invalid"' in document.read_text()  # the servers entry
        recorded = requests_seen(project)
        gate = project.run()
        gate.assert_outcomes(passed=3)
        replayed = requests_seen(project)

        assert not (project.path / "connections.log").exists()
        # Two sends per case when recording, one when replaying; all at the test host.
        cases = sum(len(project.snapshot(f)["cases"]) for f in project.snapshots())
        assert len(recorded) == 2 * cases
        assert len(replayed) == cases
        assert {line.split()[1] for line in recorded + replayed} == {"testserver"}
        away = responses(project, "GET_away.json")[0]
        assert away["status"] == 307
        assert away["headers"]["location"] == f"{hostile.EXTERNAL}/steal?token=x"
        for name in project.snapshots():
            for case in project.snapshot(name)["cases"]:
                assert case["request"]["path"].startswith("/")
                assert "evil" not in str(case["request"])
        assert not [line for line in recorded + replayed if "/steal" in line]
