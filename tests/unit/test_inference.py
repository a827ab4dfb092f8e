"""The policy that turns inferred links into scenarios: one producer per consumer, trees of
steps from a create that needs nothing, ordered by names only."""

from __future__ import annotations

import json
import random

import pytest

from contractsnap._inference import MEMO_KEY, InferredStep, Link, links, trees

from ..apps import crud, untyped


def link(producer: str, consumer: str, status: str = "201", **parameters: str) -> Link:
    return Link(producer, status, consumer, tuple(sorted(parameters.items())))


BODY_ID = "$response.body#/id"
AUTHORS = [
    link("POST /authors", "GET /authors/{author_id}", **{"path.author_id": BODY_ID}),
    link("POST /authors", "DELETE /authors/{author_id}", **{"path.author_id": BODY_ID}),
    link("POST /authors", "PUT /authors/{author_id}", **{"path.author_id": BODY_ID}),
    link("POST /authors", "POST /authors/{author_id}/books", **{"path.author_id": BODY_ID}),
    link(
        "POST /authors/{author_id}/books",
        "GET /authors/{author_id}/books/{book_id}",
        **{"path.book_id": BODY_ID},
    ),
    link(
        "GET /authors",
        "GET /authors/{author_id}",
        status="200",
        **{"path.author_id": "$response.body#/*/id"},
    ),
]


def labels(steps: tuple[InferredStep, ...]) -> list[str]:
    return [step.label for step in steps]


class TestTrees:
    def test_a_create_then_its_reads_updates_sub_resources_and_deletes_last(self) -> None:
        (tree,) = trees(AUTHORS)
        assert tree.producer == "POST /authors"
        assert labels(tree.steps) == [
            "POST /authors",
            "GET /authors/{author_id}",
            "PUT /authors/{author_id}",
            "POST /authors/{author_id}/books",
            "GET /authors/{author_id}/books/{book_id}",
            "DELETE /authors/{author_id}",
        ]

    def test_each_step_reads_the_step_that_created_what_it_needs(self) -> None:
        (tree,) = trees(AUTHORS)
        sources = {step.label: step.source for step in tree.steps}
        assert sources["GET /authors/{author_id}"] == 1
        assert sources["GET /authors/{author_id}/books/{book_id}"] == 4

    def test_the_producers_must_answer_the_status_their_links_are_declared_for(self) -> None:
        (tree,) = trees(AUTHORS)
        wanted = {step.label: step.status for step in tree.steps}
        assert wanted["POST /authors"] == 201
        assert wanted["POST /authors/{author_id}/books"] == 201
        assert wanted["GET /authors/{author_id}"] is None

    def test_a_path_parameter_the_producer_was_sent_is_carried_along(self) -> None:
        (tree,) = trees(AUTHORS)
        book = next(s for s in tree.steps if s.label.endswith("{book_id}"))
        assert dict(book.parameters) == {
            "path.author_id": "$request.path.author_id",
            "path.book_id": BODY_ID,
        }

    def test_a_create_is_preferred_to_a_list(self) -> None:
        only_list = [AUTHORS[-1]]
        (tree,) = trees(only_list)
        assert tree.producer == "GET /authors"
        assert tree.steps[0].status == 200
        assert "GET /authors" not in {t.producer for t in trees(AUTHORS)}

    def test_the_producer_under_whose_path_the_consumer_is_wins(self) -> None:
        found = [
            link("POST /shelves", "GET /books/{book_id}", **{"path.book_id": "$response.body#/x"}),
            link("POST /books", "GET /books/{book_id}", **{"path.book_id": BODY_ID}),
        ]
        assert [t.producer for t in trees(found)] == ["POST /books"]

    def test_a_link_that_leaves_a_path_parameter_without_a_value_is_not_used(self) -> None:
        found = [link("POST /a", "GET /a/{x}/b/{y}", **{"path.x": BODY_ID})]
        assert trees(found) == []

    def test_a_producer_no_link_reaches_starts_no_tree(self) -> None:
        found = [link("POST /a/{a_id}/b", "GET /a/{a_id}/b/{b_id}", **{"path.b_id": BODY_ID})]
        assert trees(found) == []

    def test_producers_in_a_circle_start_no_tree(self) -> None:
        found = [
            link("POST /a/{x}", "POST /b/{y}", **{"path.y": BODY_ID}),
            link("POST /b/{y}", "POST /a/{x}", **{"path.x": BODY_ID}),
        ]
        assert trees(found) == []

    def test_what_a_declared_link_or_scenario_reaches_is_left_to_it(self) -> None:
        (tree,) = trees(AUTHORS, declared={"GET /authors/{author_id}"})
        assert "GET /authors/{author_id}" not in labels(tree.steps)
        assert "PUT /authors/{author_id}" in labels(tree.steps)

    def test_the_order_links_come_in_does_not_matter(self) -> None:
        expected = trees(AUTHORS)
        for seed in range(5):
            shuffled = list(AUTHORS)
            random.Random(seed).shuffle(shuffled)
            assert trees(shuffled) == expected

    def test_an_unrelated_producer_leaves_a_tree_as_it_was(self) -> None:
        other = [link("POST /tags", "GET /tags/{tag_id}", **{"path.tag_id": BODY_ID})]
        before = trees(AUTHORS)
        after = trees([*AUTHORS, *other])
        assert [t for t in after if t.producer == "POST /authors"] == before


@pytest.fixture
def crud_document() -> dict[str, object]:
    document: dict[str, object] = json.loads(json.dumps(crud.app.openapi()))
    return document  # a copy the test may change


