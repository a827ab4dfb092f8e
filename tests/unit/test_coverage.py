"""Unit tests for ``_coverage``: documented statuses against recorded ones."""

from __future__ import annotations

from typing import Any

import pytest

from contractsnap._coverage import (
    OperationCoverage,
    documented,
    headline,
    measure,
    reach,
    reach_lines,
    reached,
    table,
    totals,
)

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/books": {
            "get": {"responses": {"200": {}, "422": {}}},
            "post": {"responses": {"201": {}, "4XX": {}, "default": {}}},
        },
        "/books/{id}": {"$ref": "#/components/pathItems/Book"},
        "/health": {"get": {"responses": {"$ref": "#/components/x~1y"}}, "summary": "x"},
    },
    "components": {
        "pathItems": {"Book": {"delete": {"responses": {"204": {}, "404": {}}}}},
        "x/y": {"200": {}},
    },
}


def _snapshot(method: str, path: str, *statuses: int) -> dict[str, Any]:
    return {
        "operation": {"method": method, "path": path},
        "cases": [{"response": {"status": s}} for s in statuses],
    }


class TestDocumented:
    def test_statuses_of_every_operation(self) -> None:
        """Path items and responses behind local $refs are followed; other keys skipped."""
        assert documented(DOCUMENT) == {
            "GET /books": ("200", "422"),
            "POST /books": ("201", "4XX", "default"),
            "DELETE /books/{id}": ("204", "404"),
            "GET /health": ("200",),
        }

    def test_broken_documents_give_what_can_be_read(self) -> None:
        """A dangling or cyclic $ref, or a non-object, never raises."""
        broken = {
            "paths": {
                "/a": {"$ref": "#/nowhere"},
                "/b": {"$ref": "#/components/loop"},
                "/c": "text",
                "/d": {"get": {"responses": ["200"]}},
            },
            "components": {"loop": {"$ref": "#/components/loop"}},
        }
        assert documented(broken) == {"GET /d": ()}
        assert documented({"paths": []}) == {}


class TestMeasure:
    def test_reached_and_missing(self) -> None:
        """A range is reached by any status in it; default is never missing."""
        coverage = {
            c.label: c
            for c in measure(
                DOCUMENT,
                reached(
                    [
                        _snapshot("GET", "/books", 200, 200),
                        _snapshot("POST", "/books", 201, 409),
                        {"not": "ours"},
                    ]
                ),
            )
        }
        assert coverage["GET /books"].missing == ("422",)
        assert coverage["POST /books"].reached == (201, 409)
        assert coverage["POST /books"].missing == ()
        assert not coverage["DELETE /books/{id}"].recorded
        assert coverage["DELETE /books/{id}"].missing == ("204", "404")

    def test_totals_and_headline(self) -> None:
        """Totals count operations with snapshots and documented statuses reached."""
        coverage = measure(DOCUMENT, {"GET /books": [422, 200, 200]})
        assert totals(coverage) == {
            "operations": 4,
            "recorded": 1,
            "documented_statuses": 7,
            "reached_statuses": 2,
            "succeeded": 1,
        }
        assert headline(coverage) == (
            "1 of 4 operations have snapshots; 2 of 7 documented statuses reached"
        )

    def test_selected_operations_only(self) -> None:
        """Excluded operations are left out when the selection is given."""
        labels = [c.label for c in measure(DOCUMENT, {}, selected=["GET /health"])]
        assert labels == ["GET /health"]

    def test_reached_ignores_malformed_cases(self) -> None:
        """Statuses that are not integers, and cases that are not objects, are skipped."""
        snapshot = {
            "operation": {"method": "GET", "path": "/a"},
            "cases": ["x", {"response": {"status": "200"}}, {"response": {"status": 204}}],
        }
        assert reached([snapshot]) == {"GET /a": (204,)}


