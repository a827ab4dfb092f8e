"""The run: every contract suite of a pytest session and the event loop they share.

The app's lifespan must run in the same event loop as the tests (a database engine made at
start-up is bound to its loop), and the schema must be read after start-up. A recording
reads it during collection (its tests are the app's operations); a gate lists its tests from
the stored document and starts the app at its first test. Either way the first suite to
start takes a lease on anyio's pytest test runner and holds it until the session ends: the
lifespan, the client and every test then share one loop. anyio has no public API for this;
``anyio.pytest_plugin.get_runner`` is the function its own plugin uses for session-scoped
async fixtures.

The run also decides which tests run (selectors, shards) and settles what only the end of
a whole run can know: orphaned files, the stored OpenAPI document, pending files in CI.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import json
import shlex
import sys
import threading
import time
from collections.abc import AsyncGenerator, Iterator, Mapping
from pathlib import Path

from anyio.abc import TestRunner
from anyio.pytest_plugin import get_runner

if sys.version_info < (3, 11):  # anyio's own dependency there
    from exceptiongroup import BaseExceptionGroup

from . import _app, _messages, _normalize, _pending, _scenarios
from ._client import leaf
from ._config import Settings, load_settings
from ._errors import AppLoadError, ConfigError, ContractsnapError
from ._inference import Memo
from ._options import Options
from ._outcome import Outcome, OutcomeData
from ._report import plural
from ._scenarios import Scenario
from ._selectors import scenario_matches, selector_matches
from ._snapshot import SCHEMA_FILE, atomic_write, leftover_temp_files
from ._suite import Suite, Test
from ._verdict import OrphanAction, orphan_action


async def _serve(suite: Suite) -> AsyncGenerator[Suite, None]:
    async with suite.started():
        yield suite
        await suite.send_reads_again()  # not after an interrupt: the generator is closed


@dataclasses.dataclass(frozen=True)
class Failure:
    """A finding of the end of a run that fails it, about one file or operation."""

    #: What it is about: a snapshot file, the stored document, an operation.
    subject: str
    message: str


class SharedLoop:
    """The event loop every suite of the run shares, and the suites started in it.

    A suite starts (its app's lifespan entered) in anyio's runner task and stays started
    until its last test is done, or until a test of another kind needs the loop.
    """

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._stops: dict[Path, contextlib.ExitStack] = {}
        self._remaining: dict[Path, int] = {}
        self._backend: str | None = None
        self._runner: TestRunner | None = None

    def start(self, key: Path, suite: Suite, where: str) -> None:
        """Enter the suite's start-up in the runner task; it stays open until ``stop``."""
        runner = self._lease(suite.settings.backend, where)
        generator = iter(runner.run_asyncgen_fixture(_serve, {"suite": suite}))
        try:
            try:
                next(generator)
            except BaseExceptionGroup as group:  # trio wraps what its tasks raise
                cause = leaf(group)
                if isinstance(cause, ContractsnapError):
                    raise cause from group
                raise
        except ContractsnapError:
            if not self._stops:
                self.close()
            raise
        stop = contextlib.ExitStack()
        stop.callback(_finish, generator, suite.settings.base_url or suite.settings.app)
        self._stops[key] = self._stack.enter_context(stop)

    def started(self, key: Path) -> bool:
        return key in self._stops

    def release(self) -> None:
        """Stop every suite and free the event loop, before a test that is not a contract
        test (it may run an event loop of its own)."""
        for key in list(self._stops):
            self.stop(key)

    def _lease(self, backend: str, where: str) -> TestRunner:
        if self._runner is None:
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
        for key in list(self._stops):
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
            self.close()

    def close(self) -> None:
        self._stops.clear()
        self._stack.close()
        self._runner = None


class Run:
    """All suites of one pytest session, keyed by their snapshot directory."""

    def __init__(self, rootpath: Path, options: Options, memo: Memo | None = None) -> None:
        self.rootpath = rootpath
        self.options = options
        #: pytest's cache, where each suite keeps the links it inferred between runs.
        self.memo = memo
        self.suites: dict[Path, Suite] = {}
        self.loop = SharedLoop()
        #: Outcomes reported by pytest-xdist workers (on the controller), by directory.
        self.remote: dict[str, Outcome] = {}
        self.worker_crashed = False
        self._owners: dict[Path, Mapping[str, object] | None] = {}
        self._failed: dict[Path, ContractsnapError] = {}
        self.pyproject: Settings | None = None
        #: The threads that ran before the run: any other one left is the app's.
        self._threads = set(threading.enumerate())

    def load_pyproject(self) -> None:
        """Validate ``[tool.contractsnap]`` at start-up; remember it if it names an app
        (or a live server)."""
        settings = load_settings(self.rootpath)
        self.pyproject = self._live(settings) if settings.app or settings.base_url else None

    def _live(self, settings: Settings) -> Settings:
        """``--contractsnap-base-url`` overrides ``base_url`` of every suite."""
        url = self.options.base_url
        return dataclasses.replace(settings, base_url=url) if url else settings

    def suite(self, overrides: Mapping[str, object] | None, where: str) -> Suite:
        """The started suite for these settings (pyproject.toml, then ``overrides``)."""
        if overrides is None:
            if self.pyproject is None:
                raise ConfigError("no [tool.contractsnap] `app` in pyproject.toml")
            settings = self.pyproject
        else:
            settings = self._live(load_settings(self.rootpath, overrides, source=where))
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
        suite = Suite(settings, self.options, self.memo)
        # A gate lists its tests from the stored OpenAPI document: collecting imports no
        # app (`pytest --collect-only`, `-k`, each pytest-xdist worker). Recording reads
        # the app's own document at once: it is what gets recorded.
        if not self.options.update and suite.load_stored():
            if self._all_select(suite):
                self.suites[key] = suite
                self._owners[key] = overrides
                return suite
            suite = Suite(settings, self.options, self.memo)  # listed from the app's document
        try:
            self.loop.start(key, suite, where)
        except ContractsnapError as exc:
            self._failed[key] = exc
            raise
        try:
            suite.load_schema()
        except ContractsnapError as exc:
            self._failed[key] = exc
            self.loop.stop(key)
            raise
        self.suites[key] = suite
        self._owners[key] = overrides
        return suite

    def resume(self, key: Path) -> None:
        """Start a suite before one of its tests: the first one, when the tests were listed
        from the stored OpenAPI document (the app's own is read then), or again after a stop.

        A pytest-xdist worker cannot know which tests it will be given: it stops its suites
        before the first test of another kind (``loop.release``) and starts one again here
        if a contract test comes after all.
        """
        if key in self._failed:  # the first test of the suite said why, in full
            raise ContractsnapError("the suite did not start; its first test says why")
        suite = self.suites.get(key)
        if suite is None or self.loop.started(key):
            return
        try:
            self.loop.start(key, suite, str(key))
            if not suite.read_app_document:  # listed from the stored document
                suite.load_schema()
        except ContractsnapError as exc:
            self._failed[key] = exc  # every test of the suite says so, without a new try
            self.loop.stop(key)
            raise

    def _all_select(self, suite: Suite) -> bool:
        """Whether each ``--contractsnap-op`` selector selects a test the stored document
        lists; one that does not may name an operation added since: the app's own
        document is read at collection then, to run it (or to say it is not there)."""
        return all(
            any(self._selected_by(selector, test) for test in suite.tests)
            for selector in self.options.selectors
        )

    # -- which tests run ---------------------------------------------------------------------

    def selects(self, test: Test) -> bool:
        """Whether the ``--contractsnap-op`` selectors (if any) select this test."""
        selectors = self.options.selectors
        return not selectors or any(self._selected_by(s, test) for s in selectors)

    @staticmethod
    def _selected_by(selector: str, test: Test) -> bool:
        if isinstance(test, Scenario):
            return scenario_matches(selector, test.name)
        return selector_matches(
            selector,
            method=test.method,
            path=test.path,
            operation_id=test.operation_id,
            tags=test.tags,
        )

    def unmatched_selectors(self) -> str | None:
        """What to say about ``--contractsnap-op`` selectors that select no test of any suite
        (None: each selects something), with the closest labels."""
        if not self.suites:
            return None
        tests = [test for suite in self.suites.values() for test in suite.tests]
        labels = sorted({test.label for test in tests})
        wrong = []
        for selector in self.options.selectors:
            if not any(self._selected_by(selector, test) for test in tests):
                close = difflib.get_close_matches(selector, labels, n=3, cutoff=0.4)
                hint = f"; the closest: {', '.join(repr(c) for c in close)}" if close else ""
                wrong.append(f"--contractsnap-op {selector!r} selects no test{hint}")
        if not wrong:
            return None
        return "\n".join(wrong) + (
            f"\n(`pytest -m contractsnap --collect-only -q` lists all {len(labels)} of them)"
        )

    def shard(self) -> None:
        """Restrict every suite to this run's shard (``--contractsnap-shard I/K``).

        Test n (operations in schema order, then scenarios) goes to shard n mod K + 1, and
        only shard 1 settles orphans, so each orphan is reported by exactly one shard.
        """
        if self.options.shard is None:
            return
        index, count = self.options.shard
        for suite in self.suites.values():
            suite.outcome.everything = {
                test.label for n, test in enumerate(suite.tests) if n % count == index - 1
            }
            suite.outcome.owns_orphans = index == 1

    def in_shard(self, key: Path, test: Test) -> bool:
        """Whether ``test`` of the suite at ``key`` is in this run's shard."""
        return test.label in self.suites[key].outcome.everything

    # -- pytest-xdist ------------------------------------------------------------------------

    def worker_report(self) -> list[OutcomeData]:
        """This worker's outcomes, for the controller (with the orphans it sees)."""
        for suite in self.suites.values():
            suite.outcome.orphans = suite.orphan_names()
        return [suite.outcome.to_json() for suite in self.suites.values()]

    def receive(self, reports: list[OutcomeData] | None, crashed: bool) -> None:
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

    # -- the end of the run ------------------------------------------------------------------

    def leftover_threads(self, wait: float = 1.0) -> str | None:
        """After the apps shut down: the threads they left running (Python waits for them
        before it exits), named with the fix; None if there are none. Each gets a share of
        ``wait`` seconds to end on its own first."""
        left = [
            t
            for t in threading.enumerate()
            if t not in self._threads and not t.daemon and t is not threading.current_thread()
        ]
        deadline = time.monotonic() + wait
        for thread in left:
            thread.join(max(0.0, deadline - time.monotonic()))
        alive = [t.name for t in left if t.is_alive()]
        if not alive:
            return None
        return (
            f"the app left {len(alive)} thread{'s' if len(alive) > 1 else ''} running after "
            f"its shutdown ({', '.join(repr(n) for n in alive)}), and Python waits for them "
            "before it exits: stop them in the lifespan's shutdown, or make them daemon threads"
        )

    def settle(self, *, interrupted: bool) -> list[Failure]:
        """Flag or delete orphans where the run was complete; what fails the run, each
        finding apart (a removed operation, the OpenAPI document, a pending file)."""
        failures: list[Failure] = []
        update = self.options.update
        for outcome in self.outcomes():
            if self.options.ci:
                failures += _refuse_pending(outcome)
            if interrupted or self.worker_crashed:
                continue
            # Of the operations this run (or shard) ran.
            failures += [
                Failure(f"coverage of {label}", text) for label, text in outcome.settle_coverage()
            ]
            if outcome.uncollected and outcome.owns_orphans:
                failures.append(_uncollected(outcome))
            below = outcome.settle_reach() if outcome.complete else None
            if below:
                failures.append(Failure(f"reach of {outcome.display}/", below))
            action = orphan_action(
                update=update, complete=outcome.complete, owns_orphans=outcome.owns_orphans
            )
            if action is OrphanAction.KEEP:
                # A partial update still records the document its files were written from.
                if update and outcome.started:
                    _settle_schema(outcome, update=True, ci=self.options.ci)
                continue
            if not self.remote:
                suite = self.suites[Path(outcome.directory)]
                outcome.orphans = suite.orphan_names()
            failures += _settle_orphans(outcome, action)
            failures += _settle_schema(outcome, update=update, ci=self.options.ci)
        return failures


def _finish(generator: Iterator[Suite], app: str | None) -> None:
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


def _uncollected(outcome: Outcome) -> Failure:
    """The operations (or scenarios) the app added since the stored document the run
    collected its tests from: none was checked, and the gate must say so."""
    shown = f"{outcome.display}/{SCHEMA_FILE}"
    labels = sorted(outcome.uncollected)
    listed = ", ".join(labels[:10]) + (f" and {len(labels) - 10} more" if len(labels) > 10 else "")
    selectors = " ".join(f"--contractsnap-op {shlex.quote(label)}" for label in labels[:3])
    command = "pytest --snapshot-update" + (f" {selectors}" if len(labels) <= 3 else "")
    scenarios = sum(label.startswith("scenario ") for label in labels)
    what = " and ".join(
        plural(count, noun)
        for count, noun in ((len(labels) - scenarios, "operation"), (scenarios, "scenario"))
        if count
    )
    return Failure(
        "operations added to the app",
        f"the app has {what} that {shown} does not list (added since it was recorded), so "
        f"this run collected no test for them: {listed}. "
        f"Record them, review the new files and commit them:\n  {command}",
    )


def _refuse_pending(outcome: Outcome) -> list[Failure]:
    """In CI, a pending file is itself a failure: a change was left unreviewed."""
    root = Path(outcome.directory)
    failures = []
    for path in _pending.files(root):
        shown = f"{outcome.display}/{path.relative_to(root).as_posix()}"
        failures.append(
            Failure(
                shown,
                f"pending snapshot {shown} (CI runs never write or keep them): "
                "review it with `contractsnap review` and commit the result, or delete it",
            )
        )
    return failures


def _settle_schema(outcome: Outcome, *, update: bool, ci: bool) -> list[Failure]:
    """Record (update) or compare the stored OpenAPI document.

    Recording first checks that a second process serves the same document (refused if not:
    every gate would differ). A gate that reads another one says so, and outside CI leaves
    it beside the stored one, pending, for ``contractsnap accept``; it is no failure by
    itself: an operation whose requests it changes is stale, and fails as such.
    """
    if not outcome.schema:
        return []
    path = Path(outcome.directory) / SCHEMA_FILE
    pending = _pending.schema_pending(Path(outcome.directory))
    stored = path.read_text(encoding="utf-8") if path.exists() else None
    if stored == outcome.schema or (stored is None and not outcome.recorded and not update):
        pending.unlink(missing_ok=True)
        return []  # the same, or nothing recorded at all (the first test says so)
    shown = f"{outcome.display}/{SCHEMA_FILE}"
    if update:
        unstable = _unstable_document(outcome, shown)
        if unstable is not None:
            return [Failure(shown, unstable)]
        atomic_write(path, outcome.schema)
        pending.unlink(missing_ok=True)
        outcome.notes.append(f"recorded the OpenAPI document in {shown}")
        return []
    if not ci:
        atomic_write(pending, outcome.schema)
    if stored is None:
        outcome.notes.append(f"{shown} is not recorded yet; `pytest --snapshot-update` records it")
        return []
    try:
        old = json.loads(stored)
    except ValueError:
        old = None
    changed, lists = _normalize.split_differences(old, json.loads(outcome.schema))
    outcome.notes.append(_messages.document_differs(shown, changed, lists))
    return []


def _unstable_document(outcome: Outcome, shown: str) -> str | None:
    """How the document a second process serves differs from this run's; None if it is
    the same, or if it comes from a file (said in a note if the process fails)."""
    if not outcome.origin:
        return None
    try:
        again = _app.fresh_document(outcome.origin)
    except AppLoadError as exc:
        outcome.notes.append(_messages.unchecked_document(str(exc)))
        return None
    if again == outcome.schema:
        return None
    changed, lists = _normalize.split_differences(json.loads(outcome.schema), json.loads(again))
    settings = outcome.origin.get("settings")
    configured = {
        key: [str(v) for v in values]
        for key, values in (settings.items() if isinstance(settings, Mapping) else ())
        if key in ("schema_redact", "schema_unordered") and isinstance(values, list)
    }
    return _messages.unstable_document(shown, changed, lists, configured)


def _settle_orphans(outcome: Outcome, action: OrphanAction) -> list[Failure]:
    """Delete or flag the orphaned files (a flagged one fails the run).

    A deleting run also removes temporary files that an interrupted write left behind.
    """
    root = Path(outcome.directory)
    delete = action is OrphanAction.DELETE
    if delete:
        for leftover in leftover_temp_files(root):
            leftover.unlink(missing_ok=True)
            outcome.notes.append(
                f"removed {outcome.display}/{leftover.name}, left by an interrupted write"
            )
    failures = []
    for name in outcome.orphans:
        shown = f"{outcome.display}/{name}"
        if delete:
            (root / name).unlink(missing_ok=True)
            outcome.notes.append(f"deleted orphaned snapshot file {shown}")
        else:
            gone = (
                "its scenario is no longer defined (its link or config entry was removed)"
                if name.startswith(f"{_scenarios.DIRECTORY}/")
                else "its operation is not in the schema"
            )
            failures.append(
                Failure(
                    shown,
                    f"orphaned snapshot file {shown}: {gone}; "
                    "`pytest --snapshot-update` (a full run) deletes it",
                )
            )
    return failures