class TestLinks:
    def test_a_location_header_leads_to_the_operation_under_it(
        self, crud_document: dict[str, object]
    ) -> None:
        found = [x for x in links(crud_document) if x.producer == "POST /tags"]
        location = "$response.header.Location#regex:/tags/([^/?#]+)"
        assert [(x.consumer, dict(x.parameters)) for x in found] == [
            ("GET /tags/{tag_id}", {"path.tag_id": location})
        ]

    def test_the_order_of_the_document_does_not_matter(
        self, crud_document: dict[str, object]
    ) -> None:
        paths = crud_document["paths"]
        assert isinstance(paths, dict)
        reordered = {**crud_document, "paths": dict(reversed(list(paths.items())))}
        assert links(reordered) == links(crud_document)

    def test_declared_links_are_left_to_the_link_scenarios(
        self, crud_document: dict[str, object]
    ) -> None:
        document = json.loads(json.dumps(crud_document))
        create = document["paths"]["/authors"]["post"]["responses"]["201"]
        create["links"] = {"Broken": {"operationId": "no-such-operation"}}
        assert links(document) == links(crud_document)
        assert "links" in create  # the document given is not written into

    def test_a_producer_that_documents_no_body_gives_nothing(self) -> None:
        """Names alone (`items`, `item_id`) are no link: the list documents no body, so
        nothing says its answer holds an `item_id` (it does not)."""
        assert links(untyped.app.openapi()) == []

    def test_a_declared_property_along_the_pointer_is_kept(
        self, crud_document: dict[str, object]
    ) -> None:
        found = {(x.producer, x.consumer) for x in links(crud_document)}
        assert ("POST /authors", "GET /authors/{author_id}") in found
        schemas = crud_document["components"]["schemas"]  # type: ignore[index]
        del schemas["Author"]["properties"]["id"]
        found = {(x.producer, x.consumer) for x in links(crud_document)}
        assert ("POST /authors", "GET /authors/{author_id}") not in found

    def test_a_document_it_cannot_analyse_implies_no_link(self) -> None:
        assert links({"openapi": "3.1.0", "paths": {"/a": {"get": "not an operation"}}}) == []


class Memo:
    """What pytest's ``config.cache`` offers: JSON values by key."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def get(self, key: str, default: object) -> object:
        return json.loads(json.dumps(self.values[key])) if key in self.values else default

    def set(self, key: str, value: object) -> None:
        self.values[key] = json.loads(json.dumps(value))

    def entries(self) -> dict[str, object]:
        kept = self.values[MEMO_KEY]
        assert isinstance(kept, dict)
        return kept

    @classmethod
    def after(cls, document: dict[str, object]) -> tuple[Memo, str]:
        """A memo after one run of ``document``, and the digest it keeps the links under."""
        memo = cls()
        links(document, memo)
        (digest,) = memo.entries()
        return memo, digest


class TestMemo:
    """The analysis of a document is kept between runs (pytest's cache): the next run of
    the same document reads it instead of analysing again."""

    def test_the_same_links_with_or_without_a_memo(self, crud_document: dict[str, object]) -> None:
        memo = Memo()
        assert links(crud_document, memo) == links(crud_document)
        assert links(crud_document, memo) == links(crud_document)  # read from the memo

    def test_the_links_kept_for_the_same_document_are_read(
        self, crud_document: dict[str, object]
    ) -> None:
        memo, digest = Memo.after(crud_document)
        kept = ["POST /a", "201", "GET /a/{a_id}", [["path.a_id", BODY_ID]]]
        memo.set(MEMO_KEY, {digest: [kept]})  # as if the inference had found this one
        assert links(crud_document, memo) == [
            link("POST /a", "GET /a/{a_id}", **{"path.a_id": BODY_ID})
        ]

    def test_a_changed_document_is_analysed_again(self, crud_document: dict[str, object]) -> None:
        memo = Memo()
        links(crud_document, memo)
        schemas = crud_document["components"]["schemas"]  # type: ignore[index]
        del schemas["Author"]["properties"]["id"]
        assert links(crud_document, memo) == links(crud_document)
        assert len(memo.entries()) == 2

    def test_the_last_four_documents_are_kept(self, crud_document: dict[str, object]) -> None:
        memo = Memo()
        for version in range(6):
            links({**crud_document, "info": {"title": "crud", "version": str(version)}}, memo)
        assert len(memo.entries()) == 4
        links({**crud_document, "info": {"title": "crud", "version": "5"}}, memo)
        assert len(memo.entries()) == 4

    @pytest.mark.parametrize(
        "kept", [None, "text", {"digest": "links"}, [1, 2]], ids=["none", "text", "odd", "list"]
    )
    def test_an_entry_that_does_not_read_is_analysed_again(
        self, crud_document: dict[str, object], kept: object
    ) -> None:
        memo = Memo()
        memo.set(MEMO_KEY, kept)
        assert links(crud_document, memo) == links(crud_document)

    def test_a_broken_entry_for_the_document_is_analysed_again(
        self, crud_document: dict[str, object]
    ) -> None:
        memo, digest = Memo.after(crud_document)
        memo.set(MEMO_KEY, {digest: [["POST /a", "201"]]})  # cut short by a writing worker
        assert links(crud_document, memo) == links(crud_document)

    def test_a_document_it_cannot_analyse_is_kept_as_such(self) -> None:
        memo = Memo()
        broken = {"openapi": "3.1.0", "paths": "not a mapping"}
        assert links(broken, memo) == []
        assert list(memo.entries().values()) == [[]]
        assert links(broken, memo) == []
