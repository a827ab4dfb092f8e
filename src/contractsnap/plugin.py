"""pytest wiring: options, hooks and fixtures. The work happens in ``_session``/``_suite``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Protocol

import pytest

from . import _report
from ._errors import ContractsnapError
from ._exchange import Setup
from ._options import Options
from ._outcome import OutcomeData
from ._probes import Probe
from ._session import Run
from ._suite import Suite, Test
from ._testfunc import MARK

RUN = pytest.StashKey[Run]()
_SUITE_MODULE = Path(__file__).with_name("_contract_suite.py")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contractsnap", "contract snapshot tests")
    group.addoption(
        "--contractsnap-op",
        action="append",
        dest="contractsnap_ops",
        default=[],
        metavar="SELECTOR",
        help='Run only the operations this selector matches: "GET /books/{book_id}", '
        '"tag:NAME", "id:OPERATION_ID", "method:POST" or "path:/books/*"; or the scenarios '
        '"scenario:NAME" matches. Repeatable.',
    )
    group.addoption(
        "--contractsnap-shard",
        dest="contractsnap_shard",
        default=None,
        metavar="I/K",
        type=_shard,
        help="Run shard I of K (1-based) of every contract suite: operation n goes to shard "
        "n mod K + 1 in schema order. Shard 1 also settles orphaned files.",
    )
    group.addoption(
        "--contractsnap-base-url",
        dest="contractsnap_base_url",
        default=None,
        metavar="URL",
        help="Test the server running at URL instead of the app in process (overrides "
        "`base_url` in [tool.contractsnap]); the app is not imported and `setup` is not called.",
    )
    group.addoption(
        "--contractsnap-fail-uncovered",
        dest="contractsnap_fail_uncovered",
        action="store_true",
        help="Fail the run when a documented response status of a tested operation is "
        "reached by none of its cases (like `fail_uncovered = true`).",
    )
    group.addoption(
        "--contractsnap-only",
        action="store_true",
        dest="contractsnap_only",
        help="Run only the contract suite of [tool.contractsnap]: no test module is imported "
        "(conftest.py files are, for their fixtures). `contractsnap run` sets it.",
    )
    group.addoption(
        "--contractsnap-regenerate",
        action="store_true",
        dest="contractsnap_regenerate",
        help="With --snapshot-update, generate new cases even for operations whose frozen "
        "cases are up to date.",
    )


def _shard(value: str) -> tuple[int, int]:
    index, sep, count = value.partition("/")
    if sep and index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count):
        return int(index), int(count)
    raise argparse.ArgumentTypeError(f"expected I/K with 1 <= I <= K, such as 2/4, got {value!r}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "contractsnap: a contract snapshot test of one API operation."
    )
    try:
        # `config.cache` is pytest's cacheprovider (absent with `-p no:cacheprovider`).
        run = Run(config.rootpath, Options.from_pytest(config), getattr(config, "cache", None))
    except ContractsnapError as exc:
        raise pytest.UsageError(str(exc)) from None
    try:
        run.load_pyproject()
    except ContractsnapError as exc:
        raise pytest.UsageError(f"contractsnap: {exc}") from None
    config.stash[RUN] = run
    config.pluginmanager.register(_ContractTestsFirst(), "contractsnap-order")


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """``--contractsnap-only``: every file but the contract suite's is left alone, so a slow
    or broken test module neither slows nor breaks the contract run. Directories are still
    visited: their ``conftest.py`` files hold the suite's fixtures."""
    run = config.stash.get(RUN, None)
    if run is not None and run.options.only and collection_path.is_file():
        return collection_path != _SUITE_MODULE
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    function = metafunc.function
    if not hasattr(function, MARK):
        return
    where = f"{metafunc.module.__name__}.{function.__name__}"
    try:
        suite = metafunc.config.stash[RUN].suite(getattr(function, MARK), where)
    except ContractsnapError as exc:
        # Raising here would bury the message in a traceback through every plugin's
        # collection hooks; one failing test that says what is wrong reads better.
        metafunc.parametrize(
            ("anyio_backend", "contractsnap_operation"),
            [pytest.param("asyncio", None, marks=pytest.mark.contractsnap(error=str(exc)))],
            ids=["start-up"],
        )
        return
    backend, key = suite.settings.backend, str(suite.directory)
    metafunc.parametrize(
        ("anyio_backend", "contractsnap_operation"),
        [
            pytest.param(backend, test, marks=pytest.mark.contractsnap(suite=key, operation=test))
            for test in suite.tests
        ],
        ids=[test.label for test in suite.tests],
        scope="session",
    )


