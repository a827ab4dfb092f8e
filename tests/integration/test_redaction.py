"""Volatile values and secrets: flake-proof recording, redaction rules, no leaked credentials."""

from __future__ import annotations

from .conftest import Project

TEXT_CLOCK_APP = """
import uuid

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI()


@app.get("/ticket", operation_id="ticket", response_class=PlainTextResponse)
async def ticket() -> str:
    return f"ticket {uuid.uuid4()}"
"""


class TestFlakeProofRecording:
    def test_text_bodies_get_detector_suggestions(self, project: Project) -> None:
        """A volatile value in a text body is named, with the detector that hides it."""
        project.pytester.makepyfile(app_module=TEXT_CLOCK_APP)
        project.configure(app="app_module:app")
        result = project.run("--snapshot-update")
        result.assert_outcomes(failed=1)
        result.stdout.fnmatch_lines(["  text: * then *", '  redact = ["uuid"]'])
        project.configure(app="app_module:app", redact=["uuid"])
        project.run("--snapshot-update").assert_outcomes(passed=1)
        body = project.snapshot("GET_ticket.json")["cases"][0]["response"]["text"]
        assert body == "ticket <uuid:1>"

    def test_volatile_response_is_refused_with_the_fix(self, project: Project) -> None:
        """A fresh uuid/timestamp per response is not written; the error shows the config line."""
        project.add_app("volatile")
        project.configure(app="app_module:app")
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            [
                "POST /things: responses differ between two sends of the same request, so a "
                "snapshot would flake; snapshots/POST_things.json was not written.",
                "case 1/1 [[]*[]] *",
                "  POST /things",
                "  $.created_at: * then *",
                "  $.id: * then *",
                "  header location: * then *",
                "Redact the volatile values in pyproject.toml, then record again:",
                "  [[]tool.contractsnap[]]",
                '  redact = ["timestamp", "uuid"]',
            ]
        )
        assert set(project.snapshots()) == {"GET_stable.json"}

    def test_suggested_rules_make_record_and_replay_pass(self, project: Project) -> None:
        """With the suggested line, recording and replay pass and placeholders are correlated."""
        project.add_app("volatile")
        project.configure(app="app_module:app", redact=["timestamp", "uuid"])
        project.run("--snapshot-update").assert_outcomes(passed=2)
        project.run().assert_outcomes(passed=2)
        response = project.snapshot("POST_things.json")["cases"][0]["response"]
        assert response["body"] == {"created_at": "<timestamp:1>", "id": "<uuid:1>", "name": "x"}
        assert response["headers"]["location"] == "/things/<uuid:1>"

    def test_path_selectors_redact_whole_values(self, project: Project) -> None:
        """A `$.path` rule replaces the value at that path, whatever it looks like."""
        project.add_app("volatile")
        project.configure(app="app_module:app", redact=["$.id", "$.created_at"])
        project.run("--snapshot-update").assert_outcomes(passed=2)
        project.run().assert_outcomes(passed=2)
        response = project.snapshot("POST_things.json")["cases"][0]["response"]
        assert response["body"] == {"created_at": "<redacted:1>", "id": "<redacted:2>", "name": "x"}
        assert response["headers"]["location"] == "/things/<redacted:2>"


class TestSecrets:
    def test_auth_values_are_redacted_wherever_they_come_back(self, project: Project) -> None:
        """A credential the tool sent never reaches a snapshot, even when the API echoes it."""
        project.add_app("features")
        project.configure(app="app_module:app", include=["GET /me"])
        project.pytester.makeconftest("""
import pytest

@pytest.fixture
def contractsnap_auth_headers():
    return {"X-Client-Version": "31.337", "Authorization": "Bearer s3cr3t-t0ken"}
""")
        project.run("--snapshot-update").assert_outcomes(passed=1)
        text = project.snapshots()["GET_me.json"].decode()
        assert "31.337" not in text
        assert "s3cr3t" not in text
        body = project.snapshot("GET_me.json")["cases"][0]["response"]["body"]
        assert body["client_version"] == "<secret:1>"
        project.run().assert_outcomes(passed=1)


ECHO_AUTH_APP = """
from fastapi import Cookie, FastAPI, Header

app = FastAPI()


@app.get("/whoami", operation_id="whoami")
async def whoami(x_api_key: str = Header(), session: str | None = Cookie(default=None)) -> dict:
    ok = x_api_key == "k3y-0f-the-test"
    return {"ok": ok, "key": x_api_key, "session": session}
"""


class TestCredentialsWin:
    def test_auth_header_replaces_a_generated_parameter(self, project: Project) -> None:
        """A credential declared as a plain header parameter is sent once, from the fixture."""
        project.pytester.makepyfile(app_module=ECHO_AUTH_APP)
        project.configure(app="app_module:app")
        project.pytester.makeconftest("""
import pytest

@pytest.fixture
def contractsnap_auth_headers():
    return {"X-API-Key": "k3y-0f-the-test", "Cookie": "session=s3ss10n-value"}
""")
        project.run("--snapshot-update").assert_outcomes(passed=1)
        text = project.snapshots()["GET_whoami.json"].decode()
        assert "k3y-0f-the-test" not in text
        assert "s3ss10n-value" not in text
        for case in project.snapshot("GET_whoami.json")["cases"]:
            assert case["response"]["body"]["ok"] is True
            assert "x-api-key" not in {h.lower() for h in case["request"].get("headers", {})}
