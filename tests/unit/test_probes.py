"""Unit tests for ``_probes``: observing state and the difference stored in snapshots."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import Any

import anyio
import pytest

from contractsnap._documents import JSONObject
from contractsnap._errors import ProbeError
from contractsnap._probes import change, changes, observe


class Colour(enum.Enum):
    RED = "red"


def _observe(probes: dict[str, Any], app: Any = None) -> dict[str, Any]:
    async def main() -> dict[str, Any]:
        return await observe(probes, app, "GET /x, case 1")

    return anyio.run(main)


class TestObserve:
    def test_sync_and_async_probes_get_the_app(self) -> None:
        """Both kinds are called with the app; the result is keyed by probe name."""

        async def rows(app: Any) -> Any:
            return app["rows"]

        state = _observe({"rows": rows, "count": lambda app: len(app["rows"])}, {"rows": [1, 2]})
        assert state == {"count": 2, "rows": [1, 2]}
        assert list(state) == ["count", "rows"]

    def test_database_values_become_json(self) -> None:
        """Dates, UUIDs, decimals, enums, bytes, tuples and sets are stored as plain JSON."""
        value = {
            "at": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            "day": datetime.date(2024, 1, 2),
            "id": uuid.UUID(int=1),
            "price": decimal.Decimal("9.99"),
            "colour": Colour.RED,
            "blob": b"\x00\xff",
            "row": (1, "a"),
            "tags": {"b", "a"},
        }
        assert _observe({"p": lambda _app: value})["p"] == {
            "at": "2024-01-02T03:04:05+00:00",
            "day": "2024-01-02",
            "id": "00000000-0000-0000-0000-000000000001",
            "price": "9.99",
            "colour": "red",
            "blob": {"$base64": "AP8="},
            "row": [1, "a"],
            "tags": ["a", "b"],
        }

    def test_a_raising_probe_is_named(self) -> None:
        """The error names the probe, the exception and where it ran."""

        def broken(_app: Any) -> Any:
            raise KeyError("books")

        with pytest.raises(ProbeError, match=r"probe 'broken' raised KeyError: 'books' \(GET /x"):
            _observe({"broken": broken})

    @pytest.mark.parametrize("bad", [object(), float("nan"), {1: {"x": object()}}])
    def test_state_that_is_not_json_is_refused(self, bad: Any) -> None:
        """Unknown objects and NaN cannot be stored: the message says what may be returned."""
        with pytest.raises(ProbeError, match=r"probe 'p' returned state that is not JSON-able"):
            _observe({"p": lambda _app: bad})


class TestChange:
    def test_equal_states_have_no_change(self) -> None:
        """Nothing is stored for state a case did not touch."""
        assert change({"a": [1, 2]}, {"a": [1, 2]}) is None
        assert changes({"books": [1]}, {"books": [1]}) == {}

    def test_types_count(self) -> None:
        """1, 1.0 and true are different values in JSON."""
        assert change(1, 1.0) == {"before": 1, "after": 1.0}
        assert change({"a": 1}, {"a": True}) == {"changed": {"a": {"before": 1, "after": True}}}

    def test_rows_keyed_by_id(self) -> None:
        """Objects: added, removed and changed keys, recursively."""
        before: JSONObject = {
            "1": {"title": "Dune", "price": 9.99},
            "2": {"title": "Emma", "price": 5},
        }
        after: JSONObject = {
            "1": {"title": "Dune", "price": 12.0},
            "3": {"title": "Ulysses", "price": 8},
        }
        assert change(before, after) == {
            "added": {"3": {"title": "Ulysses", "price": 8}},
            "removed": {"2": {"title": "Emma", "price": 5}},
            "changed": {"1": {"changed": {"price": {"before": 9.99, "after": 12.0}}}},
        }

    def test_lists_are_multisets(self) -> None:
        """Lists: items added and removed, duplicates counted, order ignored."""
        assert change([{"id": 1}, {"id": 2}], [{"id": 2}, {"id": 1}]) is None
        assert change([1, 1, 2], [1, 2, 3]) == {"added": [3], "removed": [1]}
        assert change([{"id": 1, "t": "a"}], [{"id": 1, "t": "b"}]) == {
            "added": [{"id": 1, "t": "b"}],
            "removed": [{"id": 1, "t": "a"}],
        }

    def test_order_of_the_change_is_canonical(self) -> None:
        """The same change gives the same stored value whatever order the rows came in."""
        one = change([], [{"b": 1}, {"a": 2}])
        two = change([], [{"a": 2}, {"b": 1}])
        assert one == two == {"added": [{"a": 2}, {"b": 1}]}

    def test_a_probe_that_appears(self) -> None:
        """A probe with no earlier state shows its whole state as the change."""
        assert changes({}, {"p": [1]}) == {"p": {"before": None, "after": [1]}}


class TestNothingChanged:
    def test_a_reordering_inside_an_object_is_no_change(self) -> None:
        """Rows whose list columns come back in another order changed nothing."""
        assert change({"a": [1, 2]}, {"a": [2, 1]}) is None
        assert change({"x": {"a": [1, 2]}}, {"x": {"a": [2, 1]}}) is None
        assert changes({"p": {"rows": [1, 2]}}, {"p": {"rows": [2, 1]}}) == {}

    def test_a_probe_that_hangs_is_named(self) -> None:
        """A probe gets the operation's timeout, then fails with its name."""

        async def stuck(_app: Any) -> Any:
            await anyio.sleep(5)

        async def main() -> None:
            await observe({"stuck": stuck}, None, "POST /x, case 2", timeout=0.05)

        with pytest.raises(ProbeError, match=r"probe 'stuck' gave no state within 0\.05 s"):
            anyio.run(main)