def _full_collection(config: pytest.Config) -> bool:
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return True
    root = config.rootpath.resolve()
    return any(
        Path(arg.split("::")[0]).resolve() in (root, root / "pyproject.toml") for arg in config.args
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    run = config.stash[RUN]
    if run.pyproject is not None and _full_collection(config):
        module = pytest.Module.from_parent(session, path=_SUITE_MODULE, nodeid="contractsnap")
        report = session.ihook.pytest_make_collect_report(collector=module)
        session.ihook.pytest_collectreport(report=report)
        items[:0] = [node for node in report.result if isinstance(node, pytest.Item)]
    if run.options.shard is not None:
        run.shard()
        _deselect(config, items, lambda item: _in_shard(run, item))
    if run.options.selectors:  # only the matching contract tests, nothing else
        unmatched = run.unmatched_selectors()
        if unmatched:
            raise pytest.UsageError(unmatched)
        _deselect(config, items, lambda item: _selected(run, item))


def _selected(run: Run, item: pytest.Item) -> bool:
    test = _operation_of(item)
    return test is not None and run.selects(test)


def _in_shard(run: Run, item: pytest.Item) -> bool:
    key, test = _suite_key(item), _operation_of(item)
    return key is None or test is None or run.in_shard(key, test)


def _deselect(
    config: pytest.Config, items: list[pytest.Item], keep: Callable[[pytest.Item], bool]
) -> None:
    """Keep the items ``keep`` accepts; report the others as deselected."""
    kept = [item for item in items if keep(item)]
    if len(kept) < len(items):
        ids = set(map(id, kept))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in ids])
        items[:] = kept


class _ContractTestsFirst:
    """Run contract tests before the rest, whatever reordered the items before.

    The suite holds the run's event loop from collection until its last test; other async
    tests (on another backend) or code calling ``anyio.run`` must come after that.
    """

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        ours = [item for item in items if _suite_key(item) is not None]
        if ours:
            items[:] = ours + [item for item in items if _suite_key(item) is None]


def _operation_of(item: pytest.Item) -> Test | None:
    """What a contract test checks: an operation or a scenario."""
    for marker in item.iter_markers("contractsnap"):
        test = marker.kwargs.get("operation")
        if test is not None:
            return test  # type: ignore[no-any-return]  # marker kwargs are untyped
    return None


def _suite_key(item: pytest.Item) -> Path | None:
    for marker in item.iter_markers("contractsnap"):
        if "suite" in marker.kwargs:
            return Path(marker.kwargs["suite"])
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    run = session.config.stash[RUN]
    counts: dict[Path, int] = {}
    for item in session.items:
        key, operation = _suite_key(item), _operation_of(item)
        if key is not None and operation is not None:
            run.suites[key].outcome.selected.add(operation.label)
            counts[key] = counts.get(key, 0) + 1
    if not run.options.collect_only:
        run.loop.expect(counts)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Contract tests run first; under pytest-xdist a worker may get other tests before
    its share of them is done, so the event loop is freed before any other test."""
    if _suite_key(item) is None:
        item.config.stash[RUN].loop.release()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    try:
        return (yield)
    finally:
        key = _suite_key(item)
        if key is not None:
            item.config.stash[RUN].loop.finished(key)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A failed contract test heads pytest's short summary with its first line only.

    pytest prints the whole message there when ``CI`` is set (or with ``-vv``): a second
    copy of every finding. The crash line of the report is the one place that says what
    heads the summary; pytest has no public API for it, so its ``message`` is shortened
    here (the full text stays in the report's sections and in the failures).
    """
    if report.failed and "contractsnap" in report.keywords:
        crash = getattr(report.longrepr, "reprcrash", None)
        message = getattr(crash, "message", None)
        if isinstance(message, str) and "\n" in message:
            crash.message = message.split("\n", 1)[0]  # type: ignore[union-attr]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run = config.stash[RUN]
    try:
        workeroutput = getattr(config, "workeroutput", None)
        if workeroutput is not None:  # a pytest-xdist worker: the controller decides
            workeroutput["contractsnap"] = run.worker_report()
            return
        interrupted = bool(session.shouldstop or session.shouldfail)
        failures = run.settle(interrupted=interrupted)
        terminal = config.pluginmanager.get_plugin("terminalreporter")
        if failures and terminal is not None and config.get_verbosity() <= 0:
            terminal.ensure_newline()
            terminal.write("contractsnap (end of run) ")
        for failure in failures:
            # A failed test of its own: counted in the last line, listed in the summary.
            name = f"end_of_run[{failure.subject}]"
            report = pytest.TestReport(
                nodeid=f"contractsnap::{name}",
                location=("contractsnap", None, name),
                keywords={"contractsnap": 1},
                outcome="failed",
                longrepr=failure.message,
                when="call",
            )
            config.hook.pytest_runtest_logreport(report=report)
        if failures and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    finally:
        run.loop.close()


