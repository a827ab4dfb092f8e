"""Pieces of the messages a contract test prints."""

from __future__ import annotations

from contractsnap._checks import CheckFailure
from contractsnap._report import flaky_message, summary_lines


class TestFlakyMessage:
    def test_names_each_changed_place(self) -> None:
        message = flaky_message(
            "GET /things",
            "snapshots/GET_things.json",
            [("case 1/1", "GET /things", [(("headers", "etag"), "a", "b"), (("body", "n"), 1, 2)])],
            None,
        )
        assert '  header etag: "a" then "b"' in message.splitlines()
        assert "  $.n: 1 then 2" in message.splitlines()

    def test_headers_present_in_one_send_only(self) -> None:
        """A response whose kept headers all vanish differs in ``headers`` as a whole."""
        message = flaky_message(
            "DELETE /orders/{order_id}",
            "snapshots/DELETE_orders_{order_id}.json",
            [("case 2/9", "DELETE /orders/1", [(("headers",), {"location": "/x"}, None)])],
            None,
        )
        assert '  headers: {"location": "/x"} then null' in message.splitlines()


class TestSummary:
    def test_a_few_kinds_of_failure_per_operation_then_a_count(self) -> None:
        """Hundreds of distinct schema violations of one operation: three lines, then one."""
        failures = [
            CheckFailure("ST104", "Response violates schema", f"{n} is not of type 'array'", True)
            for n in range(40)
        ] * 2
        lines = summary_lines({}, {"GET /x": failures}, [])
        assert lines[0] == "contract violations: 80 failures in 1 operation"
        assert lines[1] == "  GET /x"
        assert lines[2:5] == [
            f"    [error] ST104 Response violates schema: {n} is not of type 'array' (2 cases)"
            for n in range(3)
        ]
        assert lines[5:] == ["    ... 37 more kinds (74 cases); -v lists them"]
        assert len(summary_lines({}, {"GET /x": failures}, [], verbose=True)) == 42
