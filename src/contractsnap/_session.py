"""The run: every contract suite of a pytest session and the event loop they share.

The app's lifespan must run in the same event loop as the tests (a database engine made at
start-up is bound to its loop), and the schema must be read after start-up, which is during
collection. So the first suite takes a lease on anyio's pytest test runner at collection
time and holds it until the session ends: the lifespan, the client and every test then share
one loop. anyio has no public API for this; ``anyio.pytest_plugin.get_runner`` is the
function its own plugin uses for session-scoped async fixtures.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from . import _pending
from ._config import Settings, load_settings
from ._errors import ConfigError, ContractsnapError
from ._outcome import Outcome
from ._runner import Suite


async def _serve(suite: Suite) -> AsyncIterator[Suite]:
    async with suite.started():
        yield suite


class Run:
    """All suites of one pytest session, keyed by their snapshot directory."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.suites: dict[Path, Suite] = {}
        #: Outcomes reported by pytest-xdist workers (on the controller), by directory.
        self.remote: dict[str, Outcome] = {}
        self.worker_crashed = False
        self._owners: dict[Path, Mapping[str, Any] | None] = {}
        self._stack = contextlib.ExitStack()
        self._stops: dict[Path, contextlib.ExitStack] = {}
        self._remaining: dict[Path, int] = {}
        self._failed: dict[Path, ContractsnapError] = {}
        self._backend: str | None = None
        self._runner: Any = None
        self.pyproject: Settings | None = None

    def load_pyproject(self) -> None:
        """Validate ``[tool.contractsnap]`` at start-up; remember it if it names an app
        (or a live server)."""
        settings = load_settings(self.config.rootpath)
        self.pyproject = self._live(settings) if settings.app or settings.base_url else None

    def _live(self, settings: Settings) -> Settings:
        """``--contractsnap-base-url`` overrides ``base_url`` of every suite."""
        url = self.config.getoption("contractsnap_base_url", None)
        return dataclasses.replace(settings, base_url=url) if url else settings

    def suite(self, overrides: Mapping[str, Any] | None, where: str) -> Suite:
        """The started suite for these settings (pyproject.toml, then ``overrides``)."""
        if overrides is None:
            if self.pyproject is None:
                raise ConfigError("no [tool.contractsnap] `app` in pyproject.toml")
            settings = self.pyproject
        else:
            settings = self._live(load_settings(self.config.rootpath, overrides, source=where))
        key = settings.snapshot_path
        if key in self.suites:
            if self._owners[key] != overrides:
                raise ConfigError(
                    f"{where}: two contract suites write to {settings.snapshot_dir}/; give each "
                    "its own `snapshot_dir` (or remove `app` from [tool.contractsnap] when the "
                    "suite is declared in a test module)"
                )
            return self.suites[key]
        if key in self._failed:
            raise self._failed[key]
        suite = Suite(settings)
        suite.outcome.fail_uncovered |= bool(
            self.config.getoption("contractsnap_fail_uncovered", False)
        )
        try:
            self._start(key, suite, where)
        except ContractsnapError as exc:
            self._failed[key] = exc
            raise
        try:
            suite.load_schema()
        except ContractsnapError as exc:
            self._failed[key] = exc
            self.stop(key)
            raise
        self.suites[key] = suite
        self._owners[key] = overrides
        return suite

    def _start(self, key: Path, suite: Suite, where: str) -> None:
        """Enter the suite's start-up in the runner task; it stays open until ``stop``."""
        runner = self._lease(suite.settings.backend, where)
        generator = iter(runner.run_asyncgen_fixture(_serve, {"suite": suite}))
        try:
            next(generator)
        except ContractsnapError:
            if not self._stops:
                self._stack.close()
                self._runner = None
            raise
        stop = contextlib.ExitStack()
        stop.callback(_finish, generator, suite.settings.base_url or suite.settings.app)
        self._stops[key] = self._stack.enter_context(stop)

    def resume(self, key: Path) -> None:
        """Start a stopped suite again, before one of its tests.

        A pytest-xdist worker cannot know which tests it will be given: it stops its suites
        before the first test of another kind (``release``) and starts one again here if a
        contract test comes after all.
        """
        if key in self.suites and key not in self._stops:
            self._start(key, self.suites[key], str(key))

    def release(self) -> None:
        """Stop every suite and free the event loop, before a test that is not a contract
        test (it may run an event loop of its own)."""
        for key in list(self._stops):
            self.stop(key)

    def _lease(self, backend: str, where: str) -> Any:
        if self._runner is None:
            from anyio.pytest_plugin import get_runner

            self._runner = self._stack.enter_context(get_runner(backend, {}))
            self._backend = backend
        elif backend != self._backend:
            raise ConfigError(
                f"{where}: backend {backend!r} differs from {self._backend!r} of another suite; "
                "all suites of a run share one event loop"
            )
        return self._runner

    def expect(self, counts: Mapping[Path, int]) -> None:
        """How many tests of each suite will run; a suite stops after its last one."""
        self._remaining = dict(counts)
        for key in self.suites:
            if not self._remaining.get(key):
                self.stop(key)

    def finished(self, key: Path) -> None:
        """One test of a suite is done; stop its app after the last one."""
        if key in self._remaining:
            self._remaining[key] -= 1
            if self._remaining[key] <= 0:
                self.stop(key)

    def stop(self, key: Path) -> None:
        """Shut the suite's app down; release the event loop after the last suite."""
        stop = self._stops.pop(key, None)
        if stop is not None:
            stop.close()
        if not self._stops:
            self._stack.close()
            self._runner = None

    def shard(self, index: int, count: int) -> None:
        """Restrict every suite to shard ``index`` of ``count`` (its ``everything``).

        Test n (operations in schema order, then scenarios) goes to shard n mod count + 1,
        and only shard 1
        settles orphans, so each orphan is reported by exactly one shard.
        """
        for suite in self.suites.values():
            suite.outcome.everything = {
                test.label for n, test in enumerate(suite.tests) if n % count == index - 1
            }
            suite.outcome.owns_orphans = index == 1

    def worker_report(self) -> list[dict[str, Any]]:
        """This worker's outcomes, for the controller (with the orphans it sees)."""
        for suite in self.suites.values():
            suite.outcome.orphans = suite.orphan_names()
        return [suite.outcome.to_json() for suite in self.suites.values()]

    def receive(self, reports: list[dict[str, Any]] | None, crashed: bool) -> None:
        """Merge one worker's outcomes (on the controller)."""
        self.worker_crashed |= crashed
        for data in reports or ():
            outcome = Outcome.from_json(data)
            if outcome.directory in self.remote:
                self.remote[outcome.directory].merge(outcome)
            else:
                self.remote[outcome.directory] = outcome

    def outcomes(self) -> list[Outcome]:
        """The run's outcomes: merged from workers, or this process's own."""
        if self.remote:
            return [self.remote[key] for key in sorted(self.remote)]
        return [suite.outcome for suite in self.suites.values()]

    def settle(self, *, update: bool, interrupted: bool) -> bool:
        """Flag or delete orphans where the run was complete; True if the run must fail."""
        failed = False
        for outcome in self.outcomes():
            if _pending.in_ci():
                failed |= outcome.refuse_pending()
            if interrupted or self.worker_crashed:
                continue
            failed |= outcome.settle_coverage()  # of the operations this run (or shard) ran
            if not outcome.complete:
                continue  # a partial run never flags or deletes what it did not check
            if not outcome.owns_orphans:
                continue
            if not self.remote:
                suite = self.suites[Path(outcome.directory)]
                outcome.orphans = suite.orphan_names()
            failed |= outcome.settle_orphans(update=update)
            failed |= outcome.settle_schema(update=update)
        return failed

    def close(self) -> None:
        self._stops.clear()
        self._stack.close()
        self._runner = None


def _finish(generator: Iterator[Any], app: str | None) -> None:
    """Run the app's shut-down; an error there is reported, not raised over the results."""
    try:
        next(generator)
    except StopIteration:
        pass
    except BaseException as exc:  # an interrupt or a failing shut-down: say so, once
        sys.stderr.write(
            f"contractsnap: the lifespan of {app} did not shut down cleanly: "
            f"{type(exc).__name__}: {exc}\n"
        )
