"""Real apps beyond `app = FastAPI()`: factories, start-up routes, mounts, other frameworks."""

from __future__ import annotations

from .conftest import Project


def statuses(project: Project, name: str) -> list[int]:
    return [c["response"]["status"] for c in project.snapshot(name)["cases"]]


class TestApps:
    def test_factory(self, project: Project) -> None:
        """`module:create_app()` calls the factory once and tests the app it returns."""
        project.add_app("features")
        project.configure(app="app_module:create_app()", include=["GET /orders/{order_id}/lines/*"])
        project.run("--snapshot-update").assert_outcomes(passed=1)
        project.run().assert_outcomes(passed=1)

    def test_routes_registered_at_startup_are_tested(self, project: Project) -> None:
        """The schema is read after the lifespan's start-up, so late routes are found."""
        project.add_app("startup_routes")
        project.configure(app="app_module:app")
        project.run("--snapshot-update").assert_outcomes(passed=2)
        assert set(project.snapshots()) == {"GET_greeting.json", "GET_late.json"}
        assert statuses(project, "GET_greeting.json") == [200]
        assert project.snapshot("GET_late.json")["cases"][0]["response"]["body"] == {
            "registered": "at-startup"
        }

    def test_mounted_app_with_base_path(self, project: Project) -> None:
        """base_path prefixes requests for an app whose schema paths sit under a mount."""
        project.add_app("mounted")
        project.configure(
            app="app_module:app", schema_path="/api/v1/openapi.json", base_path="/api/v1"
        )
        project.run("--snapshot-update").assert_outcomes(passed=2)
        assert set(project.snapshots()) == {"GET_items.json", "GET_items_{item_id}.json"}
        assert statuses(project, "GET_items.json") == [200]
        project.run().assert_outcomes(passed=2)

    def test_starlette_with_a_schema(self, project: Project) -> None:
        """A plain Starlette app that serves an OpenAPI document works."""
        project.add_app("starlette_app")
        project.configure(app="app_module:app")
        project.run("--snapshot-update").assert_outcomes(passed=3)
        assert set(project.snapshots()) == {
            "GET_users.json",
            "POST_users.json",
            "GET_users_{user_id}.json",
        }
        assert 201 in statuses(project, "POST_users.json")
        project.run().assert_outcomes(passed=3)

    def test_litestar(self, project: Project) -> None:
        """A Litestar app works, with its schema at /schema/openapi.json."""
        project.add_app("litestar_app")
        project.configure(app="app_module:app", schema_path="/schema/openapi.json", backend="trio")
        project.run("--snapshot-update").assert_outcomes(passed=3)
        assert set(project.snapshots()) == {
            "GET_books.json",
            "POST_books.json",
            "GET_books_{book_id}.json",
        }
        assert 201 in statuses(project, "POST_books.json")
        project.run().assert_outcomes(passed=3)

    def test_litestar_without_schema_path(self, project: Project) -> None:
        """Without `schema_path`, the usual places are tried: Litestar's is found."""
        project.add_app("litestar_app")
        project.configure(app="app_module:app", backend="trio")
        project.run("--snapshot-update").assert_outcomes(passed=3)
        project.run().assert_outcomes(passed=3)

    def test_wrong_schema_path_names_the_setting(self, project: Project) -> None:
        """A `schema_path` where the app serves nothing gets a clear error."""
        project.add_app("litestar_app")
        project.configure(app="app_module:app", schema_path="/openapi.json")
        result = project.run()
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            [
                "contractsnap: GET /openapi.json answered 404, not the OpenAPI document; set "
                "`schema_path` in [[]tool.contractsnap[]] to where the app serves it*",
            ]
        )

    def test_no_document_at_any_usual_place(self, project: Project) -> None:
        project.add_app("litestar_app")
        project.edit("app_module", "Litestar(", "Litestar(openapi_config=None, ")
        project.configure(app="app_module:app", backend="trio")
        result = project.run()
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            [
                "contractsnap: GET /openapi.json answered 404 (nor /schema/openapi.json, "
                "/docs/openapi.json, *), not the OpenAPI document; set `schema_path` *",
            ]
        )

    def test_bad_app_spec_is_reported_before_any_request(self, project: Project) -> None:
        """A missing module or attribute is one clear line naming the setting."""
        project.configure(app="no_such_module:app")
        result = project.run()
        result.assert_outcomes(errors=1)
        result.stdout.fnmatch_lines(
            [
                "contractsnap: app 'no_such_module:app': no module named 'no_such_module'; check "
                "`app` in [[]tool.contractsnap[]]*",
            ]
        )


LIFESPAN_APP = """
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app):
    print("LIFESPAN START")
    yield
    print("LIFESPAN STOP")


app = FastAPI(lifespan=lifespan)


@app.get("/a", operation_id="a")
async def a() -> dict[str, int]:
    return {"a": 1}


@app.get("/b", operation_id="b")
async def b() -> dict[str, int]:
    return {"b": 2}
"""


class TestLifespan:
    def test_lifespan_runs_once_per_run(self, project: Project) -> None:
        """Start-up and shut-down happen once for the whole run, not per test or per send."""
        project.pytester.makepyfile(app_module=LIFESPAN_APP)
        project.configure(app="app_module:app")
        for args in (["--snapshot-update"], []):
            result = project.run("-s", *args)
            result.assert_outcomes(passed=2)
            out = result.stdout.str()
            assert out.count("LIFESPAN START") == 1
            assert out.count("LIFESPAN STOP") == 1
