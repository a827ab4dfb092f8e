"""The record-or-replay policy, once, for every kind of target (an operation, a scenario).

The decision table of one test:

=========================  =================  ==============================================
snapshot file              run                what happens
=========================  =================  ==============================================
missing                    gate               ``MissingSnapshot``, with the record command
fingerprint differs        gate               ``StaleCases``, with the record command
present, up to date        gate               replay the stored requests and compare; on a
                                              difference ``SnapshotMismatch``, and outside CI
                                              the new result is written beside the file
                                              (``.pending``); a match removes a stale one
missing, or                update             plan new requests (generate), send them twice,
``--contractsnap-regen.``                     refuse a flaky answer, write the file
fingerprint differs        update             revise: keep the stored requests that still fit,
                                              add planned ones for what is new; then as above
present, up to date        update             send the stored requests twice, refuse a flaky
                                              answer, write the file (upgrading its format)
any                        any                contract checks on the answers of the last pass
=========================  =================  ==============================================

A target that cannot be sent as stored (a scenario whose carried value is gone) fails the
gate with a mismatch and the record with a violation. Orphaned files are the suite's, at the
end of the run: ``orphan_action``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from . import _canonical, _messages, _pending, _snapshot
from ._checks import CheckFailure
from ._documents import Carried, Document, OperationDocument, ScenarioDocument
from ._errors import ContractViolation, FlakyResponse, MissingSnapshot, SnapshotMismatch, StaleCases
from ._exchange import CaseResult
from ._options import Options

#: What a target stores per case or step: a frozen case, or a scenario step's request.
R = TypeVar("R")
#: The snapshot document of a target: an operation's or a scenario's.
D = TypeVar("D", OperationDocument, ScenarioDocument)

#: Compares a document with the file through syrupy (and writes it on update).
AssertSnapshot = Callable[[Document], bool]


@dataclasses.dataclass(frozen=True)
class Stored(Generic[R, D]):
    """A snapshot file as read back, in the terms the policy needs."""

    fingerprint: str
    #: The format the file is written in; older than ``FORMAT`` until the next update.
    version: str
    #: The file's document (upgraded to the current layout).
    document: D
    #: What is replayed: the stored requests, in order.
    requests: tuple[R, ...]


@dataclasses.dataclass
class Pass:
    """One pass over a target's requests: the redacted results, and the values a scenario
    carried from step to step (redacted)."""

    results: list[CaseResult]
    carried: dict[str, Carried] = dataclasses.field(default_factory=dict)


class Unsendable(Exception):
    """A stored request cannot be sent: a value it carries has no value in the answer it
    comes from."""

    def __init__(self, message: str, done: Sequence[CaseResult] = ()) -> None:
        super().__init__(message)
        #: The results of the requests sent before it, redacted.
        self.done = list(done)


@dataclasses.dataclass
class Findings:
    """What one test learned besides its verdict; the suite folds it into the outcome."""

    notes: list[str] = dataclasses.field(default_factory=list)
    warnings: list[CheckFailure] = dataclasses.field(default_factory=list)
    violations: list[CheckFailure] = dataclasses.field(default_factory=list)
    #: Violations the snapshot already holds: reported as contract debt, not failed.
    debt: list[CheckFailure] = dataclasses.field(default_factory=list)
    #: The statuses the operation's cases got (None: not an operation, or not sent).
    reached: list[int] | None = None
    #: The statuses a scenario's steps got, by the operation each step sends.
    steps_reached: dict[str, set[int]] = dataclasses.field(default_factory=dict)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def unrecorded(self) -> None:
        """A recording that wrote nothing: the statuses its sends got are not in a snapshot,
        so they do not count for the coverage or the reach."""
        self.reached = None
        self.steps_reached.clear()


class Target(Protocol[R, D]):
    """What the policy checks: something with a snapshot file and requests to send."""

    @property
    def label(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def path(self) -> Path: ...

    @property
    def shown(self) -> str:
        """The snapshot file, as messages show it (``snapshots/GET_books.json``)."""

    @property
    def selector(self) -> str:
        """What ``--contractsnap-op`` selects this target with."""

    @property
    def accept(self) -> str:
        """The command that records this target."""

    def check_readable(self) -> None:
        """Raise a ``SchemaError`` if the schema's definition cannot be sent at all."""

    def read(self) -> Stored[R, D] | None:
        """The snapshot file, or None if there is none; a broken file raises."""

    def check_stored(self, stored: Stored[R, D]) -> None:
        """Refuse an up-to-date file that cannot be replayed as stored (a hand edit)."""

    def stale(self, stored: Stored[R, D]) -> str:
        """Why ``stored`` no longer fits the schema, with the record command."""

    async def plan(self) -> Sequence[R]:
        """New requests to record."""

    async def revise(self, stored: Stored[R, D]) -> Sequence[R]:
        """Requests for a stale target: the stored ones that still fit, and new ones for
        what changed (so a review sees the change, not a reshuffle)."""

    async def send(self, requests: Sequence[R], *, current: bool = True) -> Pass:
        """One pass over ``requests``, from a fresh set-up; may raise ``Unsendable``."""

    def document(self, run: Pass) -> D:
        """The snapshot document of a pass."""

    def mismatch(self, stored: Stored[R, D], run: Pass, document: D) -> str:
        """How a replay's answers differ from ``stored``."""

    def unsendable(self, exc: Unsendable, stored: Stored[R, D]) -> str:
        """A replay that could not be sent whole, against ``stored``."""

    def unsendable_hint(self) -> str:
        """What to check when a recording could not be sent whole."""


