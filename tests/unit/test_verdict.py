"""The record-or-replay policy, branch by branch, on an in-memory target.

The target answers from a script instead of an app: each pass returns the next answers
given to it, so a test says exactly what the two sends of a recording (or the one send of
a gate run) answer. Files are real, in a temporary directory.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest

from contractsnap._canonical import dumps
from contractsnap._cases import FrozenCase
from contractsnap._checks import CheckFailure
from contractsnap._documents import Case, Document, OperationDocument, OperationInfo
from contractsnap._errors import (
    ContractViolation,
    FlakyResponse,
    MissingSnapshot,
    SnapshotMismatch,
    StaleCases,
)
from contractsnap._exchange import CaseResult
from contractsnap._options import Options
from contractsnap._pending import SUFFIX
from contractsnap._snapshot import FORMAT
from contractsnap._verdict import (
    Findings,
    OrphanAction,
    Pass,
    Stored,
    Unsendable,
    check,
    orphan_action,
)

GENERATED = FrozenCase("example", "generated", {"method": "GET", "path": "/new"})
FROZEN = FrozenCase("example", "stored", {"method": "GET", "path": "/old"})


@dataclasses.dataclass
class ScriptedTarget:
    """A target whose passes answer from ``answers`` (one list of statuses per pass)."""

    path: Path
    answers: list[list[int]]
    fingerprint: str = "f1"
    failures: list[CheckFailure] = dataclasses.field(default_factory=list)
    carried: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    unsendable_on: int | None = None
    label: str = "GET /things"
    selector: str = "GET /things"
    accept: str = "pytest --snapshot-update --contractsnap-op 'GET /things'"
    planned: int = 0
    revised: int = 0
    sent: list[Sequence[FrozenCase]] = dataclasses.field(default_factory=list)

    @property
    def shown(self) -> str:
        return f"snapshots/{self.path.name}"

    def check_readable(self) -> None:
        pass

    def read(self) -> Stored[FrozenCase, OperationDocument] | None:
        if not self.path.exists():
            return None
        document: OperationDocument = json.loads(self.path.read_text())
        cases = tuple(
            FrozenCase(c["source"], c["description"], c["request"]) for c in document["cases"]
        )
        fingerprint = document["operation"]["fingerprint"]
        return Stored(fingerprint, document["format"], document, cases)

    def check_stored(self, stored: Stored[FrozenCase, OperationDocument]) -> None:
        pass

    def stale(self, stored: Stored[FrozenCase, OperationDocument]) -> str:
        return f"stale: {stored.fingerprint} -> {self.fingerprint}"

    async def plan(self) -> Sequence[FrozenCase]:
        self.planned += 1
        return [GENERATED]

    async def revise(self, stored: Stored[FrozenCase, OperationDocument]) -> Sequence[FrozenCase]:
        self.revised += 1
        return [*stored.requests, GENERATED]

    async def send(self, requests: Sequence[FrozenCase], *, current: bool = True) -> Pass:
        number = len(self.sent)
        self.sent.append(requests)
        if self.unsendable_on == number:
            raise Unsendable("step 2 cannot be sent")
        statuses = self.answers[number]
        results = [
            CaseResult(case, {"status": status}, list(self.failures))
            for case, status in zip(requests, statuses, strict=True)
        ]
        return Pass(results, self.carried[number] if self.carried else {})

    def document(self, run: Pass) -> OperationDocument:
        return document_of(self.fingerprint, [r.stored() for r in run.results])

    def mismatch(
        self, stored: Stored[FrozenCase, OperationDocument], run: Pass, document: OperationDocument
    ) -> str:
        return "answered differently"

    def unsendable(self, exc: Unsendable, stored: Stored[FrozenCase, OperationDocument]) -> str:
        return f"replay broke: {exc}"

    def unsendable_hint(self) -> str:
        return "; check the links"


class Files:
    """The snapshot file, as syrupy's assertion would compare and write it."""

    def __init__(self, path: Path, *, update: bool) -> None:
        self.path, self.update = path, update
        self.compared: list[Document] = []

    def __call__(self, document: Document) -> bool:
        self.compared.append(document)
        if self.update:
            self.path.write_text(dumps(document))
            return True
        return self.path.read_text() == dumps(document)


