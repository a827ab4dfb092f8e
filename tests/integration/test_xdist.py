"""pytest-xdist: the same verdicts, files, orphan reports and exit codes as a serial run."""

from __future__ import annotations

from .conftest import Project


def features(project: Project) -> None:
    project.add_app("features")
    project.configure(
        app="app_module:app",
        setup="app_module:reset",
        exclude=["GET /boom"],
        operations={"GET /orders/{order_id}": {"negative": True}},
    )


class TestXdist:
    def test_parallel_recording_matches_serial(self, project: Project) -> None:
        """-n 2 writes the same bytes as a serial update, and its gate passes the same way."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        serial = project.snapshots()
        for name in serial:
            (project.path / "snapshots" / name).unlink()
        project.run_subprocess("-n", "2", "--snapshot-update").assert_outcomes(passed=9)
        assert project.snapshots() == serial
        result = project.run_subprocess("-n", "2")
        result.assert_outcomes(passed=9)
        assert result.ret == 0
        result.stdout.fnmatch_lines(
            [
                "contract warnings: * in 1 operation (set `strict = true` to fail on them)",
                "  GET /orders/{order_id}",
            ]
        )

    def test_nothing_recorded_is_said_once_under_two_workers(self, project: Project) -> None:
        """The first test in schema order says it, whichever worker runs it; the rest skip."""
        features(project)
        result = project.run_subprocess("-n", "2")
        result.assert_outcomes(failed=1, skipped=8)
        assert result.stdout.str().count("no snapshot is recorded in snapshots/ yet, so") == 1

    def test_orphans_are_reported_and_deleted_like_serial(self, project: Project) -> None:
        """Merged worker outcomes: orphans fail `-n 2`; `-n 2 --snapshot-update` deletes them."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        project.edit(
            "app_module", '@router.get("/health"', '@router.get("/health", include_in_schema=False'
        )
        result = project.run_subprocess("-n", "2")
        # the removed operation's test (listed from the stored document) says it is gone;
        # its file fails the run (the document is only said)
        result.assert_outcomes(passed=8, skipped=1, failed=1)
        result.stdout.fnmatch_lines(["orphaned snapshot file snapshots/GET_health.json: *"])
        partial = project.run_subprocess("-n", "2", "--snapshot-update", "-k", "orders")
        assert partial.ret == 0
        assert "GET_health.json" in project.snapshots()
        result = project.run_subprocess("-n", "2", "--snapshot-update")
        assert result.ret == 0
        result.stdout.fnmatch_lines(["deleted orphaned snapshot file snapshots/GET_health.json"])
        assert "GET_health.json" not in project.snapshots()

    def test_changed_response_fails_the_same_test(self, project: Project) -> None:
        """A regression fails exactly one test under -n 2, with nothing written."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        before = project.snapshots()
        project.edit("app_module", 'token=f"token-{username}"', 'token=f"tkn-{username}"')
        result = project.run_subprocess("-n", "2")
        result.assert_outcomes(passed=8, failed=1)
        result.stdout.fnmatch_lines(["*FAILED contractsnap::test_contract[[]POST /login[]]*"])
        # The snapshots are untouched; outside CI the new result waits beside them for review.
        after = project.snapshots()
        assert {k: v for k, v in after.items() if not k.endswith(".pending")} == before
        assert [k for k in after if k.endswith(".pending")] == ["POST_login.json.pending"]

    def test_a_failure_says_another_worker_may_have_caused_it(self, project: Project) -> None:
        """Two copies of the app may share a database: the message says so, and its command
        runs the operation alone, without workers, where a real change fails too."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        project.edit("app_module", 'token=f"token-{username}"', 'token=f"tkn-{username}"')
        result = project.run_subprocess("-n", "2")
        result.assert_outcomes(passed=8, failed=1)
        result.stdout.fnmatch_lines(
            [
                "Under -n 2 each pytest-xdist worker runs its own copy of the app: if the copies "
                "share a database file or server, one worker's writes and `setup` reach the "
                "other's tests. Give each worker a database of its own *"
                "`pytest -n 0 --contractsnap-op 'POST /login'` shows whether it fails alone.",
            ]
        )
        alone = project.run_subprocess("-n", "0", "--contractsnap-op", "POST /login")
        alone.assert_outcomes(failed=1)
        assert "pytest-xdist" not in alone.stdout.str()

    def test_a_start_up_failure_says_the_workers_may_share_a_database(
        self, project: Project
    ) -> None:
        """Two workers that create the same tables in one file: the second one's start-up
        fails. Here the start-up fails in every worker; the message is the same."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        project.edit(
            "app_module",
            "app = create_app()",
            "import contextlib\n\n\n@contextlib.asynccontextmanager\nasync def lifespan(app):\n"
            "    raise RuntimeError('table hero already exists')\n    yield\n\n\n"
            "app = create_app()\napp.router.lifespan_context = lifespan",
        )
        result = project.run_subprocess("-n", "2")
        assert result.ret != 0
        result.stdout.fnmatch_lines(
            [
                "*contractsnap: app 'app_module:app': the lifespan start-up failed: RuntimeError: "
                "table hero already exists; fix the app, or set `lifespan = false`. Under -n 2 "
                "each pytest-xdist worker runs its own copy of the app: if the copies share a "
                "database file or server, *",
            ]
        )
        serial = project.run_subprocess()
        assert serial.ret != 0
        serial.stdout.fnmatch_lines(["*the lifespan start-up failed: RuntimeError: *"])
        assert "pytest-xdist" not in serial.stdout.str()


class TestShards:
    def test_shards_partition_the_operations(self, project: Project) -> None:
        """Three shards record disjoint operations whose union equals a full run's files."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        full = project.snapshots()
        for name in full:
            (project.path / "snapshots" / name).unlink()
        seen: list[str] = []
        for index in (1, 2, 3):
            before = set(project.snapshots())
            result = project.run("--snapshot-update", f"--contractsnap-shard={index}/3")
            assert result.ret == 0
            seen += sorted(set(project.snapshots()) - before)
        assert sorted(seen) == sorted(full)
        assert project.snapshots() == full

    def test_only_shard_one_settles_orphans(self, project: Project) -> None:
        """An orphan is reported by shard 1 alone, so a sharded CI reports it exactly once."""
        features(project)
        project.run("--snapshot-update").assert_outcomes(passed=9)
        (project.path / "snapshots" / "GET_gone.json").write_bytes(
            project.snapshots()["GET_health.json"]
        )
        verdicts = [project.run(f"--contractsnap-shard={i}/3").ret for i in (1, 2, 3)]
        assert verdicts == [1, 0, 0]

    def test_bad_shard_is_a_usage_error(self, project: Project) -> None:
        """A malformed shard stops the run with the expected form."""
        features(project)
        result = project.run("--contractsnap-shard=4/3")
        assert result.ret == 4
        result.stderr.fnmatch_lines(["*expected I/K with 1 <= I <= K, such as 2/4, got '4/3'*"])


def test_other_tests_get_a_free_event_loop(project: Project) -> None:
    """Tests that run their own event loop pass beside the suite, serial and under -n 2,
    with worksteal scheduling too (a worker may get contract tests after other tests)."""
    features(project)
    project.pytester.makepyfile(
        test_plain="""
        import anyio
        import pytest

        async def echo(n):
            await anyio.sleep(0)
            return n

        @pytest.mark.parametrize("n", range(12))
        def test_own_loop(n):
            assert anyio.run(echo, n) == n
        """
    )
    project.run("--snapshot-update").assert_outcomes(passed=21)
    project.run().assert_outcomes(passed=21)
    for args in (("-n", "2"), ("-n", "2", "--dist", "worksteal")):
        result = project.run_subprocess(*args)
        result.assert_outcomes(passed=21)
        assert result.ret == 0
