"""Pending snapshots and the review verbs: from a failed gate to an accepted change."""

from __future__ import annotations

import io

import pytest

from contractsnap.cli import main

from .conftest import Project


@pytest.fixture
def changed(project: Project) -> Project:
    """A recorded project whose GET /orders answers differently in some of its cases."""
    project.add_app("features")
    project.configure(app="app_module:app", setup="app_module:reset", exclude=["GET /boom"])
    project.run("--snapshot-update").assert_outcomes(passed=9)
    project.edit("app_module", 'name="Pen"', 'name="Ballpoint pen"')
    project.edit("app_module", 'token=f"token-{username}"', 'token=f"tkn-{username}"')
    return project


def run_cli(*argv: str, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(argv), stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


class TestPendingFiles:
    def test_failed_gate_writes_pending_files_outside_ci(self, changed: Project) -> None:
        """Each failing operation leaves its new result beside the snapshot; snapshots stay."""
        before = {k: v for k, v in changed.snapshots().items() if k.endswith(".json")}
        result = changed.run()
        result.assert_outcomes(passed=7, failed=2)
        result.stdout.fnmatch_lines(["*The new result is in snapshots/GET_orders.json.pending*"])
        files = changed.snapshots()
        assert {k for k in files if k.endswith(".pending")} == {
            "GET_orders.json.pending",
            "POST_login.json.pending",
        }
        assert {k: v for k, v in files.items() if k.endswith(".json")} == before

    def test_ci_writes_nothing_and_fails_on_pending_files(
        self, changed: Project, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With CI set, no pending file is written, and one left in the tree fails the run."""
        monkeypatch.setenv("CI", "true")
        changed.run().assert_outcomes(passed=7, failed=2)
        assert not [k for k in changed.snapshots() if k.endswith(".pending")]
        stray = changed.path / "snapshots" / "GET_health.json.pending"
        stray.write_bytes(changed.snapshots()["GET_health.json"])
        result = changed.run("--contractsnap-op", "GET /health")
        result.assert_outcomes(passed=1, failed=1)
        result.stdout.fnmatch_lines(["pending snapshot snapshots/GET_health.json.pending *"])

    def test_parallel_workers_all_keep_their_pending_files(self, changed: Project) -> None:
        """Under -n 2, every failing operation's pending file is written."""
        changed.run_subprocess("-n", "2").assert_outcomes(passed=7, failed=2)
        assert {k for k in changed.snapshots() if k.endswith(".pending")} == {
            "GET_orders.json.pending",
            "POST_login.json.pending",
        }


class TestReviewVerbs:
    def test_list_show_accept_one_case(self, changed: Project) -> None:
        """Accepting one case of an operation writes it and leaves the others pending."""
        changed.run()
        code, listing = run_cli("pending")
        assert code == 0
        keys = [line.split("  ")[0] for line in listing.splitlines()]
        orders = [k for k in keys if k.startswith("GET /orders#")]
        assert len(orders) >= 2
        assert len([k for k in keys if k.startswith("POST /login#")]) == 3
        code, shown = run_cli("show", orders[0])
        assert code == 0
        lines = [" ".join(line.split()) for line in shown.splitlines()]
        assert '- "name": "Pen",' in lines
        assert '+ "name": "Ballpoint pen",' in lines
        assert run_cli("accept", orders[0]) == (0, "accepted 1 change(s)\n")
        code, listing = run_cli("pending")
        assert orders[0] not in listing
        assert orders[1] in listing
        assert '"Ballpoint pen"' in changed.snapshots()["GET_orders.json"].decode()

    def test_accept_and_reject_by_pattern_then_the_gate_passes(self, changed: Project) -> None:
        """Wildcards pick changes; once all are decided, no pending file is left."""
        changed.run()
        assert run_cli("reject", "POST /login#*") == (0, "rejected 3 change(s)\n")
        assert "POST_login.json.pending" not in changed.snapshots()
        code, _ = run_cli("accept")
        assert code == 0
        assert not [k for k in changed.snapshots() if k.endswith(".pending")]
        result = changed.run()
        result.assert_outcomes(passed=8, failed=1)  # the rejected login change still fails
        result.stdout.fnmatch_lines(["*FAILED contractsnap::test_contract[[]POST /login[]]*"])

    def test_interactive_review(self, changed: Project) -> None:
        """review reads its answers from the input stream: accept, reject, accept-all, quit."""
        changed.run()
        orders = [k for k in run_cli("pending")[1].splitlines() if k.startswith("GET /orders#")]
        assert len(orders) == 2
        code, output = run_cli("review", stdin="a\nr\nA\n")
        assert code == 0
        assert "[a]ccept [r]eject [s]kip [A]ccept the operation [q]uit?" in output
        assert "accepted 3 case(s) of POST /login" in output
        assert output.endswith("0 pending change(s) left\n")
        result = changed.run()
        result.assert_outcomes(passed=8, failed=1)  # the rejected GET /orders case
        result.stdout.fnmatch_lines(["GET /orders: 1 of 7 cases answered differently*"])

    def test_bad_input_is_one_line(
        self, changed: Project, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """An unknown key or a pattern that matches nothing is a clear error, nothing changed."""
        changed.run()
        before = changed.snapshots()
        assert run_cli("show", "GET /nope#00000000")[0] == 2
        assert run_cli("accept", "DELETE *")[0] == 2
        err = capsys.readouterr().err
        assert "no pending change 'GET /nope#00000000'; `contractsnap pending` lists them" in err
        assert "no pending change matches DELETE *" in err
        assert changed.snapshots() == before


class TestPendingBadInput:
    def test_pending_file_of_a_removed_operation(
        self, changed: Project, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A pending file whose snapshot is gone is named, with the fix; nothing is touched."""
        changed.run()
        (changed.path / "snapshots" / "POST_login.json").unlink()
        before = changed.snapshots()
        assert run_cli("pending")[0] == 2
        assert capsys.readouterr().err == (
            "contractsnap: POST_login.json.pending: its snapshot POST_login.json no longer "
            "exists (the operation left the schema); delete the pending file\n"
        )
        assert changed.snapshots() == before

    def test_hand_broken_snapshot(
        self, changed: Project, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A corrupt snapshot file stops the review with its name; nothing is overwritten."""
        changed.run()
        (changed.path / "snapshots" / "GET_orders.json").write_text("{broken")
        before = changed.snapshots()
        assert run_cli("accept")[0] == 2
        assert "GET_orders.json: cannot be read" in capsys.readouterr().err
        assert changed.snapshots() == before