class _Worker(Protocol):
    """What pytest-xdist's worker controller offers the hook."""

    config: pytest.Config


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: _Worker, error: object) -> None:
    """pytest-xdist: a worker finished (or crashed); keep its outcomes."""
    run = node.config.stash.get(RUN, None)
    if run is not None:
        # A crashed worker has no ``workeroutput``.
        output: Mapping[str, list[OutcomeData]] = getattr(node, "workeroutput", {})
        run.receive(output.get("contractsnap"), crashed=bool(error))


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    run = config.stash.get(RUN, None)
    if run is None or exitstatus == pytest.ExitCode.USAGE_ERROR:
        return  # nothing ran: a usage error says what to fix, alone
    if run.suites:
        threads = run.leftover_threads()
        if threads:
            terminalreporter.write_line(f"contractsnap: {threads}", yellow=True)
    for outcome in run.outcomes():
        lines = _report.summary_lines(
            outcome.warnings,
            outcome.violations,
            outcome.notes,
            verbose=run.options.verbose,
            debt=outcome.debt,
        )
        if lines:
            terminalreporter.section(f"contractsnap: {outcome.display}/")
            for line in lines:
                terminalreporter.write_line(line)
        coverage = outcome.coverage()
        if coverage:
            terminalreporter.section(f"contractsnap coverage: {outcome.display}/")
            for line in _report.coverage_lines(coverage, verbose=run.options.verbose):
                terminalreporter.write_line(line)


def pytest_report_header(config: pytest.Config) -> list[str]:
    run = config.stash.get(RUN, None)
    if run is None or run.pyproject is None:
        return []
    s = run.pyproject
    target = f"server {s.base_url}" if s.base_url else f"app {s.app}"
    return [f"contractsnap: {target}, snapshots {s.snapshot_dir}/, backend {s.backend}"]


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def contractsnap_suite(request: pytest.FixtureRequest) -> Suite:
    """The running suite of the operation under test (its app, client, schema, settings)."""
    for marker in request.node.iter_markers("contractsnap"):
        if "error" in marker.kwargs:
            pytest.fail(f"contractsnap: {marker.kwargs['error']}", pytrace=False)
    key = _suite_key(request.node)
    if key is None:
        raise pytest.UsageError("contractsnap_suite is only available in contract tests")
    run = request.config.stash[RUN]
    try:
        run.resume(key)
    except ContractsnapError as exc:
        error = str(exc)  # failed outside the except block: no chained traceback
    else:
        return run.suites[key]
    pytest.fail(f"contractsnap: {error}", pytrace=False)


@pytest.fixture
def contractsnap_app(contractsnap_suite: Suite) -> object:
    """The app under test. Override it to customise the app in place and return it, e.g.::

    @pytest.fixture
    def contractsnap_app(contractsnap_app):
        contractsnap_app.dependency_overrides[get_settings] = lambda: test_settings
        return contractsnap_app
    """
    return contractsnap_suite.app


@pytest.fixture
def contractsnap_auth_headers() -> Mapping[str, str]:
    """Headers added to every request, e.g. ``{"Authorization": "Bearer ..."}``.

    Every value is a secret: it is redacted wherever it appears in a snapshot.
    Override it (it may request ``contractsnap_operation`` to vary per operation).
    """
    return {}


@pytest.fixture
def contractsnap_auth_params() -> Mapping[str, str]:
    """Query parameters added to every request, for APIs that take a key in the query
    (``{"api_key": "..."}``). Like the auth headers, the values are secrets: they replace
    generated values, are never stored and are redacted wherever they come back."""
    return {}


@pytest.fixture
def contractsnap_probes(contractsnap_suite: Suite) -> Mapping[str, Probe]:
    """State probes by name, run before and after every case; the snapshot stores what changed.

    Defaults to the ``probes`` of the settings. A probe is called (and awaited if async)
    with the app and returns JSON-able state, e.g. the rows of a table by primary key::

        @pytest.fixture
        def contractsnap_probes(contractsnap_probes):
            async def books(app):
                async with app.state.db.execute("SELECT * FROM books") as cursor:
                    return {str(row["id"]): dict(row) for row in await cursor.fetchall()}

            return {**contractsnap_probes, "books": books}
    """
    return dict(contractsnap_suite.running.probes)


@pytest.fixture
def contractsnap_setup(contractsnap_suite: Suite) -> Setup | None:
    """Called (and awaited if async) with the operation before each pass over its cases
    (for a scenario: with its first step's operation, before each pass over its steps).

    Defaults to the ``setup`` callable of the settings, called with the app. Override it to
    reset state another way, e.g. truncate the test database.
    """
    return contractsnap_suite.default_setup()
