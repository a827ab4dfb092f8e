"""Bad inputs stop a run with one line that says what, where and how to fix it.

Every test drives real pytest sessions over a real app (``tests/apps/bad_traced.py``) that
leaves a file when its lifespan starts and a line per request, so a test can prove that
nothing started or no request was sent; the snapshot directory is compared byte for byte.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from .conftest import Project

ITEMS = ["GET /items", "GET /items/{item_id}"]


def literal(text: str) -> str:
    """An fnmatch pattern that matches exactly ``text``, as one whole line."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def files(project: Project, directory: str = "snapshots") -> dict[str, bytes]:
    """Every file of the snapshot directory, the stored OpenAPI document included."""
    root = project.path / directory
    return {p.name: p.read_bytes() for p in sorted(root.iterdir())} if root.is_dir() else {}


def requests(project: Project) -> list[str]:
    """The requests the app received since the traces were last cleared."""
    trace = project.path / "requests.trace"
    return trace.read_text(encoding="utf-8").splitlines() if trace.exists() else []


def started(project: Project) -> bool:
    return (project.path / "started.trace").exists()


def clear_traces(project: Project) -> None:
    for name in ("started.trace", "requests.trace"):
        (project.path / name).unlink(missing_ok=True)


def traced(project: Project, **settings: Any) -> None:
    """The traced app, configured with ``settings`` (only the /items operations by default)."""
    project.add_app("bad_traced")
    settings.setdefault("include", ITEMS)
    project.configure(app="app_module:app", **settings)


def recorded(project: Project, **settings: Any) -> dict[str, bytes]:
    """Record the traced app, clear its traces and return the snapshot files."""
    traced(project, **settings)
    project.run("--snapshot-update").assert_outcomes(passed=2)
    clear_traces(project)
    return files(project)


def start_up_error(result: pytest.RunResult, message: str) -> None:
    """The run failed at start-up with exactly ``message`` on one line, once: at collection
    (an update, which reads the app's document then) or at the first test (a gate, which
    lists its tests from the stored document; the others say so in short). Nothing ran."""
    outcomes = result.parseoutcomes()
    assert outcomes.get("errors", 0) >= 1, outcomes
    assert not outcomes.get("passed"), outcomes
    assert not outcomes.get("failed"), outcomes
    result.stdout.fnmatch_lines([literal(f"contractsnap: {message}")])
    assert result.stdout.str().count(message) == 1


def both_modes(project: Project) -> list[pytest.RunResult]:
    """A plain run, then an update run."""
    return [project.run(), project.run("--snapshot-update")]


# -- 1. the app --------------------------------------------------------------------------


NOT_AN_APP = """
from fastapi import FastAPI

settings = {"debug": True}


def make_app():
    return FastAPI()


class Application:
    pass
"""

NO_SCHEMA_ROUTE = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def items(request):
    return JSONResponse([])


app = Starlette(routes=[Route("/items", items)])
"""

HTML_EVERYWHERE = """
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route


async def page(request):
    return HTMLResponse("<!doctype html><title>shop</title><p>Welcome</p>")


app = Starlette(routes=[Route("/{rest:path}", page)])
"""

FAILING_LIFESPAN = """
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    raise ConnectionRefusedError("database at localhost:5432 refused the connection")
    yield


app = FastAPI(lifespan=lifespan)


@app.get("/items")
async def items() -> list[int]:
    (Path(__file__).parent / "requests.trace").write_text("GET /items\\n")
    return []