async def check(
    target: Target[R, D],
    *,
    options: Options,
    assert_snapshot: AssertSnapshot,
    redact: Sequence[str],
    findings: Findings,
    style: _messages.Style = _messages.PLAIN,
    strict: bool = False,
) -> Pass:
    """Replay (gate) or record (``options.update``) one target; raise a
    ``ContractFailure`` on a finding. Returns the pass whose answers were checked.

    A gate that finds both a difference and broken contract checks reports both, server
    errors (with what the app raised) first. Violations the file records (its contract
    debt; recording writes them) are reported, not failed, unless ``strict``."""
    target.check_readable()
    differs: tuple[D, str] | None = None
    stored = target.read()
    stale = stored is not None and stored.fingerprint != target.fingerprint
    if stored is not None and not stale:
        target.check_stored(stored)
    if options.update:
        if stored is None or options.regenerate:
            requests = await target.plan()
        elif stale:
            requests = await target.revise(stored)
        else:
            requests = stored.requests
        try:
            run = await _record(target, requests, redact, style, options.workers)
        except BaseException:  # flaky, unsendable, timed out: nothing is written
            findings.unrecorded()
            raise
        assert_snapshot(target.document(run))
        if stored is not None and stored.version != _snapshot.FORMAT:
            findings.note(
                f"rewrote {target.shown} from format {stored.version} in {_snapshot.FORMAT}"
            )
        _pending.discard(target.path)
        for note in (
            _messages.unredacted(target.label, run.results, redact),
            _messages.rate_limited(target.label, run.results),
        ):
            if note:
                findings.notes.append(note)
    elif stored is None:
        raise MissingSnapshot(
            f"{target.label}: no snapshot file {target.shown}; record it with:\n  " + target.accept
        )
    elif stale:
        raise StaleCases(target.stale(stored))
    else:
        run, differs = await _replay(target, stored, assert_snapshot, findings)
    known = _known(run, None if options.update else stored, strict=strict)
    found = _messages.contract(target.label, run.results, style, known)
    # Under `pytest -n`, a changed answer or a server error may be another worker's doing:
    # its copy of the app may write to the same database.
    workers = _messages.other_workers_tail(target.selector, options.workers, update=options.update)
    findings.warnings += found.warnings
    findings.violations += found.violations
    findings.debt += found.debt
    if differs is not None:
        document, mismatch = differs
        if found.server_errors:
            # A server error is fixed, never accepted: no pending file offers it.
            _pending.discard(target.path)
        elif not options.ci:
            _pending.write(target.path, document)
            mismatch += _messages.PENDING_HINT.format(name=target.shown, suffix=_pending.SUFFIX)
        raise SnapshotMismatch((found.message(diff=mismatch) or mismatch) + workers)
    if not options.update and not options.ci:  # CI only reads: a stray pending file fails
        _pending.discard(target.path)
    message = found.message()
    if message:
        raise ContractViolation(message + (workers if found.server_errors else ""))
    return run


