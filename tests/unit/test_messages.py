"""What a failing gate prints: short, whatever the response size, server errors first."""

from __future__ import annotations

from collections.abc import Sequence

from contractsnap._canonical import JSON
from contractsnap._cases import FrozenCase
from contractsnap._checks import CheckFailure
from contractsnap._documents import OperationDocument, Response
from contractsnap._exchange import CaseResult
from contractsnap._messages import (
    PLAIN,
    Style,
    case_mismatch,
    contract,
    flaky,
    other_workers_tail,
)

LABEL, NAME, ACCEPT = "GET /items", "snapshots/GET_items.json", "pytest --snapshot-update ..."
SERVER_ERROR = CheckFailure("ST101", "Server error", "", True, server=True)


def _case(number: int) -> FrozenCase:
    return FrozenCase("coverage", f"case {number}", {"method": "GET", "path": f"/items/{number}"})


def _big(number: int, name: str) -> Response:
    """A response of 200 rows: only one field of one row depends on ``name``."""
    rows: list[JSON] = [
        {"id": i, "name": name if i == 7 else f"row {i}", "n": number} for i in range(200)
    ]
    return {"status": 200, "body": {"rows": rows}}


def _document(responses: Sequence[Response]) -> OperationDocument:
    return {
        "format": "contractsnap/1",
        "operation": {"fingerprint": "f", "method": "GET", "operationId": None, "path": "/items"},
        "cases": [
            {**_case(i).to_json(), "response": r, "state": {}, "violations": []}
            for i, r in enumerate(responses, 1)
        ],
    }


def _mismatch(
    old: Sequence[Response], new: Sequence[CaseResult], style: Style = PLAIN
) -> list[str]:
    document = _document([r.response for r in new])
    return case_mismatch(LABEL, NAME, ACCEPT, _document(old), document, new, style).splitlines()


def test_a_one_field_change_in_many_big_responses_prints_a_few_lines() -> None:
    old = [_big(i, "lamp") for i in range(1, 41)]
    new = [CaseResult(_case(i), _big(i, "LAMP"), []) for i in range(1, 41)]
    lines = _mismatch(old, new)
    assert len(lines) <= 15
    assert lines[0] == f"{LABEL}: 40 of 40 cases answered differently from {NAME} " + (
        "(- snapshot, + received)"
    )
    assert '  -        "name": "lamp"' in lines
    assert '  +        "name": "LAMP"' in lines
    assert (
        "39 more cases changed the same fields (2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 29 more); "
        "`pytest -v` shows every diff"
    ) in lines
    assert lines[-1] == f"Accept it, if intended: {ACCEPT}"


def test_a_long_diff_is_cut_and_says_how_much_is_left() -> None:
    old = [_big(1, "lamp")]
    new = [CaseResult(_case(1), {"status": 200, "body": {"rows": []}}, [])]
    lines = _mismatch(old, new)
    assert any(line.startswith("  ... ") and line.endswith(" more lines") for line in lines)
    assert len(lines) <= 20


def test_verbose_shows_every_case_whole() -> None:
    old = [_big(i, "lamp") for i in range(1, 4)]
    new = [CaseResult(_case(i), _big(i, "LAMP"), []) for i in range(1, 4)]
    lines = _mismatch(old, new, Style(verbose=True))
    titles = [line.split(" [")[0] for line in lines if line.startswith("case ")]
    assert titles == ["case 1/3", "case 2/3", "case 3/3"]
    assert not any("more lines" in line or "more case" in line for line in lines)


def test_cases_that_changed_other_fields_are_told_apart() -> None:
    old: list[Response] = [_big(1, "lamp"), _big(2, "lamp"), {"status": 200}]
    new = [
        CaseResult(_case(1), _big(1, "LAMP"), []),
        CaseResult(_case(2), _big(2, "LAMP"), []),
        CaseResult(_case(3), {"status": 404}, []),
    ]
    assert (
        "1 more case changed the same fields (2); 1 more case changed other fields (3); "
        "`pytest -v` shows every diff"
    ) in _mismatch(old, new)


def test_a_changed_status_is_said_before_a_diff_that_is_cut() -> None:
    old = [_big(1, "lamp")]
    new = [CaseResult(_case(1), {**_big(1, "lamp"), "status": 201, "body": {"rows": []}}, [])]
    lines = _mismatch(old, new)
    assert lines[3:5] == ["  GET /items/1", "  status: 200 then 201"]
    assert any(line.endswith(" more lines") for line in lines)  # the status line is cut
    assert not any(line.strip().startswith('+  "status"') for line in lines)


def test_the_request_line_shows_the_path_as_requested() -> None:
    new = [CaseResult(_case(1), {"status": 201}, [])]
    lines = _mismatch([{"status": 200}], new, Style(base_path="/api/v1"))
    assert "  GET /api/v1/items/1" in lines