"""


class TestApp:
    """The app cannot be imported, is not an ASGI app, serves no schema or fails to start."""

    def test_missing_module(self, project: Project) -> None:
        """A module that does not exist is named with the setting to fix."""
        before = recorded(project)
        project.configure(app="app_modul:app", include=ITEMS)
        for result in both_modes(project):
            start_up_error(
                result,
                "app 'app_modul:app': no module named 'app_modul'; check `app` in "
                "[tool.contractsnap] and that the package is installed or on pytest's "
                "`pythonpath`",
            )
        assert files(project) == before
        assert not started(project)

    @pytest.mark.parametrize(
        ("raised", "kind"),
        [
            ('raise RuntimeError("DATABASE_URL is not set")', "RuntimeError"),
            ('sys.exit("DATABASE_URL is not set")', "SystemExit"),
        ],
        ids=["exception", "sys.exit"],
    )
    def test_module_raises_on_import(self, project: Project, raised: str, kind: str) -> None:
        """An exception (or ``sys.exit``) while importing the module is named, with how to
        see its traceback."""
        before = recorded(project)
        project.pytester.makepyfile(broken=f"import sys\n{raised}\n")
        project.configure(app="broken:app", include=ITEMS)
        for result in both_modes(project):
            start_up_error(
                result,
                f"app 'broken:app': importing 'broken' raised {kind}: DATABASE_URL is not "
                "set; fix the module (`python -c 'import broken'` shows the traceback)",
            )
            assert "Traceback" not in result.stdout.str()
        assert files(project) == before

    def test_missing_attribute(self, project: Project) -> None:
        """A module without the named attribute is reported with the setting to fix."""
        before = recorded(project)
        project.configure(app="app_module:application", include=ITEMS)
        for result in both_modes(project):
            start_up_error(
                result,
                "app 'app_module:application': module 'app_module' has no attribute "
                "'application'; check `app` in [tool.contractsnap]",
            )
        assert files(project) == before
        assert not started(project)

    @pytest.mark.parametrize(
        ("spec", "message"),
        [
            (
                "not_an_app:settings",
                "app 'not_an_app:settings': it is a dict, not an ASGI app; point `app` in "
                "[tool.contractsnap] at the application object (app = FastAPI())",
            ),
            (
                "not_an_app:make_app",
                "app 'not_an_app:make_app': it is make_app(), not an ASGI app; if it builds the "
                'app, write it as "not_an_app:make_app()"',
            ),
            (
                "not_an_app:Application",
                "app 'not_an_app:Application': it is the class Application, not an ASGI app; if "
                'it builds the app, write it as "not_an_app:Application()"',
            ),
            (
                "not_an_app:Application()",
                "app 'not_an_app:Application()': the factory returned an Application, not an "
                "ASGI app; make the factory return the application object",
            ),
        ],
    )
    def test_not_an_asgi_app(self, project: Project, spec: str, message: str) -> None:
        """An attribute that is no ASGI app is refused before anything is sent, with the fix."""
        project.pytester.makepyfile(not_an_app=NOT_AN_APP)
        project.configure(app=spec)
        for result in both_modes(project):
            start_up_error(result, message)
        assert files(project) == {}

    def test_app_without_a_schema(self, project: Project) -> None:
        """A Starlette app without a schema route: its 404 names `schema_path` and `schema`."""
        project.pytester.makepyfile(app_module=NO_SCHEMA_ROUTE)
        project.configure(app="app_module:app")
        for result in both_modes(project):
            start_up_error(
                result,
                "GET /openapi.json answered 404 (nor /schema/openapi.json, /docs/openapi.json, "
                "/api/openapi.json, /api/v1/openapi.json, /swagger.json), not the OpenAPI "
                "document; set `schema_path` in [tool.contractsnap] to where the app serves it "
                "(FastAPI: /openapi.json, Litestar: /schema/openapi.json), or `schema` to a file",
            )
        assert files(project) == {}

    def test_app_answers_html_for_the_schema(self, project: Project) -> None:
        """A page where the document should be (a catch-all route) is named as such."""
        project.pytester.makepyfile(app_module=HTML_EVERYWHERE)
        project.configure(app="app_module:app")
        for result in both_modes(project):
            start_up_error(
                result,
                "GET /openapi.json: the OpenAPI document is a str, not an object; set "
                "`schema_path` in [tool.contractsnap] to where the app serves its OpenAPI "
                "document, or `schema` to a file",
            )
        assert files(project) == {}

    def test_lifespan_fails_on_start_up(self, project: Project) -> None:
        """A start-up error is reported with `lifespan = false` as a way out; nothing is sent."""
        project.pytester.makepyfile(app_module=FAILING_LIFESPAN)
        project.configure(app="app_module:app")
        for result in both_modes(project):
            start_up_error(
                result,
                "app 'app_module:app': the lifespan start-up failed: ConnectionRefusedError: "
                "database at localhost:5432 refused the connection; fix the app, or set "
                "`lifespan = false`",
            )
        assert requests(project) == []
        assert files(project) == {}


# -- 2. the schema -----------------------------------------------------------------------

ITEM = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}


def openapi(version: str) -> dict[str, Any]:
    """The /items operations of the traced app, written by hand in OpenAPI ``version``."""
    if version == "2.0":
        item: dict[str, Any] = {"$ref": "#/definitions/Item"}
        param: dict[str, Any] = {"type": "integer"}
        return {
            "swagger": "2.0",
            "info": {"title": "traced", "version": "1"},
            "produces": ["application/json"],
            "paths": {
                "/items": {
                    "get": {
                        "operationId": "list_items",
                        "responses": {
                            "200": {
                                "description": "ok",
                                "schema": {"type": "array", "items": item},
                            }
                        },
                    }
                },
                "/items/{item_id}": {
                    "get": {
                        "operationId": "get_item",
                        "parameters": [
                            {"name": "item_id", "in": "path", "required": True, **param}
                        ],
                        "responses": {
                            "200": {"description": "ok", "schema": item},
                            "404": {"description": "none"},
                        },
                    }
                },
            },
            "definitions": {"Item": ITEM},
        }
    item = {"$ref": "#/components/schemas/Item"}

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "ok", "content": {"application/json": {"schema": schema}}}

    return {
        "openapi": version,
        "info": {"title": "traced", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "list_items",
                    "responses": {"200": body({"type": "array", "items": item})},
                }
            },
            "/items/{item_id}": {
                "get": {
                    "operationId": "get_item",
                    "parameters": [
                        {
                            "name": "item_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"200": body(item), "404": {"description": "none"}},
                }
            },
        },
        "components": {"schemas": {"Item": ITEM}},
    }


def schema_file(project: Project, name: str, content: Any) -> None:
    """The traced app with its OpenAPI document read from the file ``name``."""
    text = content if isinstance(content, str) else json.dumps(content, indent=2)
    (project.path / name).write_text(text, encoding="utf-8")
    traced(project, schema=name)


FILE_FIX = (
    "fix the file, or point `schema` in pyproject.toml [tool.contractsnap] at the app's "
    "OpenAPI document"
)


class TestSchema:
    """The OpenAPI document, fed directly with `schema = "file"`."""

    def test_invalid_json(self, project: Project) -> None:
        """Broken JSON names the file, the parser's position and the fix; nothing is sent."""
        text = json.dumps(openapi("3.1.0"))[:-40]
        schema_file(project, "api.json", text)
        try:
            json.loads(text)
        except ValueError as exc:
            problem = str(exc)
        for result in both_modes(project):
            start_up_error(
                result,
                f"schema file 'api.json': the OpenAPI document is not valid JSON ({problem}); "
                "fix the file, or point `schema` at the app's OpenAPI document",
            )
        assert requests(project) == []
        assert files(project) == {}

    def test_invalid_yaml(self, project: Project) -> None:
        """Broken YAML names the file, the line and column, and the fix."""
        schema_file(project, "api.yaml", "openapi: 3.1.0\npaths:\n  /items: {get: [\n")
        for result in both_modes(project):
            start_up_error(
                result,
                "schema file 'api.yaml': the OpenAPI document is not valid YAML (expected the "
                "node content, but found '<stream end>' at line 4, column 1); fix the file, or "
                "point "
                "`schema` at the app's OpenAPI document",
            )
        assert requests(project) == []

    def test_yaml_document_records_and_replays(self, project: Project) -> None:
        """A valid YAML document works like JSON (dates and all)."""
        import yaml

        document = openapi("3.0.3")
        document["info"]["version"] = "2024-01-01"  # YAML reads it as a date
        schema_file(
            project, "api.yaml", yaml.safe_dump(document).replace("'2024-01-01'", "2024-01-01")
        )
        project.run("--snapshot-update").assert_outcomes(passed=2)
        project.run().assert_outcomes(passed=2)

    @pytest.mark.parametrize(
        ("edit", "message"),
        [
            (
                lambda d: d.pop("openapi"),
                "schema file 'api.json' has no `openapi` field (or `swagger` for version 2.0), "
                f"so it is not an OpenAPI document; {FILE_FIX}",
            ),
            (
                lambda d: d.pop("paths"),
                f"schema file 'api.json' has no `paths` table; {FILE_FIX}",
            ),
            (
                lambda d: d.__setitem__("paths", ["/items"]),
                f"schema file 'api.json' has no `paths` table; {FILE_FIX}",
            ),
            (
                lambda d: d.__setitem__("openapi", 3.1),
                "schema file 'api.json': `openapi` must be a version string such as \"3.1.0\", "
                f"got float 3.1; {FILE_FIX}",
            ),
            (
                lambda d: d.__setitem__("openapi", "4.0.0"),
                "schema file 'api.json': schemathesis cannot load it: The provided schema uses "
                f"Open API 4.0.0, which is currently not supported; {FILE_FIX}",
            ),
            (
                lambda d: d["paths"].__setitem__("/items", "GET"),
                "schema file 'api.json': `paths./items` is a str, not a path item object; fix "
                "that path in the document",
            ),
            (
                lambda d: d["paths"]["/items"].__setitem__("get", ["list_items"]),
                "schema file 'api.json': `paths./items.get` is a list, not an operation object; "
                "fix that operation in the document",
            ),
        ],
        ids=[
            "no-openapi",
            "no-paths",
            "paths-list",
            "openapi-number",
            "openapi-4",
            "path-item-string",
            "operation-list",
        ],
    )
    def test_not_an_openapi_document(self, project: Project, edit: Any, message: str) -> None:
        """A JSON document that is not OpenAPI is refused at start-up with the fix."""
        before = recorded(project)
        document = openapi("3.1.0")
        edit(document)
        schema_file(project, "api.json", document)
        for result in both_modes(project):
            start_up_error(result, message)
        assert requests(project) == []
        assert files(project) == before

    def test_missing_file(self, project: Project) -> None:
        """A schema file that does not exist is named with its full path."""
        traced(project, schema="docs/api.json")
        start_up_error(
            project.run(),
            f"schema file 'docs/api.json': No such file or directory "
            f"({project.path / 'docs' / 'api.json'}); `schema` in pyproject.toml "
            "[tool.contractsnap] is relative to the project root",
        )

    @pytest.mark.parametrize(
        ("ref", "problem"),
        [
            ("#/components/schemas/Itme", "points nowhere in the document"),
            (
                "items.json#/Item",
                "points into another document, which contractsnap does not read; bundle the "
                "schema into one document",
            ),
        ],
    )
    def test_unresolvable_ref(self, project: Project, ref: str, problem: str) -> None:
        """A `$ref` that leads nowhere fails its operation alone; it sends nothing."""
        document = openapi("3.1.0")
        document["paths"]["/items/{item_id}"]["get"]["responses"]["200"]["content"][
            "application/json"
        ]["schema"] = {"$ref": ref}
        schema_file(project, "api.json", document)
        for args in (["--snapshot-update"], []):
            result = project.run(*args)
            result.assert_outcomes(passed=1, failed=1)
            result.stdout.fnmatch_lines(
                [
                    literal(
                        f"GET /items/{{item_id}}: schemathesis cannot read this operation: "
                        f"`$ref` {ref!r} {problem}; fix its definition in the schema or exclude "
                        "it with `exclude`"
                    )
                ]
            )
            assert not [line for line in requests(project) if line.startswith("GET /items/")]
        assert "GET_items_{item_id}.json" not in files(project)

    @pytest.mark.parametrize("version", ["3.0.3", "3.1.0", "2.0"])
    def test_openapi_versions(self, project: Project, version: str) -> None:
        """OpenAPI 3.0 and 3.1 and Swagger 2.0 documents record and replay alike."""
        schema_file(project, "api.json", openapi(version))
        project.run("--snapshot-update").assert_outcomes(passed=2)
        recorded_files = files(project)
        lists = json.loads(recorded_files["GET_items.json"])
        assert [c["response"]["status"] for c in lists["cases"]] == [200]
        one = json.loads(recorded_files["GET_items_{item_id}.json"])
        assert {c["response"]["status"] for c in one["cases"]} <= {200, 404}
        assert all(re.fullmatch(r"/items/-?\d+", c["request"]["path"]) for c in one["cases"])
        result = project.run()
        result.assert_outcomes(passed=2)
        assert files(project) == recorded_files

    def test_operation_without_responses(self, project: Project) -> None:
        """An operation that declares no responses records and replays (with a warning)."""
        document = openapi("3.1.0")
        del document["paths"]["/items"]["get"]["responses"]
        schema_file(project, "api.json", document)
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=2)
        assert json.loads(files(project)["GET_items.json"])["cases"][0]["response"]["status"] == 200
        project.run().assert_outcomes(passed=2)

    def test_path_with_a_control_character(self, project: Project) -> None:
        """A path no URL can carry fails its own operation, named; the others record."""
        document = openapi("3.1.0")
        document["paths"]["/items\x1f"] = document["paths"]["/items"]
        (project.path / "api.json").write_text(json.dumps(document), encoding="utf-8")
        traced(project, schema="api.json", include=[*ITEMS, "GET /items\x1f"])
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=2, failed=1)
        result.stdout.fnmatch_lines(
            ["*GET /items\x1f, case * has no valid URL (*); fix the path in the schema*"]
        )
        assert sorted(files(project)) == [
            "GET_items.json",
            "GET_items_{item_id}.json",
            "openapi.json",
        ]

    def test_recursive_schema(self, project: Project) -> None:
        """A tree node that references itself (FastAPI's own schema) records and replays."""
        traced(project, include=["POST /tree"], fuzz=5)
        project.run("--snapshot-update").assert_outcomes(passed=1)
        document = json.loads(files(project)["POST_tree.json"])
        answered = [c["response"] for c in document["cases"]]
        assert any(r["status"] == 200 and r["body"]["nodes"] >= 1 for r in answered)
        nested = [
            c
            for c in document["cases"]
            if any(isinstance(b, dict) and b.get("children") for b in [c["request"].get("body")])
        ]
        assert nested, "no case with child nodes was generated"
        project.run().assert_outcomes(passed=1)

    def test_unicode_and_long_paths(self, project: Project) -> None:
        """Non-ASCII and 300+ character paths record under safe, hashed file names."""
        traced(project, include=["GET /bücher/*", "GET /reports/*"])
        project.run("--snapshot-update").assert_outcomes(passed=2)
        names = sorted(set(files(project)) - {"openapi.json"})
        assert len(names) == 2
        assert all(name.isascii() and len(name.encode()) <= 255 for name in names)
        by_path = {
            json.loads(files(project)[name])["operation"]["path"]: json.loads(files(project)[name])
            for name in names
        }
        assert set(by_path) == {
            "/bücher/{titel}",
            next(p for p in by_path if p.startswith("/reports/")),
        }
        long_path = next(p for p in by_path if p.startswith("/reports/"))
        assert len(long_path) > 300
        assert by_path[long_path]["cases"][0]["response"]["body"] == {"length": len(long_path)}
        assert {c["response"]["status"] for c in by_path["/bücher/{titel}"]["cases"]} == {200}
        assert any(line.startswith("GET /bücher/") for line in requests(project))
        project.run().assert_outcomes(passed=2)


