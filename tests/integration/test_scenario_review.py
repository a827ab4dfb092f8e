"""Scenario files in review, CI, orphan handling and the pull-request report."""

from __future__ import annotations

import io
import json
import subprocess
from typing import Any

import pytest

from contractsnap.cli import main

from .conftest import Project

SCENARIO = "scenarios/POST_items_201.json"
NAME = "scenario POST /items 201"
#: The create's links as the app declares them; editing this out removes the scenario.
LINKED = ', responses={201: {"links": LINKS}})'


@pytest.fixture
def linked(project: Project) -> Project:
    """The linked app recorded: three operations and the scenario its create's links make."""
    project.add_app("linked")
    project.configure(app="app_module:app", setup="app_module:reset", probes=["app_module:items"])
    project.run("--snapshot-update").assert_outcomes(passed=4)
    assert SCENARIO in project.snapshots()
    return project


def run_cli(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def step_keys(project: Project, *numbers: int) -> list[str]:
    steps = project.snapshot(SCENARIO)["steps"]
    return [f"{NAME}#{steps[number - 1]['id']}" for number in numbers]


def pending(project: Project) -> set[str]:
    return {name for name in project.snapshots() if name.endswith(".pending")}


def normalised(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.fixture
def relabelled(linked: Project) -> Project:
    """The recorded project after a change of every item's answer, and a failed gate run."""
    linked.edit("app_module", 'LABEL = "lamp"', 'LABEL = "bulb"')
    result = linked.run()
    result.assert_outcomes(passed=1, failed=3)
    result.stdout.fnmatch_lines([f"*The new result is in snapshots/{SCENARIO}.pending*"])
    return linked


class TestScenarioPending:
    def test_changed_steps_are_listed_and_shown(self, relabelled: Project) -> None:
        """One key per changed step, titled by step; the unchanged delete step is not listed."""
        assert pending(relabelled) == {
            "GET_items_{item_id}.json.pending",
            "POST_items.json.pending",
            f"{SCENARIO}.pending",
        }
        code, listing = run_cli("pending")
        assert code == 0
        first, second = step_keys(relabelled, 1, 2)
        lines = listing.splitlines()
        assert f"{first}  step 1/3: POST /items" in lines
        assert f"{second}  step 2/3: GET /items/{{item_id}} (link GetItem)" in lines
        assert step_keys(relabelled, 3)[0] not in listing
        code, shown = run_cli("show", second)
        assert code == 0
        assert '- "label": "lamp",' in normalised(shown)
        assert '+ "label": "bulb",' in normalised(shown)
        assert f"decides all changed steps of {NAME}: its steps depend on each other" in shown

    def test_accepting_one_step_accepts_the_whole_scenario(self, relabelled: Project) -> None:
        """A chosen step decides its scenario whole: the file becomes the pending document."""
        new = relabelled.snapshots()[f"{SCENARIO}.pending"]
        code, output = run_cli("accept", step_keys(relabelled, 2)[0])
        assert code == 0
        assert output == (
            f"accepted 2 change(s)\naccepted {NAME} as a whole: its steps depend on each other\n"
        )
        files = relabelled.snapshots()
        assert files[SCENARIO] == new
        assert pending(relabelled) == {
            "GET_items_{item_id}.json.pending",
            "POST_items.json.pending",
        }
        assert run_cli("accept")[0] == 0
        assert not pending(relabelled)
        relabelled.run().assert_outcomes(passed=4)
        recorded = relabelled.snapshots()
        relabelled.run("--snapshot-update").assert_outcomes(passed=4)
        assert relabelled.snapshots() == recorded  # accepted text is what recording writes

    def test_rejecting_keeps_the_snapshot_and_the_gate_still_fails(
        self, relabelled: Project
    ) -> None:
        """A rejected scenario keeps its file; only it fails once the operations are accepted."""
        before = relabelled.snapshots()[SCENARIO]
        code, output = run_cli("reject", "scenario *")
        assert (code, output.splitlines()[0]) == (0, "rejected 2 change(s)")
        assert relabelled.snapshots()[SCENARIO] == before
        assert f"{SCENARIO}.pending" not in pending(relabelled)
        assert run_cli("accept", "POST /items#*", "GET /items/*")[0] == 0
        assert not pending(relabelled)
        result = relabelled.run()
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines([f"{NAME}: 2 of 3 steps answered differently*"])

    def test_interactive_review_decides_a_scenario_at_once(self, relabelled: Project) -> None:
        """review: accept both operations whole, then reject the scenario at its first step."""
        code, output = run_cli("review", stdin="A\nA\nr\n")
        assert code == 0
        assert "[a]ccept [r]eject the whole scenario, [s]kip [q]uit?" in output
        assert f"rejected {NAME} as a whole: 2 changed step(s)" in output
        assert output.count("[a]ccept [r]eject the whole scenario") == 1
        assert output.endswith("0 pending change(s) left\n")
        result = relabelled.run()
        result.assert_outcomes(passed=3, failed=1)
        result.stdout.fnmatch_lines([f"FAILED contractsnap::test_contract[[]{NAME}[]]*"])

    def test_a_state_only_change_is_reviewable(self, linked: Project) -> None:
        """A change only the probe sees lists the steps whose state changed, with the diff."""
        linked.edit("app_module", 'KEPT = "shelf"', 'KEPT = "cupboard"')
        linked.run().assert_outcomes(passed=1, failed=3)
        assert f"{SCENARIO}.pending" in pending(linked)
        listing = run_cli("pending")[1]
        create, read, delete = step_keys(linked, 1, 2, 3)
        assert create in listing
        assert delete in listing
        assert read not in listing  # its answer and state are the same
        shown = normalised(run_cli("show", create)[1])
        assert '- "kept": "shelf",' in shown
        assert '+ "kept": "cupboard",' in shown
        assert run_cli("accept")[0] == 0
        assert not pending(linked)
        linked.run().assert_outcomes(passed=4)


class TestScenarioFilesInCiAndOrphans:
    def test_ci_fails_on_a_scenario_pending_file(
        self, linked: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """In CI a scenario's pending file fails a passing run, named with its directory."""
        monkeypatch.setenv("CI", "true")
        stray = linked.path / "snapshots" / f"{SCENARIO}.pending"
        stray.write_bytes(linked.snapshots()[SCENARIO])
        result = linked.run()
        result.assert_outcomes(passed=4, failed=1)
        result.stdout.fnmatch_lines(
            [
                f"pending snapshot snapshots/{SCENARIO}.pending (CI runs never write or keep *",
                f"FAILED contractsnap::end_of_run[[]snapshots/{SCENARIO}.pending[]] - pending *",
            ]
        )

    def test_orphaned_scenario_file_is_flagged_then_deleted(self, linked: Project) -> None:
        """Without the links the scenario is gone: its file is flagged, then deleted."""
        linked.edit("app_module", LINKED, ")")
        result = linked.run()
        assert result.ret == 1
        result.stdout.fnmatch_lines(
            [
                f"orphaned snapshot file snapshots/{SCENARIO}: its scenario is no longer defined "
                "(its link or config entry was removed); `pytest --snapshot-update` (a full "
                "run) deletes it"
            ]
        )
        assert "its operation is not in the schema" not in result.stdout.str()
        result = linked.run("--snapshot-update")
        assert result.ret == 0
        result.stdout.fnmatch_lines([f"deleted orphaned snapshot file snapshots/{SCENARIO}"])
        assert SCENARIO not in linked.snapshots()

    def test_pending_file_of_a_removed_scenario(
        self, relabelled: Project, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A scenario pending file without its snapshot is named with its directory."""
        (relabelled.path / "snapshots" / SCENARIO).unlink()
        before = relabelled.snapshots()
        assert run_cli("pending")[0] == 2
        assert capsys.readouterr().err == (
            f"contractsnap: snapshots/{SCENARIO}.pending: its snapshot snapshots/{SCENARIO} no "
            "longer exists (the scenario is no longer defined); delete the pending file\n"
        )
        assert relabelled.snapshots() == before


class TestReport:
    def git(self, project: Project, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(project.path), *args], check=True, capture_output=True, text=True
        )
        return done.stdout

    def report(self, project: Project, *args: str) -> tuple[int, str]:
        out = io.StringIO()
        code = main(["--dir", str(project.path / "snapshots"), "report", *args], stdout=out)
        return code, out.getvalue()

    @pytest.fixture
    def repo(self, linked: Project, monkeypatch: pytest.MonkeyPatch) -> Project:
        """The recorded project as the first commit of a git repository."""
        monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
        self.git(linked, "init", "-q", "-b", "main")
        self.git(linked, "config", "user.email", "ci@example.com")
        self.git(linked, "config", "user.name", "CI")
        self.git(linked, "add", "snapshots")
        self.git(linked, "commit", "-q", "-m", "record")
        return linked

    def test_changed_scenario_steps_between_two_commits(self, repo: Project) -> None:
        """A changed answer shows under the scenario's label, per step, in every format."""
        repo.edit("app_module", 'LABEL = "lamp"', 'LABEL = "bulb"')
        repo.run("--snapshot-update").assert_outcomes(passed=4)
        self.git(repo, "commit", "-q", "-am", "relabel")
        code, text = self.report(
            repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "json", "--fail-on", "none"
        )
        assert code == 0
        data: dict[str, Any] = json.loads(text)
        [group] = [g for g in data["groups"] if g["what"] == "value of `$.label` changed"]
        assert NAME in group["operations"]
        steps = {f["case"] for f in group["findings"] if f["operation"] == NAME}
        assert steps == {key.partition("#")[2] for key in step_keys(repo, 1, 2)}
        assert data["summary"]["scenarios changed"] == 1
        assert data["summary"]["operations changed"] == 2
        code, markdown = self.report(repo, "--base", "HEAD~1", "--head", "HEAD")
        assert code == 0
        assert f"`{NAME}`" in markdown
        code, junit = self.report(
            repo, "--base", "HEAD~1", "--head", "HEAD", "--format", "junit", "--fail-on", "any"
        )
        assert code == 1
        assert NAME in junit

    def test_removed_and_added_scenario(self, repo: Project) -> None:
        """A scenario whose links went is reported removed; bringing it back, added."""
        repo.edit("app_module", LINKED, ")")
        repo.run("--snapshot-update")
        assert SCENARIO not in repo.snapshots()
        code, text = self.report(repo, "--base", "main", "--format", "json", "--fail-on", "none")
        assert code == 0
        found = {
            (f["what"], f["operation"]) for g in json.loads(text)["groups"] for f in g["findings"]
        }
        assert ("scenario removed", NAME) in found
        self.git(repo, "commit", "-q", "-am", "no links")
        code, text = self.report(repo, "--base", "HEAD", "--head", "main~1", "--format", "json")
        found = {
            (f["what"], f["operation"]) for g in json.loads(text)["groups"] for f in g["findings"]
        }
        assert ("new scenario", NAME) in found
        code, markdown = self.report(repo, "--base", "HEAD", "--head", "main~1")
        # A group of scenarios only is counted in scenarios, not operations.
        assert f"- **new scenario**: 1 scenario (`{NAME}`)" in markdown