def test_a_server_error_is_not_a_change_to_accept() -> None:
    """The failed case is no diff (alone, there is no diff at all); the contract message
    shows it, with the traceback, before anything else."""
    traceback = "Traceback (most recent call last):\n" + "".join(
        f'  File "app.py", line {n}, in f{n}\n    f{n + 1}()\n' for n in range(30)
    )
    failed = CaseResult(
        _case(1), {"status": 500}, [SERVER_ERROR], error=traceback + "KeyError: 'x'"
    )
    assert _mismatch([{"status": 200}], [failed]) == []
    changed = CaseResult(_case(2), {"status": 201}, [])
    lines = _mismatch([{"status": 200}, {"status": 200}], [failed, changed])
    assert lines[0] == (
        f"{LABEL}: 1 of 2 cases answered differently from {NAME} (- snapshot, + received), "
        "and 1 failed with a server error"
    )
    assert [line for line in lines if line.startswith("case ")] == [
        "case 2/2 [" + changed.case.id + "] coverage: case 2"
    ]
    found = contract(LABEL, [failed]).message(diff="the diff")
    assert found is not None
    shown = found.splitlines()
    assert shown[0] == (
        f"{LABEL}: the app failed on 1 of 1 case (answered 500): a server error to fix, "
        "not a change to accept"
    )
    assert shown[3:6] == ["  GET /items/1", "  -> 500", "  Traceback (most recent call last):"]
    assert shown[6].startswith("    ... ")  # the middle is cut
    assert shown[6].endswith(" lines")
    assert shown[-7:] == [
        "  KeyError: 'x'",
        "",
        "A known bug you cannot fix yet: record the error as the answer by leaving "
        "`not_a_server_error` out of this operation's checks:",
        f'  [tool.contractsnap.operations."{LABEL}"]',
        '  checks = ["response_schema_conformance", "content_type_conformance"]',
        "",
        "the diff",
    ]
    assert len(shown) < 30


def test_contract_violations_are_shown_for_a_few_cases_then_counted() -> None:
    broken = CheckFailure("ST104", "Response violates schema", "'id' is required", True)
    results = [CaseResult(_case(i), {"status": 200}, [broken]) for i in range(1, 11)]
    found = contract(LABEL, results)
    message = found.message()
    assert message is not None
    assert message.count("[error] ST104") == 3
    assert "7 more cases broke it too; `pytest -v` shows each" in message
    assert len(found.violations) == 10


def test_a_flaky_recording_shows_a_few_cases_and_differences() -> None:
    first = [CaseResult(_case(i), _big(i, "a"), []) for i in range(1, 11)]
    second = [
        CaseResult(_case(i), {"status": 200, "body": {"rows": [{"n": -1}] * 200}}, [])
        for i in range(1, 11)
    ]
    message = flaky(LABEL, NAME, first, second, [])
    assert message is not None
    lines = message.splitlines()
    assert lines[0].startswith(f"{LABEL}: responses differ between two sends")
    assert sum(line.startswith("case ") for line in lines) == 3
    assert "7 more cases differed too; `pytest -v` shows each" in lines
    assert "  ... 595 more differences" in lines  # 200 rows x 3 fields, 5 shown
    assert len(lines) < 40
    every = flaky(LABEL, NAME, first, second, [], Style(verbose=True))
    assert every is not None
    assert sum(line.startswith("case ") for line in every.splitlines()) == 10


class TestKeptStateBesideVolatileValues:
    """A new row's id grows between the two sends while other values are volatile: `setup`
    is the fix for the id, `redact` for the others, and no rule hides the id."""

    @staticmethod
    def _flaky(first: Response, second: Response) -> list[str]:
        message = flaky(
            LABEL,
            NAME,
            [CaseResult(_case(1), first, [])],
            [CaseResult(_case(1), second, [])],
            ["timestamp"],
        )
        assert message is not None
        return message.splitlines()

    def test_the_setup_for_the_growing_values_and_a_redact_line_for_the_others(self) -> None:
        lines = self._flaky(
            {"status": 201, "body": {"id": 3, "token": "0b6b2b1c-4bd6-4c0e-9d0a-7a8b9c0d1e2f"}},
            {"status": 201, "body": {"id": 4, "token": "8f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f"}},
        )
        fix = lines.index("Redact the other, volatile values in pyproject.toml, then record again:")
        assert lines[fix - 4].startswith("Some values only grow ($.id): the app keeps")
        assert lines[fix - 2].startswith('  setup = "myapp.testing:reset"')
        assert lines[fix:] == [
            "Redact the other, volatile values in pyproject.toml, then record again:",
            "  [tool.contractsnap]",
            '  redact = ["timestamp", "uuid"]',
        ]

    def test_other_values_no_rule_hides_are_said(self) -> None:
        lines = self._flaky(
            {"status": 201, "headers": {"x-served-by": "a"}, "body": {"id": 3}},
            {"status": 201, "headers": {"x-served-by": "b"}, "body": {"id": 4}},
        )
        assert any(line.startswith("Some values only grow ($.id)") for line in lines)
        assert lines[-1] == (
            "No `redact` rule can hide the other differences: make the response deterministic "
            "or leave the operation out with `exclude`."
        )
        assert not any("redact = [" in line for line in lines)

    def test_a_status_that_changed_gets_the_setup_and_no_redact_line(self) -> None:
        """201 then 400 (already registered): the body differs because the status did."""
        lines = self._flaky(
            {"status": 201, "body": {"id": 3, "username": "ann"}},
            {"status": 400, "body": {"detail": "Username already registered"}},
        )
        assert any(
            line.startswith(
                "The status changed between the two sends (201 then 400), as when the app "
                "keeps what the first pass wrote"
            )
            for line in lines
        )
        assert lines[-1].startswith('  setup = "myapp.testing:reset"')
        assert not any("redact = [" in line for line in lines)


class TestUnderPytestXdist:
    """With more than one worker, a changed answer or a server error may be another
    worker's copy of the app writing to the same database: said, with how to tell
    (``_verdict.check`` decides when)."""

    def test_the_command_runs_the_target_alone(self) -> None:
        assert other_workers_tail("scenario:POST /heroes/ (inferred)", 2) == (
            "\n\nUnder -n 2 each pytest-xdist worker runs its own copy of the app: if the "
            "copies share a database file or server, one worker's writes and `setup` reach "
            'the other\'s tests. Give each worker a database of its own ("Resetting state" in '
            "the README). `pytest -n 0 --contractsnap-op 'scenario:POST /heroes/ (inferred)'` "
            "shows whether it fails alone."
        )

    def test_one_worker_says_nothing(self) -> None:
        assert other_workers_tail("GET /items", 1) == ""