# -- 5. snapshot files ---------------------------------------------------------------------


def restore_hint(name: str) -> str:
    return (
        f"; restore it (git checkout -- snapshots/{name}) or delete it and record again with "
        "`pytest --snapshot-update`"
    )


def edited(text: bytes, edit: Any) -> str:
    document = json.loads(text)
    edit(document)
    return json.dumps(document, indent=2)


class TestSnapshotFiles:
    """Broken, hand-edited, newer and foreign files: a clear error or left alone, never lost."""

    @pytest.mark.parametrize(
        ("damage", "message"),
        [
            (
                lambda text: text[: len(text) // 2],
                "GET_items.json: not valid JSON ({error})" + restore_hint("GET_items.json"),
            ),
            (
                lambda text: "<<<<<<< HEAD\n" + text + "=======\n" + text + ">>>>>>> main\n",
                "GET_items.json: not valid JSON ({error})" + restore_hint("GET_items.json"),
            ),
            (
                lambda text: edited(text, lambda d: d["operation"].pop("fingerprint")),
                "GET_items.json: missing or malformed field 'fingerprint'"
                + restore_hint("GET_items.json"),
            ),
            (
                lambda text: edited(text, lambda d: d["cases"][0].pop("request")),
                "GET_items.json: missing or malformed field 'request'"
                + restore_hint("GET_items.json"),
            ),
            (
                lambda text: '{"owner": "another tool", "items": []}\n',
                "GET_items.json: no `format` field naming a contractsnap format"
                + restore_hint("GET_items.json"),
            ),
            (
                lambda text: edited(text, lambda d: d.__setitem__("format", "contractsnap/3")),
                "GET_items.json: written in format 'contractsnap/3', newer than this "
                "contractsnap understands (contractsnap/2); upgrade contractsnap",
            ),
        ],
        ids=["truncated", "merge-conflict", "no-fingerprint", "no-request", "foreign", "newer"],
    )
    def test_unreadable_file(self, project: Project, damage: Any, message: str) -> None:
        """The operation fails with the file, the problem and the fix, in a plain run and in
        an update alike; the file keeps its bytes and its requests are not sent."""
        recorded(project)
        path = project.path / "snapshots" / "GET_items.json"
        path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
        before = files(project)
        try:
            json.loads(path.read_bytes())
            error = ""
        except ValueError as exc:
            error = str(exc)
        for result in both_modes(project):
            result.assert_outcomes(passed=1, failed=1)
            result.stdout.fnmatch_lines([literal(message.format(error=error))])
            assert files(project) == before
        assert "GET /items" not in requests(project)
        assert any(line.startswith("GET /items/") for line in requests(project))

    def test_files_that_are_not_ours(self, project: Project) -> None:
        """Other JSON, a README and a nested directory in snapshots/ are never touched."""
        before = recorded(project)
        directory = project.path / "snapshots"
        extra = {
            "package.json": b'{"name": "docs", "version": "1.0.0"}\n',
            "broken.json": b'{"format": ',
            "README.md": b"Snapshots of the API.\n",
        }
        for name, content in extra.items():
            (directory / name).write_bytes(content)
        for result in (*both_modes(project), project.run()):
            assert result.ret == 0
        assert files(project) == {**before, **extra}


# -- 8. the previous format ----------------------------------------------------------------


def to_format_0(text: bytes) -> bytes:
    """A current file rewritten in the pre-release layout (``req``/``resp`` in each case)."""
    document = json.loads(text)
    document["format"] = "contractsnap/0"
    document["cases"] = [
        {
            **{k: v for k, v in case.items() if k not in ("request", "response")},
            "req": case["request"],
            "resp": case["response"],
        }
        for case in document["cases"]
    ]
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


class TestPreviousFormat:
    def test_replayed_then_rewritten_on_update(self, project: Project) -> None:
        """A contractsnap/0 file passes a plain run, which says it will be rewritten; the next
        update writes it in the current format, byte for byte what a recording writes."""
        current = recorded(project)
        path = project.path / "snapshots" / "GET_items.json"
        path.write_bytes(to_format_0(current["GET_items.json"]))
        old = files(project)
        result = project.run()
        result.assert_outcomes(passed=2)
        result.stdout.fnmatch_lines(
            [
                literal(
                    "snapshot files in an older format (contractsnap/0) replay as they are; the "
                    "next `pytest --snapshot-update` rewrites them in contractsnap/2"
                )
            ]
        )
        assert files(project) == old
        assert "GET /items" in requests(project)
        result = project.run("--snapshot-update")
        result.assert_outcomes(passed=2)
        result.stdout.fnmatch_lines(
            [
                literal(
                    "rewrote snapshots/GET_items.json from format contractsnap/0 in contractsnap/2"
                )
            ]
        )
        assert files(project) == current
        assert "older format" not in project.run().stdout.str()

    def test_changed_response_in_an_old_file_fails(self, project: Project) -> None:
        """The old file is compared by content: a changed response still fails the gate."""
        current = recorded(project)
        path = project.path / "snapshots" / "GET_items.json"
        path.write_bytes(to_format_0(current["GET_items.json"]))
        project.edit("app_module", 'name="one"', 'name="uno"')
        result = project.run()
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(
            ["*GET /items: 1 of 1 case answered differently from snapshots/GET_items.json *"]
        )


# -- 6. configuration ----------------------------------------------------------------------


class TestConfiguration:
    """Bad settings are usage errors at start-up: the app never starts, nothing is sent."""

    @pytest.mark.parametrize(
        ("table", "message"),
        [
            (
                'redcat = ["uuid"]',
                "unknown key `redcat`; did you mean `redact`?",
            ),
            ('fuzz = "3"', "`fuzz` must be an integer >= 0, got str '3'"),
            ("lifespan = 1", "`lifespan` must be true or false, got int 1"),
            (
                'redact = ["$.items[*"]',
                "`redact` has an invalid selector '$.items[*': ",
            ),
            (
                '[tool.contractsnap.operations."GETT /items"]\ntimeout = 5',
                ".operations.'GETT /items': invalid operation selector 'GETT /items'; use "
                '"GET /books/{book_id}" (globs allowed), "tag:NAME", "id:OPERATION_ID", '
                '"method:POST", "path:/books/*" or "scenario:NAME"',
            ),
            (
                '[tool.contractsnap.operations."GET /items"]\ntiemout = 5',
                ".operations.'GET /items': unknown key `tiemout`; did you mean `timeout`?",
            ),
        ],
        ids=["unknown-key", "wrong-type", "wrong-bool", "bad-selector", "bad-table", "table-key"],
    )
    def test_usage_error_before_start_up(self, project: Project, table: str, message: str) -> None:
        """The error names the key (and the table), says what is wrong and how to fix it."""
        before = recorded(project)
        pyproject = project.path / "pyproject.toml"
        text = pyproject.read_text()
        if table.startswith("["):  # a table of its own, after [tool.contractsnap]
            text = text.replace(
                "[tool.pytest.ini_options]", f"{table}\n\n[tool.pytest.ini_options]"
            )
        else:
            text = text.replace("[tool.contractsnap]\n", f"[tool.contractsnap]\n{table}\n")
        pyproject.write_text(text)
        where = "pyproject.toml [tool.contractsnap]" + ("" if message.startswith(".") else ": ")
        # The selector parser's own explanation follows a colon; the rest is matched exactly.
        pattern = literal(f"ERROR: contractsnap: {where}{message}") + (
            "*" if message.endswith(": ") else ""
        )
        for result in both_modes(project):
            assert result.ret == pytest.ExitCode.USAGE_ERROR
            result.stderr.fnmatch_lines([pattern])
        assert not started(project)
        assert requests(project) == []
        assert files(project) == before


# -- 2. many operations --------------------------------------------------------------------

CATCH_ALL = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def echo(request):
    return JSONResponse({"method": request.method, "path": request.url.path})


app = Starlette(routes=[Route("/{rest:path}", echo, methods=["GET", "PUT"])])
"""


def many_operations(count: int) -> dict[str, Any]:
    """A document of ``count`` operations (GET and PUT on count/2 paths), one shared body."""
    answer = {
        "200": {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Echo"}}},
        }
    }
    path_id = {"name": "rid", "in": "path", "required": True, "schema": {"type": "integer"}}
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Echo"}}}}
    paths = {
        f"/resources-{n}/{{rid}}": {
            "parameters": [path_id],
            "get": {"operationId": f"get_{n}", "responses": answer},
            "put": {"operationId": f"put_{n}", "requestBody": body, "responses": answer},
        }
        for n in range(count // 2)
    }
    echo = {
        "type": "object",
        "properties": {"method": {"type": "string"}, "path": {"type": "string"}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "many", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Echo": echo}},
    }


class TestManyOperations:
    def test_three_hundred_and_twenty_operations(self, project: Project) -> None:
        """Every one of 320 operations is recorded to its own file and replayed."""
        project.pytester.makepyfile(app_module=CATCH_ALL)
        (project.path / "api.json").write_text(json.dumps(many_operations(320)))
        project.configure(app="app_module:app", schema="api.json", max_cases=2)
        project.run("--snapshot-update").assert_outcomes(passed=320)
        recorded_files = files(project)
        assert len(recorded_files) == 321  # and openapi.json
        document = json.loads(recorded_files["PUT_resources-159_{rid}.json"])
        assert document["cases"][0]["response"]["body"]["method"] == "PUT"
        project.run().assert_outcomes(passed=320)
        assert files(project) == recorded_files
