"""`contractsnap report`: snapshot changes between git refs, classified, in real git repos."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from contractsnap._canonical import dumps
from contractsnap.cli import main


def case(case_id: str, status: int = 200, body: Any = None, **headers: str) -> dict[str, Any]:
    response: dict[str, Any] = {
        "status": status,
        "headers": {"content-type": "application/json", **headers},
    }
    if body is not None:
        response["body"] = body
    return {
        "id": case_id,
        "source": "coverage",
        "description": "d",
        "request": {"method": "GET", "path": f"/x/{case_id}"},
        "response": response,
    }


def operation(path: str, cases: list[dict[str, Any]], method: str = "GET") -> dict[str, Any]:
    return {
        "format": "contractsnap/1",
        "cases": cases,
        "operation": {"fingerprint": "f", "method": method, "operationId": None, "path": path},
    }


class Repo:
    """A git repository holding a snapshots/ directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.snapshots = root / "snapshots"
        self.snapshots.mkdir()
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "ci@example.com")
        self.git("config", "user.name", "CI")

    def git(self, *args: str) -> None:
        subprocess.run(["git", "-C", str(self.root), *args], check=True, capture_output=True)

    def write(self, name: str, document: dict[str, Any]) -> None:
        (self.snapshots / name).write_text(dumps(document))

    def commit(self, message: str = "snapshots") -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def report(self, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["--dir", str(self.snapshots), "report", *args], stdout=out)
        return code, out.getvalue()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Repo(tmp_path)


SCHEMA_WITH_X = {
    "openapi": "3.1.0",
    "info": {"title": "x", "version": "1"},
    "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}},
}

BASE = operation(
    "/x",
    [
        case("a1", body={"id": 1, "name": "n", "tags": ["t"]}, etag="e"),
        case("b2", body={"id": 2}),
        case("c3", status=200, body={"id": 3}),
    ],
)


def findings(repo: Repo) -> dict[str, str]:
    code, text = repo.report("--base", "main", "--format", "json", "--fail-on", "none")
    assert code == 0
    data = json.loads(text)
    return {group["what"]: group["level"] for group in data["groups"]}


