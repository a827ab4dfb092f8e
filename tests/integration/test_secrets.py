"""Secrets never reach a committed file, whatever they look like and however they come back.

Hypothesis draws credentials (printable ASCII with `+/=%;,` and friends); the project's
``contractsnap_auth_headers`` sends them as Bearer and Basic credentials, API keys and
cookies to an app that echoes them back in every spelling it can (raw, inside longer text,
percent-encoded, base64, JSON-escaped, as object keys, in headers). Then every snapshot,
pending file and ``contractsnap report`` output is scanned for each credential in each
spelling, and for the machine's absolute paths.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from contractsnap._cases import _no_local_constants
from contractsnap.cli import main

from ..unit.test_properties import strings
from .conftest import Project

ECHO_APP = '''
import base64
import json
from urllib.parse import quote, quote_plus, unquote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from fastapi.security import (
    APIKeyCookie,
    APIKeyHeader,
    APIKeyQuery,
    HTTPBasic,
    HTTPBearer,
)

RUN = 1  # edited between runs: a change that is not a secret

app = FastAPI()
bearer = Depends(HTTPBearer(auto_error=False))
basic = Depends(HTTPBasic(auto_error=False))
header_key = Depends(APIKeyHeader(name="X-API-Key", auto_error=False))
query_key = Depends(APIKeyQuery(name="api_key", auto_error=False))
cookie_key = Depends(APIKeyCookie(name="session", auto_error=False))


def spellings(value):
    raw = value.encode()
    return {
        "raw": value,
        "inside": f"before-{value}-after",
        "quoted": quote(value, safe=""),
        "quoted_path": quote(value),
        "quoted_plus": quote_plus(value),
        "mixed_hex": quote(value, safe="").replace("%2F", "%2f").replace("%3D", "%3d"),
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "json": json.dumps(value),
        "as_key": {value: "key"},
        "in_json_text": json.dumps({"token": value}),
    }


def received(request):
    """Every credential the request carried, decoded the ways a server decodes them."""
    found = {f"header {k}": v for k, v in request.headers.items()}
    found |= {f"query {k}": v for k, v in request.query_params.items()}
    for name, value in request.cookies.items():
        found[f"cookie {name}"] = value
        found[f"cookie {name} decoded"] = unquote(value)
    scheme, _, credential = request.headers.get("authorization", "").partition(" ")
    if credential:
        found["credential"] = credential
        if scheme.lower() == "basic":
            user, _, password = base64.b64decode(credential).decode().partition(":")
            found["basic user"], found["basic password"] = user, password
    return {
        "run": RUN,
        "url": str(request.url),
        "echo": {name: spellings(value) for name, value in sorted(found.items())},
    }


def headers_for(request, response):
    credential = request.headers.get("authorization", "").partition(" ")[2]
    response.headers["x-echo"] = quote(request.headers.get("x-api-key", ""), safe="")
    response.headers["location"] = "/next?token=" + quote_plus(credential)
    response.headers["set-cookie"] = "session=" + quote(credential, safe="")
    response.headers["www-authenticate"] = f'Bearer realm="{credential}"'


@app.get("/bearer", operation_id="bearer", dependencies=[bearer, query_key, cookie_key])
async def with_bearer(request: Request, response: Response) -> dict:
    headers_for(request, response)
    return received(request)


@app.get("/basic", operation_id="basic", dependencies=[basic, header_key])
async def with_basic(request: Request, response: Response) -> dict:
    headers_for(request, response)
    return received(request)


@app.get("/apikey", operation_id="apikey", dependencies=[header_key, query_key, cookie_key])
async def with_api_key(request: Request, response: Response) -> dict:
    headers_for(request, response)
    return received(request)


@app.get("/text", operation_id="text", response_class=PlainTextResponse,
         dependencies=[bearer, header_key])
async def as_text(request: Request) -> str:
    return json.dumps(received(request), indent=1)
'''

CONFTEST = """
import base64
import json
from pathlib import Path
from urllib.parse import quote

import pytest

TOKENS = json.loads(Path(__file__).with_name("tokens.json").read_text())