class TestTable:
    def test_text_table_is_aligned(self) -> None:
        """One row per operation, columns padded to the widest cell."""
        lines = table(measure(DOCUMENT, {"GET /books": [200]}))
        assert lines[0].split() == ["operation", "snapshot", "2xx", "reached", "not", "reached"]
        assert lines[1].split() == ["GET", "/books", "yes", "yes", "200", "422"]
        assert lines[3].split() == ["DELETE", "/books/{id}", "no", "no", "-", "204", "404"]
        assert all(line[lines[0].index("snapshot") - 1] == " " for line in lines)

    def test_markdown_table(self) -> None:
        """The report's table quotes operation labels as code."""
        lines = table(measure(DOCUMENT, {}), markdown=True)
        assert lines[:2] == [
            "| operation | snapshot | 2xx | reached | not reached |",
            "|---|---|---|---|---|",
        ]
        assert lines[2] == "| `GET /books` | no | no | - | 200 422 |"


class TestReach:
    """An operation reaches when a case or a scenario step got a 2xx."""

    def test_scenario_steps_count_for_their_operation(self) -> None:
        scenario = {
            "scenario": {"name": "s"},
            "steps": [
                {"operation": "POST /a", "response": {"status": 201}},
                {"operation": "GET /a/{id}", "response": {"status": 200}},
            ],
        }
        own = {
            "operation": {"method": "GET", "path": "/a/{id}"},
            "cases": [{"response": {"status": 404}}],
        }
        assert reached([own, scenario]) == {"GET /a/{id}": (200, 404), "POST /a": (201,)}

    @pytest.mark.parametrize(
        ("statuses", "why"),
        [
            ((404,), "only 404s: no producer found"),
            ((404, 422), "404s and refused input: no producer found"),
            ((401, 403), "only 401/403"),
            ((422,), "only refused input"),
            ((500, 404), "server errors"),
            ((302,), "no 2xx: 302"),
        ],
    )
    def test_why_an_operation_has_no_2xx(self, statuses: tuple[int, ...], why: str) -> None:
        item = OperationCoverage("GET /a", ("200",), statuses, recorded=True)
        assert not item.succeeded
        assert item.why_not.startswith(why)

    def test_a_path_parameter_is_named_in_the_known_value_line(self) -> None:
        item = OperationCoverage("GET /shelves/{slug}", ("200",), (404,), recorded=True)
        assert '`[tool.contractsnap.parameters] slug = "..."`' in item.why_not

    def test_an_operation_a_scenario_sends_is_not_said_to_have_no_producer(self) -> None:
        item = OperationCoverage("GET /a/{id}", ("200",), (404,), recorded=True, stepped=True)
        assert item.why_not.startswith("only 404s, in its scenario steps too")
        assert "no producer" not in item.why_not

    def test_an_operation_no_scenario_got_to_this_run_says_so(self) -> None:
        item = OperationCoverage(
            "GET /a/{id}", ("200",), (404,), recorded=True, stepped=True, unsent=True
        )
        assert item.why_not.startswith("only 404s: no scenario got to its step in this run")
        assert "carried" not in item.why_not

    def test_a_run_sends_steps_to_the_operations_its_scenarios_reached(self) -> None:
        document: dict[str, object] = {
            "paths": {f"/{n}": {"get": {"responses": {"200": {}}}} for n in "ab"}
        }
        items = measure(
            document,
            {"GET /a": [404], "GET /b": [404]},
            steps=["GET /a", "GET /b"],
            sent=["GET /a"],
        )
        assert [(i.label, i.unsent) for i in items] == [("GET /a", False), ("GET /b", True)]
        from_files = measure(document, {"GET /a": [404]}, steps=["GET /a"])
        assert not from_files[0].unsent

    def test_reach_lines(self) -> None:
        items = [
            OperationCoverage("GET /a", ("200",), (200,), recorded=True),
            OperationCoverage("GET /b", ("200",), (404,), recorded=True),
        ]
        assert reach(items) == 50
        lines = reach_lines(items)
        assert lines[0] == "reach: 1 of 2 operations answered 2xx (50%); without one:"
        assert lines[1].startswith("  GET /b: only 404s")

    def test_operations_that_share_a_reason_share_its_line(self) -> None:
        refused = [
            OperationCoverage(label, ("200",), (400,), recorded=True)
            for label in ("GET /a", "GET /b", "POST /c")
        ]
        lines = reach_lines([*refused, OperationCoverage("GET /d", ("200",), (), recorded=False)])
        assert lines[1:] == [
            f"  GET /a, GET /b, POST /c: {refused[0].why_not}",
            "  GET /d: not recorded",
        ]