class TestClassification:
    @pytest.mark.parametrize(
        ("edit", "what", "level"),
        [
            (
                lambda d: d["cases"][0]["response"]["body"].pop("name"),
                "field `$.name` removed",
                "breaking",
            ),
            (
                lambda d: d["cases"][0]["response"]["body"].update(id="1"),
                "type of `$.id` changed from number to string",
                "breaking",
            ),
            (
                lambda d: d["cases"][0]["response"]["headers"].pop("etag"),
                "header `etag` removed",
                "breaking",
            ),
            (
                lambda d: d["cases"][2]["response"].update(status=404),
                "a success became an error (200 -> 404)",
                "breaking",
            ),
            (
                lambda d: d["cases"][1]["response"].update(status=201),
                "status 200 -> 201",
                "breaking",
            ),
            (
                lambda d: d["cases"][0]["response"]["body"].update(name="m"),
                "value of `$.name` changed",
                "changed",
            ),
            (
                lambda d: d["cases"][0]["response"]["body"]["tags"].append("u"),
                "`$.tags` has 2 items instead of 1",
                "changed",
            ),
            (
                lambda d: d["cases"][0]["response"]["headers"].update(etag="f"),
                "header `etag` changed",
                "changed",
            ),
            (lambda d: d["cases"].pop(1), "case removed", "changed"),
            (
                lambda d: d["cases"][0]["response"]["body"].update(discount=0),
                "field `$.discount` added",
                "additive",
            ),
            (
                lambda d: d["cases"][0]["response"]["headers"].update(link="l"),
                "header `link` added",
                "additive",
            ),
            (lambda d: d["cases"].append(case("d4")), "new case", "additive"),
        ],
    )
    def test_each_rule(self, repo: Repo, edit: Any, what: str, level: str) -> None:
        """Each kind of change is classified by its rule."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        head = copy.deepcopy(BASE)
        edit(head)
        repo.write("GET_x.json", head)
        assert findings(repo) == {what: level}

    def test_operations_added_and_removed(self, repo: Repo) -> None:
        """A new operation is additive; a removed one is breaking."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        (repo.snapshots / "GET_x.json").unlink()
        repo.write("GET_y.json", operation("/y", [case("a1")]))
        assert findings(repo) == {"operation removed": "breaking", "new operation": "additive"}

    def test_a_deleted_file_of_a_kept_operation_is_a_deleted_file(self, repo: Repo) -> None:
        """The schema still has the operation: its file was deleted, it was not removed."""
        repo.write("GET_x.json", BASE)
        (repo.snapshots / "openapi.json").write_text(json.dumps(SCHEMA_WITH_X))
        repo.commit()
        (repo.snapshots / "GET_x.json").unlink()
        assert findings(repo) == {"snapshot file deleted": "changed"}

    def test_a_removed_operation_is_counted_once(self, repo: Repo) -> None:
        """Gone from the schema and from the snapshots: one finding, not two."""
        repo.write("GET_x.json", BASE)
        (repo.snapshots / "openapi.json").write_text(json.dumps(SCHEMA_WITH_X))
        repo.commit()
        (repo.snapshots / "GET_x.json").unlink()
        (repo.snapshots / "openapi.json").write_text(json.dumps({**SCHEMA_WITH_X, "paths": {}}))
        _, text = repo.report("--base", "main", "--format", "json")
        data = json.loads(text)
        assert data["summary"]["operations removed"] == 1
        assert data["summary"]["breaking"] == 1
        assert [g["what"] for g in data["groups"]] == ["operation removed"]

    def test_layout_only_is_cosmetic(self, repo: Repo) -> None:
        """The same data in another layout is cosmetic."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        (repo.snapshots / "GET_x.json").write_text(json.dumps(BASE))
        assert findings(repo) == {"layout only (same data)": "cosmetic"}

    def test_document_values_outside_operations_are_listed_not_counted(self, repo: Repo) -> None:
        """A ``default`` in components and the version: listed, no operation counted."""
        schema: dict[str, Any] = {
            **SCHEMA_WITH_X,
            "components": {"schemas": {"X": {"properties": {"at": {"default": "2026-01-01"}}}}},
        }
        repo.write("GET_x.json", BASE)
        (repo.snapshots / "openapi.json").write_text(json.dumps(schema))
        repo.commit()
        changed = copy.deepcopy(schema)
        changed["components"]["schemas"]["X"]["properties"]["at"]["default"] = "2026-02-02"
        changed["info"]["version"] = "2"
        (repo.snapshots / "openapi.json").write_text(json.dumps(changed))
        code, text = repo.report("--base", "main", "--fail-on", "none")
        assert code == 0
        assert "| operations changed | 0 |" in text
        assert (
            '- **schema: `$.components.schemas.X.properties.at.default`: "2026-01-01" then '
            '"2026-02-02"**'
        ) in text.splitlines()
        assert '- **schema: `$.info.version`: "1" then "2"**' in text.splitlines()


class TestWorkingTree:
    def test_pending_changes_are_reported_apart(self, repo: Repo) -> None:
        """A failing run left a pending file: the report shows it, never "nothing changed"."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        waiting = copy.deepcopy(BASE)
        waiting["cases"][1]["response"]["body"]["id"] = 20
        (repo.snapshots / "GET_x.json.pending").write_text(dumps(waiting))
        code, text = repo.report("--base", "main")
        assert code == 0
        assert "No snapshot changed." not in text
        lines = text.splitlines()
        assert "No accepted snapshot changed." in lines
        assert "### Pending review (1 change, not in the snapshots yet)" in lines
        assert "- **value of `$.id` changed**: 1 case in 1 operation (`GET /x`)" in lines
        data = json.loads(repo.report("--base", "main", "--format", "json")[1])
        assert [g["what"] for g in data["pending"]] == ["value of `$.id` changed"]
        assert data["groups"] == []

    def test_uncommitted_changes_are_in_the_report(self, repo: Repo) -> None:
        repo.write("GET_x.json", BASE)
        repo.commit()
        head = copy.deepcopy(BASE)
        head["cases"][1]["response"]["body"]["id"] = 20
        repo.write("GET_x.json", head)
        assert findings(repo) == {"value of `$.id` changed": "changed"}

    def test_two_commits_say_what_they_leave_out(self, repo: Repo) -> None:
        repo.write("GET_x.json", BASE)
        repo.commit()
        (repo.snapshots / "GET_x.json.pending").write_text(dumps(BASE))
        _, text = repo.report("--base", "main", "--head", "main")
        assert (
            "Compares two commits: uncommitted and pending snapshot changes are not included "
            "(leave out `--head` to compare `main` with the working tree and its pending "
            "changes)."
        ) in text.splitlines()
        assert "Pending review" not in text