def _known(run: Pass, stored: Stored[R, D] | None, *, strict: bool) -> list[frozenset[str]]:
    """The violations that are contract debt, case by case: none when ``strict``; those
    of the ``stored`` file at a gate; a recording's own otherwise (the baseline it writes)."""
    if strict:
        return []
    if stored is None:
        return [frozenset(result.violations) for result in run.results]
    return _snapshot.known_violations(stored.document)


async def _replay(
    target: Target[R, D],
    stored: Stored[R, D],
    assert_snapshot: AssertSnapshot,
    findings: Findings,
) -> tuple[Pass, tuple[D, str] | None]:
    """The pass, and (None if it matches) its document and what differs from the stored
    one (empty when only server errors differ: the contract's message says those)."""
    try:
        # Normalised as its format was: an older file kept machine paths, uuid4().hex...
        current = stored.version not in _snapshot.BEFORE_2
        run = await target.send(stored.requests, current=current)
    except Unsendable as exc:
        raise SnapshotMismatch(target.unsendable(exc, stored)) from None
    document = target.document(run)
    if stored.version != _snapshot.FORMAT:
        # syrupy compares file text; a file in an older format is compared as upgraded,
        # with what that format did not store left out.
        findings.note(
            f"snapshot files in an older format ({stored.version}) replay as they are; the "
            f"next `pytest --snapshot-update` rewrites them in {_snapshot.FORMAT}"
        )
        compared: object = document
        if stored.version in _snapshot.BEFORE_2:
            compared = _snapshot.without_violations(document)
        same = _canonical.dumps(compared) == _canonical.dumps(stored.document)
    else:
        same = assert_snapshot(document)
    if not same:
        return run, (document, target.mismatch(stored, run, document))
    return run, None


async def _record(
    target: Target[R, D],
    requests: Sequence[R],
    redact: Sequence[str],
    style: _messages.Style,
    workers: int,
) -> Pass:
    """Send ``requests`` twice; refuse answers that differ between the passes (under
    ``pytest -n``, saying that another worker's copy of the app may have written between
    them)."""
    try:
        run = await target.send(requests)
        again = await target.send(requests)
    except Unsendable as exc:
        raise ContractViolation(
            f"{exc}; {target.shown} was not written" + target.unsendable_hint()
        ) from None
    flaky = _messages.flaky(
        target.label, target.shown, run.results, again.results, redact, style
    ) or _messages.flaky_carried(target.label, target.shown, run.carried, again.carried)
    if flaky:
        raise FlakyResponse(
            flaky + _messages.other_workers_tail(target.selector, workers, update=True)
        )
    clock = _messages.clock_read(target.label, target.shown, run.results, redact)
    if clock:
        raise FlakyResponse(clock)
    return run


class OrphanAction(enum.Enum):
    """What the end of a run does with a snapshot file whose target is gone."""

    #: Nothing: the run was interrupted, partial, or another shard settles orphans.
    KEEP = "keep"
    #: Report it and fail the run (a gate run).
    FLAG = "flag"
    #: Delete it (a full ``--snapshot-update`` run).
    DELETE = "delete"


def orphan_action(*, update: bool, complete: bool, owns_orphans: bool) -> OrphanAction:
    """A partial run never flags or deletes what it did not check; only the shard that owns
    orphans settles them; an update deletes them, a gate run fails on them."""
    if not complete or not owns_orphans:
        return OrphanAction.KEEP
    return OrphanAction.DELETE if update else OrphanAction.FLAG
