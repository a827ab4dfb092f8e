"""One contract suite: its app and schema, one check per operation and scenario, and the
outcome the checks fold into.

Discovery (once per run, inside the run's event loop): start the app, read its OpenAPI
document, list the operations and scenarios. Each test then runs the record-or-replay
policy (``_verdict``) on its target; what the check learned is folded into the outcome,
which the session settles at the end of the run.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx

from . import _canonical, _cases, _exit, _messages, _scenarios, _schemadiff, _snapshot, _verdict
from ._app import AppUnderTest
from ._canonical import JSON
from ._config import Settings
from ._credentials import Credentials, Locations, Secrets
from ._errors import (
    ContractFailure,
    ContractsnapError,
    LifespanError,
    MissingSnapshot,
    NotChecked,
)
from ._exchange import Setup
from ._inference import Memo
from ._messages import Style
from ._options import Options
from ._outcome import Outcome
from ._probes import Probe
from ._scenario_target import ScenarioTarget
from ._scenarios import Scenario
from ._schema import ApiSchema, Operation
from ._targets import Context, OperationTarget
from ._verdict import AssertSnapshot, Findings

#: Methods that only read: sent again at the end of a recording (``send_reads_again``).
_READS = frozenset({"GET", "HEAD"})

#: What a contract test checks.
Test = Operation | Scenario


class Suite:
    """The state of one contract suite for the duration of a pytest run."""

    def __init__(
        self, settings: Settings, options: Options | None = None, memo: Memo | None = None
    ) -> None:
        _exit.skip_final_collection()  # its schema, cases and app are freed by the exit
        self.settings = settings
        self.options = options or Options()
        #: Where the links inferred from the document are kept between runs.
        self.memo = memo
        self.directory = settings.snapshot_path
        self.extension = _snapshot.OperationSnapshot.for_directory(self.directory)
        self.scenario_extension = _snapshot.OperationSnapshot.for_directory(
            self.directory / _scenarios.DIRECTORY
        )
        self.outcome = Outcome(
            str(self.directory),
            self.display(self.directory),
            fail_uncovered=settings.fail_uncovered or self.options.fail_uncovered,
            min_reach=settings.min_reach,
            infers=settings.infer_scenarios,
        )
        #: The app (or live server) while it runs: its client, document, setup and probes.
        self.running = AppUnderTest(settings, self.outcome.note)
        self.schema: ApiSchema | None = None
        self.operations: list[Operation] = []
        self.scenarios: list[Scenario] = []
        self._scenario_stems: set[str] = set()
        #: Cases generated this run, by operation and credentials (scenarios share them).
        self._generated: dict[str, list[_cases.FrozenCase]] = {}
        #: Whether any test has a snapshot file (else the gate says so once, not per test).
        self._recorded_any = True
        #: What changed per operation since the stored OpenAPI document (read when needed).
        self._changes: dict[str, list[str]] | None = None
        #: The read-only operations this recording wrote, to send again at its end; and
        #: whether it sent anything that may write.
        self._reads: list[OperationTarget] = []
        self._wrote = False
        #: Whether the state is reset before each pass (a ``setup`` was given).
        self._reset = False
        #: The labels listed from the stored OpenAPI document at collection (None: listed
        #: from the app's own document), and whether the app's own has been read since.
        self._stored_labels: set[str] | None = None
        self.read_app_document = False
        self._by_label: dict[str, Test] = {}

    # -- discovery ---------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def started(self) -> AsyncIterator[Suite]:
        """Start the app and read its schema; stop the app on exit."""
        started = False
        try:
            async with self.running.started():
                started = True
                yield self
        except LifespanError as exc:
            if started or self.options.workers < 2:
                raise
            raise LifespanError(f"{exc}. {_messages.other_workers(self.options.workers)}") from exc

    def load_stored(self) -> bool:
        """List the tests from the stored OpenAPI document (``openapi.json``), without
        importing or starting the app: how a gate collects. The app's own document is read
        at the first test (``load_schema``), and decides what each test checks.

        False when there is none to read (the first recording) or it does not load: the
        app's document is read at once then, and says what is wrong with it.
        """
        if self._stored_document is None:
            return False
        try:
            self._list(ApiSchema(self._stored_document, self.settings))
        except ContractsnapError:
            return False
        self._stored_labels = set(self._by_label)
        return True

    @functools.cached_property
    def _stored_document(self) -> JSON | None:
        """The stored OpenAPI document, read once (None: there is none, or not JSON)."""
        try:
            return _snapshot.load(self.directory / _snapshot.SCHEMA_FILE)
        except (OSError, ValueError):
            return None

    def load_schema(self) -> None:
        """List the operations of the fetched document (CPU-bound: outside the event loop).

        After a collection from the stored document, the tests the stored one listed that
        the app no longer has are dropped from the run (their files are orphans), and the
        ones it added are the run's ``uncollected``: no test was collected for them.
        """
        listed = self._stored_labels
        everything = set(self.outcome.everything)  # a shard's share, once collected
        schema = self.schema
        if listed is None or schema is None or schema.served != self.running.document:
            schema = ApiSchema(self.running.document, self.settings, self.running.document_path)
            self._list(schema)
        # else the app serves the document its tests were listed from (the usual gate): the
        # listing stands, with no second load, fingerprinting or inference.
        self.read_app_document = True
        self.outcome.schema = _canonical.dumps(schema.document)
        self.outcome.origin = self.running.origin()
        if listed is not None:
            current = set(self._by_label)
            self.outcome.everything = everything & current
            self.outcome.selected &= current
            self.outcome.uncollected |= current - listed

    def _list(self, schema: ApiSchema) -> None:
        self.schema = schema
        self.operations = schema.operations
        self.scenarios, self._scenario_stems = _scenarios.build(schema, self.memo)
        self._by_label = {test.label: test for test in self.tests}
        self.outcome.stepped = {s.label for scenario in self.scenarios for s in scenario.steps}
        self.outcome.everything = set(self._by_label)
        self._recorded_any = any(self.file_for(test).exists() for test in self.tests)

    def current(self, test: Test) -> Test:
        """What a collected test checks: the app's own definition of it. A test listed from
        the stored document for an operation the app no longer has is not checked."""
        if self._stored_labels is None:
            return test
        found = self._by_label.get(test.label)
        if found is None:
            shown = self.display(self.directory / _snapshot.SCHEMA_FILE)
            raise NotChecked(
                f"{test.label} is not in the app's OpenAPI document any more (it was when "
                f"{shown} was recorded): its snapshot file is reported at the end of the run"
            )
        return found

    @property
    def app(self) -> object:
        """The app object under test (None against a live server)."""
        return self.running.app

    @property
    def client(self) -> httpx.AsyncClient | None:
        """The run's client, while the suite runs."""
        return self.running.client

    @property
    def document(self) -> Mapping[str, JSON]:
        """The app's OpenAPI document, as read at start-up and normalised."""
        return self.schema.document if self.schema is not None else self.running.document

    def default_setup(self) -> Setup | None:
        """The ``setup`` of the settings, called with the app (whatever the operation)."""
        return self.running.default_setup()

    @property
    def tests(self) -> list[Test]:
        """What the suite's tests check, in order: every operation, then every scenario."""
        return [*self.operations, *self.scenarios]

    def extension_for(self, test: Test) -> type[_snapshot.OperationSnapshot]:
        """The syrupy extension that stores this test's file."""
        return self.scenario_extension if isinstance(test, Scenario) else self.extension

    def file_for(self, target: Test) -> Path:
        """The snapshot file of an operation, or ``scenarios/NAME.json`` of a scenario."""
        if isinstance(target, Scenario):
            return self.directory / _scenarios.DIRECTORY / f"{target.file_stem}.json"
        return self.directory / f"{target.file_stem}.json"

    def display(self, path: Path) -> str:
        try:
            return path.relative_to(self.settings.root.resolve()).as_posix()
        except ValueError:
            return path.name

    # -- one test --------------------------------------------------------------------------

    async def check(
        self,
        test: Test,
        *,
        assert_snapshot: AssertSnapshot,
        auth_headers: Mapping[str, str],
        setup: Setup | None,
        probes: Mapping[str, Probe] | None = None,
        auth_params: Mapping[str, str] | None = None,
    ) -> None:
        """Replay or record one operation or scenario; raise a ``ContractFailure`` on a
        finding."""
        assert self.schema is not None
        assert self.running.exchanger is not None
        self.outcome.started.add(test.label)
        if not self.options.update and not self._recorded_any:
            self._unrecorded(test)
        findings = Findings()
        style = Style(verbose=self.options.verbose, base_path=self.settings.base_path)
        redact = self._redact(test)
        context = Context(
            exchanger=self.running.exchanger,
            secrets=Secrets(
                self.schema.security, self.settings.secrets, redact, self.settings.unordered
            ),
            auth=Credentials(auth_headers, auth_params or {}),
            setup=setup,
            probes=probes or {},
            findings=findings,
            generate=self._generate,
            max_read_size=self.settings.max_read_size,
            style=style,
            schema_changes=self._schema_changes,
        )
        path = self.file_for(test)
        verdict = functools.partial(
            _verdict.check,
            options=self.options,
            assert_snapshot=assert_snapshot,
            redact=redact,
            findings=findings,
            strict=any(operation.settings.strict for operation in self._operations_of(test)),
            style=style,
        )
        try:
            if isinstance(test, Scenario):
                self._wrote = True
                await verdict(ScenarioTarget(test, path, self.display(path), context))
            else:
                target = OperationTarget(test, path, self.display(path), context)
                self._wrote = self._wrote or test.method not in _READS
                self._reset = self._reset or setup is not None
                await verdict(target)
                if self.options.update and test.method in _READS:
                    self._reads.append(target)
        finally:
            self.outcome.fold(test.label, findings)
            if path.exists():
                self.outcome.recorded.add(test.label)

    async def send_reads_again(self) -> None:
        """At the end of a recording: each read-only operation's first case once more,
        after ``setup`` and after every other operation ran. One that answers otherwise
        depends on what the others wrote (or on their order), and a gate that runs them in
        another order finds it changed: said in the run's summary."""
        reads, self._reads = self._reads, []
        if not self._wrote:
            return
        changed = []
        for target in reads:
            stored = target.read()
            if stored is None or not stored.requests:
                continue
            try:
                run = await target.send(stored.requests[:1])
            except (ContractFailure, ContractsnapError):  # a timeout: nothing to compare
                continue
            if run.results[0].response != stored.document["cases"][0]["response"]:
                changed.append(target.label)
        if changed:
            self.outcome.note(_messages.order_dependent(changed, setup=self._reset))

    @staticmethod
    def _operations_of(test: Test) -> list[Operation]:
        """An operation, or the operations of a scenario's steps."""
        if isinstance(test, Scenario):
            return [step.operation for step in test.steps if step.operation is not None]
        return [test]

    def _redact(self, test: Test) -> tuple[str, ...]:
        """The ``redact`` rules of a test: the suite's, then its operations' own (a
        scenario's, of every step)."""
        own = [
            rule for operation in self._operations_of(test) for rule in operation.settings.redact
        ]
        return tuple(dict.fromkeys([*self.settings.redact, *own]))

    def _schema_changes(self, label: str) -> list[str]:
        """What changed in an operation since ``openapi.json`` was stored (empty: unknown)."""
        if self._changes is None:
            self._changes = {}
            stored = self._stored_document
            if isinstance(stored, dict):
                for _, what, operation in _schemadiff.compare(stored, self.document):
                    self._changes.setdefault(operation, []).append(what)
        return self._changes.get(label, [])

    def _unrecorded(self, test: Test) -> None:
        """No test of the suite has a snapshot: the first selected one (in schema order,
        whatever order or pytest-xdist worker runs it) says how to record them all, the
        others skip."""
        shown = self.display(self.directory)
        first = next((t for t in self.tests if t.label in self.outcome.selected), test)
        if test is not first:
            raise NotChecked(f"no snapshot recorded in {shown}/ yet (see the failure above)")
        raise MissingSnapshot(
            f"no snapshot is recorded in {shown}/ yet, so no contract test has anything to "
            "compare with. Record them all with:\n  pytest --snapshot-update\n"
            f"then review the new files in {shown}/ and commit them; plain `pytest` is the gate"
        )

    def _generate(self, operation: Operation, where: Locations) -> list[_cases.FrozenCase]:
        """The operation's generated cases; kept for the run when a scenario steps through
        the operation (its scenarios then reuse them), generated afresh otherwise."""
        key = f"{operation.label} {sorted((k, sorted(v)) for k, v in where.items())}"
        if key in self._generated:
            return self._generated[key]
        cases = _cases.generate(operation, where)
        if any(s.label == operation.label for sc in self.scenarios for s in sc.steps):
            self._generated[key] = cases
        return cases

    # -- the run as a whole ----------------------------------------------------------------

    def orphan_names(self) -> list[str]:
        """The orphans: snapshot files of ours whose operation or scenario is not defined
        at all, relative to the snapshot directory (``scenarios/NAME.json``)."""
        if not self.directory.is_dir() or self.schema is None:
            return []
        # Excluded operations are still in the schema: their files are kept, not orphans.
        found = _orphans(self.directory, self.schema.all_stems, {_snapshot.SCHEMA_FILE})
        found += _orphans(self.directory / _scenarios.DIRECTORY, self._scenario_stems, set())
        return [path.relative_to(self.directory).as_posix() for path in found]


def _orphans(directory: Path, stems: set[str], kept: set[str]) -> list[Path]:
    expected = {f"{stem}.json" for stem in stems} | kept
    return [
        path
        for path in sorted(directory.glob("*.json"))
        if path.name not in expected and _snapshot.is_ours(path)
    ]