class TestReport:
    def test_two_hundred_cases_from_one_field_fit_one_screen(self, repo: Repo) -> None:
        """One new field across 200 cases in 9 operations is one grouped line."""
        for n in range(9):
            repo.write(
                f"GET_op{n}.json",
                operation(
                    f"/op{n}",
                    [case(f"{n}-{i}", body={"id": i}) for i in range(23 if n < 8 else 16)],
                ),
            )
        repo.commit()
        for n in range(9):
            path = repo.snapshots / f"GET_op{n}.json"
            document = json.loads(path.read_text())
            for item in document["cases"]:
                item["response"]["body"]["discount"] = 0
            path.write_text(dumps(document))
        code, text = repo.report("--base", "main")
        assert code == 0
        assert "- **field `$.discount` added**: 200 cases in 9 operations" in text
        assert len(text.splitlines()) < 40
        assert "| cases changed | 200 |" in text

    def test_fail_on_and_step_summary(
        self, repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """--fail-on sets the exit code; GITHUB_STEP_SUMMARY receives the Markdown."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        head = copy.deepcopy(BASE)
        head["cases"][0]["response"]["body"]["name"] = "m"
        repo.write("GET_x.json", head)
        summary = tmp_path / "summary.md"
        monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
        assert repo.report("--base", "main")[0] == 0
        assert repo.report("--base", "main", "--fail-on", "any")[0] == 1
        head["cases"][0]["response"]["body"].pop("name")
        repo.write("GET_x.json", head)
        assert repo.report("--base", "main")[0] == 1
        assert repo.report("--base", "main", "--fail-on", "none")[0] == 0
        assert summary.read_text().count("## API snapshot changes") == 4

    def test_two_refs(self, repo: Repo) -> None:
        """--head compares two commits instead of the working tree."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        repo.git("tag", "v1")
        repo.write("GET_y.json", operation("/y", [case("a1")]))
        repo.commit()
        (repo.snapshots / "GET_y.json").unlink()
        code, text = repo.report("--base", "v1", "--head", "main", "--format", "json")
        assert code == 0
        assert json.loads(text)["summary"]["operations added"] == 1


class TestBadInput:
    def test_unknown_ref(self, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
        """An unknown ref is one line naming it and the fix."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        assert repo.report("--base", "no-such-branch")[0] == 2
        assert capsys.readouterr().err == (
            "contractsnap: unknown git ref 'no-such-branch'; name a branch, tag or commit that "
            "exists here (in CI, fetch it first: git fetch origin no-such-branch)\n"
        )

    def test_not_a_git_repository(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """Outside a git repository the error says so."""
        (tmp_path / "snapshots").mkdir()
        code = main(
            ["--dir", str(tmp_path / "snapshots"), "report", "--base", "main"], stdout=io.StringIO()
        )
        assert code == 2
        assert "is not inside a git repository" in capsys.readouterr().err

    def test_corrupt_snapshot(self, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
        """A corrupt file is named, and nothing is written or deleted."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        (repo.snapshots / "GET_x.json").write_text("{not json")
        assert repo.report("--base", "main")[0] == 2
        assert "GET_x.json: not valid JSON" in capsys.readouterr().err
        assert (repo.snapshots / "GET_x.json").read_text() == "{not json"


class TestAcceptedChangesAndJunit:
    def breaking_change(self, repo: Repo) -> None:
        repo.write("GET_x.json", BASE)
        repo.commit()
        head = copy.deepcopy(BASE)
        head["cases"][0]["response"]["body"].pop("name")
        repo.write("GET_x.json", head)

    def test_ignore_by_fingerprint_or_pattern(self, repo: Repo) -> None:
        """An accepted change, named by fingerprint or wildcard pattern, stops failing."""
        self.breaking_change(repo)
        code, text = repo.report("--base", "main", "--format", "json")
        assert code == 1
        fingerprint = json.loads(text)["groups"][0]["findings"][0]["fingerprint"]
        ignore = repo.root / ".contractsnap-ignore"
        ignore.write_text(f"# accepted in review\n{fingerprint}\n")
        assert repo.report("--base", "main")[0] == 0
        ignore.write_text("GET /x: field `$.name` *\n")
        code, text = repo.report("--base", "main")
        assert code == 0
        assert "1 accepted change(s) hidden by .contractsnap-ignore." in text
        ignore.write_text("GET /y: *\n")
        assert repo.report("--base", "main")[0] == 1

    def test_junit(self, repo: Repo) -> None:
        """--format junit gives one test case per group; breaking ones fail."""
        import xml.etree.ElementTree as ET

        self.breaking_change(repo)
        code, text = repo.report("--base", "main", "--format", "junit")
        assert code == 1
        suite = ET.fromstring(text)
        assert suite.get("tests") == "1"
        assert suite.get("failures") == "1"
        case = suite.find("testcase")
        assert case is not None
        assert case.get("name") == "breaking: field `$.name` removed"
        assert case.find("failure") is not None


class TestEnumsAndBrokenFiles:
    def test_enum_value_no_longer_returned(self, repo: Repo) -> None:
        """A value the schema declares in an enum that responses stop returning is breaking."""
        schema = {
            "openapi": "3.1.0",
            "paths": {},
            "components": {"schemas": {"Genre": {"type": "string", "enum": ["fiction", "poetry"]}}},
        }
        (repo.snapshots / "openapi.json").write_text(json.dumps(schema))
        base = operation(
            "/x", [case("a1", body={"genre": "fiction"}), case("b2", body={"genre": "poetry"})]
        )
        repo.write("GET_x.json", base)
        repo.commit()
        head = copy.deepcopy(base)
        head["cases"][1]["response"]["body"]["genre"] = "fiction"
        repo.write("GET_x.json", head)
        assert findings(repo) == {
            "enum value 'poetry' of `$.genre` no longer returned": "breaking",
            "value of `$.genre` changed": "changed",
        }

    def test_hand_edited_snapshot(self, repo: Repo, capsys: pytest.CaptureFixture[str]) -> None:
        """A snapshot missing required fields is named, with the fix."""
        repo.write("GET_x.json", BASE)
        repo.commit()
        broken = copy.deepcopy(BASE)
        del broken["cases"][0]["response"]
        repo.write("GET_x.json", broken)
        assert repo.report("--base", "main")[0] == 2
        assert "GET_x.json: a hand-edited or broken snapshot" in capsys.readouterr().err


class TestHtmlAndOutputFile:
    """`--format html` and `-o FILE`: the page is written whole, or not at all."""

    def _changed(self, repo: Repo) -> None:
        repo.write("GET_x.json", BASE)
        repo.commit()
        head = copy.deepcopy(BASE)
        head["cases"][0]["response"]["body"]["name"] = "<script>alert(1)</script>"
        head["cases"][1]["response"]["body"].pop("id")
        repo.write("GET_x.json", head)

    def test_the_page_is_written_to_the_file(self, repo: Repo) -> None:
        self._changed(repo)
        target = repo.root / "report.html"
        code, printed = repo.report("--base", "main", "--format", "html", "-o", str(target))
        assert code == 1  # `$.id` removed: breaking
        assert printed == f"report written to {target}\n"
        page = target.read_text()
        assert page.startswith("<!DOCTYPE html>")
        assert '<li class="breaking"><b>1</b> breaking</li>' in page
        assert "<script>" not in page  # a value of the API is text, never markup
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_the_same_change_gives_the_same_bytes(self, repo: Repo) -> None:
        self._changed(repo)
        first = repo.report("--base", "main", "--format", "html")[1]
        second = repo.report("--base", "main", "--format", "html")[1]
        assert first == second

    def test_fail_on_is_kept(self, repo: Repo) -> None:
        self._changed(repo)
        code, _ = repo.report("--base", "main", "--format", "html", "--fail-on", "none")
        assert code == 0

    def test_an_unwritable_target_names_the_file_and_leaves_nothing(self, repo: Repo) -> None:
        self._changed(repo)
        target = repo.root / "missing" / "report.html"
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            code, _ = repo.report("--base", "main", "--format", "html", "-o", str(target))
        assert code == 2
        assert f"cannot write the report to {target}" in err.getvalue()
        assert not (repo.root / "missing").exists()

    def test_any_format_can_go_to_a_file(self, repo: Repo) -> None:
        self._changed(repo)
        target = repo.root / "report.json"
        repo.report("--base", "main", "--format", "json", "-o", str(target))
        assert json.loads(target.read_text())["summary"]["breaking"] == 1
        assert not list(repo.root.glob(".*.partial"))