@pytest.fixture
def contractsnap_auth_headers(contractsnap_operation):
    a, b, c, d = TOKENS[contractsnap_operation.path]
    return {
        "/bearer": {
            "Authorization": f"Bearer {a}",
            "X-API-Key": b,
            "Cookie": f"session={quote(c, safe='')}; other={quote(d, safe='')}",
        },
        "/basic": {
            "Authorization": "Basic " + base64.b64encode(f"user-name:{a}".encode()).decode(),
            "X-API-Key": b,
            "X-Extra-Token": c,
            "Cookie": f"session={quote(d, safe='')}",
        },
        "/apikey": {
            "X-API-Key": a,
            "X-Other-Key": b,
            "Authorization": f"Token {c}",
            "Cookie": f"session={quote(d, safe='')}",
        },
        "/text": {
            "Authorization": f"Bearer {a}",
            "X-API-Key": b,
            "X-Extra-Token": c,
            "Cookie": f"session={quote(d, safe='')}",
        },
    }[contractsnap_operation.path]
"""

OPERATIONS = ("/bearer", "/basic", "/apikey", "/text")
#: Printable ASCII, with the characters that matter to headers, cookies, URLs and base64
#: drawn often; at least five distinct characters, so a token is not ordinary file text
#: (eight spaces are the indentation of the snapshot file).
TOKEN = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E) | st.sampled_from('+/=%;,"\\ :&?#'),
    min_size=8,
    max_size=64,
).filter(lambda t: len(set(t)) >= 5)
TOKENS = st.lists(TOKEN, min_size=32, max_size=32, unique=True)


def spellings(token: str) -> set[str]:
    """The spellings of a credential that must appear nowhere."""
    raw = token.encode()
    forms = {
        token,
        quote(token, safe=""),
        quote(token),
        quote_plus(token),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        json.dumps(token)[1:-1],
    }
    return {f for f in forms if len(f) >= 8}


class Scanner:
    """Looks for secrets and the machine's absolute paths in written files and outputs."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.secrets: dict[str, str] = {}
        self.paths = {
            str(project.path),
            str(project.path.resolve()),
            str(Path.home()),
            os.path.join(tempfile.gettempdir(), ""),
        }
        self.scanned: list[str] = []

    def add(self, tokens: list[str]) -> None:
        for token in tokens:
            for form in spellings(token):
                self.secrets[form] = token
        # The whole Basic header value is a secret too.
        basic = base64.b64encode(f"user-name:{tokens[4]}".encode()).decode()
        self.secrets[basic] = tokens[4]

    def text(self, where: str, text: str, *, paths: bool = True) -> None:
        """Raw text (a JSON string may hold a secret escaped, so both spellings are looked for).

        Without ``paths``, absolute paths are allowed (pytest's own header names the rootdir).
        """
        self.scanned.append(where)
        for form, token in self.secrets.items():
            assert form not in text, f"{where}: credential {token!r} found as {form!r}"
        for path in self.paths if paths else ():
            assert path not in text, f"{where}: absolute path {path!r} found"
        try:
            document = json.loads(text)
        except ValueError:
            return
        for value in strings(document):
            for form, token in self.secrets.items():
                assert form not in value, f"{where}: credential {token!r} found as {form!r}"

    def directory(self) -> None:
        for path in sorted((self.project.path / "snapshots").iterdir()):
            self.text(path.name, path.read_text(encoding="utf-8"))


