"""Pieces of the messages a contract test prints."""

from __future__ import annotations

from contractsnap._report import flaky_message


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