def document_of(fingerprint: str, cases: list[Case]) -> OperationDocument:
    operation: OperationInfo = {
        "fingerprint": fingerprint,
        "method": "GET",
        "operationId": None,
        "path": "/things",
    }
    return {"format": FORMAT, "operation": operation, "cases": cases}


def stored_file(path: Path, *, status: int = 200, fingerprint: str = "f1") -> None:
    case = CaseResult(FROZEN, {"status": status}, []).stored()
    path.write_text(dumps(document_of(fingerprint, [case])))


def run(
    target: ScriptedTarget,
    *,
    update: bool = False,
    regenerate: bool = False,
    ci: bool = False,
    workers: int = 1,
) -> tuple[Pass, Findings, Files]:
    findings = Findings()
    files = Files(target.path, update=update)
    options = Options(update=update, regenerate=regenerate, ci=ci, workers=workers)

    async def main() -> Pass:
        return await check(
            target, options=options, assert_snapshot=files, redact=(), findings=findings
        )

    return anyio.run(main), findings, files


def pending(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


class TestGate:
    """A plain run replays and compares; it never writes a snapshot."""

    def test_no_file_is_a_missing_snapshot(self, tmp_path: Path) -> None:
        """Without a file, the gate fails with the record command and sends nothing."""
        target = ScriptedTarget(tmp_path / "t.json", answers=[])
        with pytest.raises(MissingSnapshot) as info:
            run(target)
        assert str(info.value) == (
            "GET /things: no snapshot file snapshots/t.json; record it with:\n  " + target.accept
        )
        assert target.sent == []

    def test_another_fingerprint_is_stale(self, tmp_path: Path) -> None:
        """A file recorded for another request schema is stale; nothing is sent."""
        stored_file(tmp_path / "t.json", fingerprint="f0")
        target = ScriptedTarget(tmp_path / "t.json", answers=[])
        with pytest.raises(StaleCases, match="stale: f0 -> f1"):
            run(target)
        assert target.sent == []

    def test_same_answers_pass_and_remove_a_pending_file(self, tmp_path: Path) -> None:
        """The stored requests are replayed once; a match removes a leftover pending file."""
        path = tmp_path / "t.json"
        stored_file(path)
        pending(path).write_text("{}")
        target = ScriptedTarget(path, answers=[[200]])
        run(target)
        assert target.sent == [(FROZEN,)]
        assert target.planned == 0
        assert not pending(path).exists()

    def test_ci_keeps_a_pending_file(self, tmp_path: Path) -> None:
        """In CI nothing beside the snapshots is written or removed (a stray pending file
        fails the run at its end)."""
        path = tmp_path / "t.json"
        stored_file(path)
        pending(path).write_text("{}")
        run(ScriptedTarget(path, answers=[[200]]), ci=True)
        assert pending(path).read_text() == "{}"

    def test_a_difference_fails_and_writes_the_pending_result(self, tmp_path: Path) -> None:
        """Outside CI the new result is written beside the file, and the message says so."""
        path = tmp_path / "t.json"
        stored_file(path)
        before = path.read_text()
        with pytest.raises(SnapshotMismatch) as info:
            run(ScriptedTarget(path, answers=[[500]]))
        assert str(info.value).startswith("answered differently\nThe new result is in ")
        assert json.loads(pending(path).read_text())["cases"][0]["response"] == {"status": 500}
        assert path.read_text() == before

    def test_a_difference_in_ci_writes_nothing(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        with pytest.raises(SnapshotMismatch) as info:
            run(ScriptedTarget(path, answers=[[500]]), ci=True)
        assert str(info.value) == "answered differently"
        assert not pending(path).exists()

    def test_an_older_format_is_compared_as_upgraded(self, tmp_path: Path) -> None:
        """A file in an older format replays as is (syrupy would compare its text) and the
        run notes that the next update rewrites it."""
        path = tmp_path / "t.json"
        stored_file(path)
        document = json.loads(path.read_text())
        path.write_text(json.dumps({**document, "format": "contractsnap/0"}))
        target = ScriptedTarget(path, answers=[[200]])
        target.read = lambda: Stored("f1", "contractsnap/0", document, (FROZEN,))  # type: ignore[method-assign]
        _, findings, files = run(target)
        assert files.compared == []
        assert findings.notes == [
            "snapshot files in an older format (contractsnap/0) replay as they are; the next "
            f"`pytest --snapshot-update` rewrites them in {FORMAT}"
        ]

    def test_a_request_that_cannot_be_sent_is_a_mismatch(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        with pytest.raises(SnapshotMismatch, match=r"^replay broke: step 2 cannot be sent$"):
            run(ScriptedTarget(path, answers=[], unsendable_on=0))


class TestRecord:
    """``--snapshot-update`` sends twice and writes only answers that agree."""

    def test_no_file_plans_new_requests(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        target = ScriptedTarget(path, answers=[[201], [201]])
        run(target, update=True)
        assert target.planned == 1
        assert target.sent == [[GENERATED], [GENERATED]]
        assert json.loads(path.read_text())["cases"][0]["request"] == GENERATED.request

    def test_an_up_to_date_file_keeps_its_requests(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        target = ScriptedTarget(path, answers=[[404], [404]])
        run(target, update=True)
        assert target.planned == 0
        assert target.sent == [(FROZEN,), (FROZEN,)]
        assert json.loads(path.read_text())["cases"][0]["response"] == {"status": 404}

    def test_regenerate_plans_again(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path, fingerprint="f1")
        target = ScriptedTarget(path, answers=[[200], [200]])
        run(target, update=True, regenerate=True)
        assert (target.planned, target.revised) == (1, 0)
        assert target.sent == [[GENERATED], [GENERATED]]

    def test_a_stale_file_is_revised_not_replanned(self, tmp_path: Path) -> None:
        """The stored requests that still fit stay; the target adds what is new."""
        path = tmp_path / "t.json"
        stored_file(path, fingerprint="f0")
        target = ScriptedTarget(path, answers=[[200, 201], [200, 201]])
        run(target, update=True)
        assert (target.planned, target.revised) == (0, 1)
        assert target.sent == [[FROZEN, GENERATED], [FROZEN, GENERATED]]
        stored = json.loads(path.read_text())
        assert [c["request"]["path"] for c in stored["cases"]] == ["/old", "/new"]

    def test_update_removes_the_pending_file(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        pending(path).write_text("{}")
        run(ScriptedTarget(path, answers=[[200], [200]]), update=True)
        assert not pending(path).exists()

    def test_answers_that_differ_are_refused(self, tmp_path: Path) -> None:
        """Two sends that disagree write nothing."""
        path = tmp_path / "t.json"
        with pytest.raises(FlakyResponse, match="responses differ between two sends"):
            run(ScriptedTarget(path, answers=[[200], [500]]), update=True)
        assert not path.exists()

    def test_carried_values_that_differ_are_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        target = ScriptedTarget(
            path, answers=[[200], [200]], carried=[{"<carried:1>": 1}, {"<carried:1>": 2}]
        )
        with pytest.raises(FlakyResponse, match="carried values"):
            run(target, update=True)
        assert not path.exists()

    def test_a_request_that_cannot_be_sent_is_a_violation(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        with pytest.raises(ContractViolation) as info:
            run(ScriptedTarget(path, answers=[], unsendable_on=0), update=True)
        assert str(info.value) == (
            "step 2 cannot be sent; snapshots/t.json was not written; check the links"
        )
        assert not path.exists()

    def test_an_older_format_is_rewritten(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        target = ScriptedTarget(path, answers=[[200], [200]])
        old = target.read()
        assert old is not None
        target.read = lambda: dataclasses.replace(old, version="contractsnap/0")  # type: ignore[method-assign]
        _, findings, _ = run(target, update=True)
        assert findings.notes == [
            f"rewrote snapshots/t.json from format contractsnap/0 in {FORMAT}"
        ]


class TestContract:
    """Contract checks run on the answers of every check, recorded or replayed."""

    FAILURES = (
        CheckFailure("E", "Response violates schema", "id is required", error=True),
        CheckFailure("W", "Undocumented status", "418", error=False),
    )

    def test_violations_fail_after_the_file_is_written(self, tmp_path: Path) -> None:
        """The snapshot is up to date; the violation is reported on its own."""
        path = tmp_path / "t.json"
        target = ScriptedTarget(path, answers=[[500], [500]], failures=[*self.FAILURES])
        findings = Findings()
        with pytest.raises(ContractViolation, match="break the API contract"):
            anyio.run(
                lambda: check(
                    target,
                    options=Options(update=True),
                    assert_snapshot=Files(path, update=True),
                    redact=(),
                    findings=findings,
                )
            )
        assert path.exists()
        assert findings.violations == [self.FAILURES[0]]
        assert findings.warnings == [self.FAILURES[1]]

    def test_warnings_alone_pass(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        target = ScriptedTarget(path, answers=[[200]], failures=[self.FAILURES[1]])
        _, findings, _ = run(target)
        assert findings.violations == []
        assert findings.warnings == [self.FAILURES[1]]


class TestUnderPytestXdist:
    """Each worker runs its own copy of the app: a changed answer or a server error may be
    another worker's writes to a database they share. The message says so, with the
    command that runs the target alone; what one answer breaks by itself does not."""

    ALONE = "`pytest -n 0 --contractsnap-op 'GET /things'` shows whether it fails alone."
    SERVER_ERROR = CheckFailure("ST101", "Server error", "", True, server=True)
    VIOLATION = CheckFailure("E", "Response violates schema", "id is required", error=True)

    def test_a_changed_answer(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        with pytest.raises(SnapshotMismatch) as info:
            run(ScriptedTarget(path, answers=[[404]]), workers=2)
        assert str(info.value).startswith("answered differently\nThe new result is in ")
        assert str(info.value).endswith(self.ALONE)
        assert "\n\nUnder -n 2 each pytest-xdist worker runs its own copy" in str(info.value)

    def test_a_server_error(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path, status=500)
        target = ScriptedTarget(path, answers=[[500]], failures=[self.SERVER_ERROR])
        with pytest.raises(ContractViolation) as info:
            run(target, workers=2)
        assert "a server error to fix" in str(info.value)
        assert str(info.value).endswith(self.ALONE)

    def test_not_a_schema_violation_of_the_answers_recorded(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        target = ScriptedTarget(path, answers=[[200], [200]], failures=[self.VIOLATION])
        with pytest.raises(ContractViolation) as info:
            run(target, update=True, workers=2)
        assert "break the API contract" in str(info.value)
        assert "pytest-xdist" not in str(info.value)

    def test_answers_that_differ_between_a_recordings_two_sends(self, tmp_path: Path) -> None:
        """Another worker may have written between them: the command records alone."""
        path = tmp_path / "t.json"
        with pytest.raises(FlakyResponse) as info:
            run(ScriptedTarget(path, answers=[[200], [500]]), update=True, workers=2)
        assert "responses differ between two sends" in str(info.value)
        assert str(info.value).endswith(
            "`pytest -n 0 --snapshot-update --contractsnap-op 'GET /things'` shows whether it "
            "fails alone."
        )

    def test_not_a_serial_run(self, tmp_path: Path) -> None:
        path = tmp_path / "t.json"
        stored_file(path)
        with pytest.raises(SnapshotMismatch) as info:
            run(ScriptedTarget(path, answers=[[404]]))
        assert "pytest-xdist" not in str(info.value)


class TestOrphans:
    """Orphaned files are settled only by a complete run of the shard that owns them."""

    @pytest.mark.parametrize(
        ("update", "complete", "owns", "action"),
        [
            (False, True, True, OrphanAction.FLAG),
            (True, True, True, OrphanAction.DELETE),
            (False, False, True, OrphanAction.KEEP),
            (True, False, True, OrphanAction.KEEP),
            (False, True, False, OrphanAction.KEEP),
            (True, True, False, OrphanAction.KEEP),
        ],
    )
    def test_table(self, update: bool, complete: bool, owns: bool, action: OrphanAction) -> None:
        assert orphan_action(update=update, complete=complete, owns_orphans=owns) is action