def write_tokens(project: Project, tokens: list[str]) -> None:
    table = {op: tokens[i * 4 : i * 4 + 4] for i, op in enumerate(OPERATIONS)}
    (project.path / "tokens.json").write_text(json.dumps(table))


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def cli(project: Project, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--dir", str(project.path / "snapshots"), *args], stdout=out)
    return code, out.getvalue()


def reset(project: Project) -> None:
    """A fresh project in the same directory (Hypothesis runs several examples in one test)."""
    for name in ("snapshots", ".git", ".hypothesis"):
        shutil.rmtree(project.path / name, ignore_errors=True)
    project.pytester.makepyfile(app_module=ECHO_APP)
    project.pytester.makeconftest(CONFTEST)
    project.configure(app="app_module:app", headers=["x-echo", "set-cookie"])


@pytest.fixture
def echo_project(project: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "CI")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "ci@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "CI")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "ci@example.com")
    return project


def draw_token_sets(count: int) -> list[list[str]]:
    """``count`` lists of 32 distinct credentials, drawn by Hypothesis with a fixed seed.

    Drawn before any session runs: contractsnap generates cases with Hypothesis, which
    refuses to run inside a ``@given`` test. Without the literals of local modules, which
    Hypothesis mixes in and which the files hold anyway ("contractsnap", "snapshots").
    """
    found: list[list[str]] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        derandomize=True,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(tokens=TOKENS)
    def collect(tokens: list[str]) -> None:
        found.append(tokens)

    with _no_local_constants():
        collect()
    return found[:count]


class TestSecretsNeverCommitted:
    @pytest.mark.parametrize("tokens", draw_token_sets(4), ids=lambda t: f"{len(t)} tokens")
    def test_echoed_credentials_never_written(
        self, echo_project: Project, tokens: list[str]
    ) -> None:
        """Record with 16 credentials, gate with 16 others (pending files), accept, report:
        no credential, in any spelling, and no absolute path is in any file or output."""
        project = echo_project
        reset(project)
        scanner = Scanner(project)
        first, second = tokens[:16], tokens[16:]

        write_tokens(project, first)
        scanner.add(first)
        recorded = project.run("--snapshot-update")
        recorded.assert_outcomes(passed=len(OPERATIONS))
        scanner.text("the recording run's output", recorded.stdout.str(), paths=False)
        scanner.directory()
        for name in (f"GET_{op[1:]}.json" for op in OPERATIONS):
            for case in project.snapshot(name)["cases"]:
                request = case["request"]
                # Credentials the generator put in security parameters are not kept.
                assert "api_key" not in request.get("query", {}), name
                assert "session" not in request.get("cookies", {}), name
                assert not {h.lower() for h in request.get("headers", {})} & {
                    "authorization",
                    "x-api-key",
                    "cookie",
                }, name
                if name != "GET_text.json":
                    assert case["response"]["headers"]["set-cookie"] == "<secret:1>", name
        git(project.path, "init", "-q", "-b", "main")
        git(project.path, "add", "snapshots")
        git(project.path, "commit", "-q", "-m", "snapshots")

        # Rotated credentials alone change nothing: they are all placeholders.
        write_tokens(project, second)
        scanner.add(second)
        project.run().assert_outcomes(passed=len(OPERATIONS))

        project.edit("app_module", "RUN = 1", "RUN = 2")
        gate = project.run()
        gate.assert_outcomes(failed=len(OPERATIONS))
        scanner.text("the gate run's output", gate.stdout.str(), paths=False)
        pending = sorted((project.path / "snapshots").glob("*.pending"))
        assert len(pending) == len(OPERATIONS)
        scanner.directory()

        for command in (["pending"], ["show", "GET /bearer#*"], ["accept"]):
            _, out = cli(project, *command)
            scanner.text(f"contractsnap {' '.join(command)}", out)
        assert not list((project.path / "snapshots").glob("*.pending"))
        scanner.directory()
        for fmt in ("markdown", "json", "junit"):
            code, out = cli(project, "report", "--base", "main", "--format", fmt)
            assert code == 0, out
            assert "run" in out
            scanner.text(f"contractsnap report --format {fmt}", out)
        assert len(scanner.scanned) > 3 * len(OPERATIONS)

    def test_credentials_http_cannot_carry_are_refused_by_name(self, echo_project: Project) -> None:
        """A non-ASCII credential fails each test with one line naming the header; nothing
        is written and the value is not shown."""
        project = echo_project
        reset(project)
        tokens = ["tøken-ünïcode-1", "ключ-секрет-2", "秘密のトークン3", "x\u00a0y-z-4"] * 4
        write_tokens(project, tokens)
        result = project.run("--snapshot-update")
        result.assert_outcomes(failed=len(OPERATIONS))
        result.stdout.fnmatch_lines(
            [
                "*contractsnap_auth_headers: the value of header 'Authorization' is non-ASCII "
                "text; HTTP header values are ASCII strings: percent-encode or base64-encode it",
            ]
        )
        output = result.stdout.str()
        for token in set(tokens):
            assert token not in output
        assert not (project.path / "snapshots").exists() or not [
            p for p in (project.path / "snapshots").iterdir() if p.name != "openapi.json"
        ]


def test_a_key_in_the_query_is_sent_and_never_stored(project: Project) -> None:
    """`contractsnap_auth_params` sends a query API key; no file holds it, even echoed."""
    project.add_app("query_key")
    project.configure(app="app_module:app")
    project.pytester.makeconftest(
        """
        import pytest

        @pytest.fixture
        def contractsnap_auth_params():
            return {"api_key": "query-secret-42"}
        """
    )
    project.run("--snapshot-update").assert_outcomes(passed=1)
    document = project.snapshot("GET_reports.json")
    assert {c["response"]["status"] for c in document["cases"]} == {200}
    assert all("api_key" not in c["request"].get("query", {}) for c in document["cases"])
    body = document["cases"][0]["response"]["body"]
    assert body["key"] == "<secret:1>"
    assert body["url"] == "http://testserver/reports?api_key=<secret:1>"
    for name, data in project.snapshots().items():
        assert b"query-secret-42" not in data, name
    project.run().assert_outcomes(passed=1)
