"""The generic resource behaviour's rules (``specmock.behaviours.records``), as pure functions."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from specmock.behaviours import records as rules
from specmock.behaviours.shaping import Shaper
from specmock.contract.manifest import Manifest
from specmock.contract.model import Contract, Document, Operation
from specmock.contract.resources import Link, ListShape, Paging, Resource


def resource(**changes) -> Resource:
    base = dict(document="d", name="pets", collection="/pets", item="/pets/{petId}", id_param="petId",
                id_property="id", id_kind="integer", id_schema={"type": "integer"}, parents=(), owner=None,
                operations={}, item_schema=None)
    return Resource(**{**base, **changes})


# RFC 7386, appendix A: (target, patch, result)
MERGE_EXAMPLES = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    (["a", "b"], ["c", "d"], ["c", "d"]),
    ({"a": "b"}, ["c"], ["c"]),
    ({"a": "foo"}, None, None),
    ({"a": "foo"}, "bar", "bar"),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
]


@pytest.mark.parametrize("target, patch, result", MERGE_EXAMPLES)
def test_merge_patch_follows_rfc_7386(target, patch, result):
    assert rules.merge_patch(target, patch) == result


def test_merge_keeps_what_the_server_sets():
    old = {"id": 3, "name": "a", "created_at": "2020-01-01T00:00:00Z"}
    props = {"id": {"readOnly": True}, "name": {}, "created_at": {"readOnly": True, "format": "date-time"}}
    merged = rules.merged(old, {"id": 9, "name": "b", "created_at": None}, resource(), props, {"name": {}})
    assert merged == {"id": 3, "name": "b", "created_at": "2020-01-01T00:00:00Z"}


def test_replace_keeps_the_identifier_and_refreshes_update_times():
    old = {"id": 3, "name": "a", "updated_at": "2020-01-01T00:00:00Z", "tag": "x"}
    props = {"id": {"readOnly": True}, "name": {}, "tag": {}, "updated_at": {"readOnly": True}}
    replaced = rules.replaced(old, {"id": 9, "name": "b"}, resource(), props, {"name": {}, "tag": {}})
    assert replaced["id"] == 3 and replaced["name"] == "b" and "tag" not in replaced
    assert replaced["updated_at"] != old["updated_at"]


def test_replace_fills_defaults_and_keeps_a_required_property_the_body_left_out():
    old = {"id": 3, "name": "a", "status": "reserved", "tag": "x"}
    props = {"id": {"readOnly": True}, "name": {}, "status": {}, "tag": {}, "size": {}}
    request = {"name": {}, "status": {}, "tag": {}, "size": {"default": "M"}}
    replaced = rules.replaced(old, {"name": "b"}, resource(), props, request, required=["id", "name", "status"])
    assert replaced == {"id": 3, "name": "b", "status": "reserved", "size": "M"}  # tag: optional, dropped


def test_what_a_change_may_change():
    props = {"id": {"readOnly": True}, "name": {}, "created_at": {}}
    assert rules.changeable(props, {"name": {}}, has_body=True) == {"name": {}}  # what the body schema names
    assert rules.changeable(props, {}, has_body=True) == {"name": {}, "created_at": {}}  # any object
    assert rules.changeable(props, {}, has_body=False) == {}  # no body: nothing


@given(st.integers(min_value=0, max_value=10**12))
def test_cursors_name_their_offset(offset):
    assert rules.decode_cursor(rules.encode_cursor(offset)) == offset


@given(st.text(max_size=40))
def test_any_other_cursor_starts_at_the_beginning(cursor):
    assert rules.decode_cursor(cursor) >= 0


ITEMS = list(range(1, 24))


@pytest.mark.parametrize("paging, query, expected", [
    (Paging(page="page", size="per_page", default_size=10), {"page": 2}, list(range(11, 21))),
    (Paging(page="page", size="per_page", default_size=10), {"page": 3, "per_page": 5}, list(range(11, 16))),
    (Paging(page="page", size="per_page"), {"page": "not a number", "per_page": 5}, list(range(1, 6))),
    (Paging(offset="offset", size="limit", default_size=4), {"offset": 21}, [22, 23]),
    (Paging(cursor="cursor", size="limit", default_size=4), {"cursor": rules.encode_cursor(20)}, [21, 22, 23]),
    (Paging(size="limit", default_size=3), {}, [1, 2, 3]),
    (Paging(), {}, ITEMS),
    (Paging(page="page", size="per_page"), {"page": 99}, []),
])
def test_page_of(paging, query, expected):
    assert rules.page_of(ITEMS, query, paging)[0] == expected


def test_a_list_answer_in_the_declared_shape():
    shape = ListShape(items=("results",), total=("count",), next=Link(("next",), "url"),
                      previous=Link(("previous",), "url"), echo={"page": ("meta", "page")})
    paged = resource(paging=Paging(page="page", size="page_size", default_size=2), list_shape=shape)
    query = {"page": 2, "page_size": 2, "kind": "cat"}
    page = rules.page_of(ITEMS[:5], query, paged.paging)
    body = rules.list_answer(page, 5, paged, query, "http://mock/pets", bare=False)
    assert body["results"] == [3, 4] and body["count"] == 5 and body["meta"] == {"page": 2}
    assert body["next"] == "http://mock/pets?page=3&page_size=2&kind=cat"
    assert body["previous"] == "http://mock/pets?page=1&page_size=2&kind=cat"
    last = rules.list_answer(rules.page_of(ITEMS[:5], {"page": 3, "page_size": 2}, paged.paging), 5, paged,
                             {"page": 3, "page_size": 2}, "http://mock/pets", bare=False)
    assert last["next"] is None and last["results"] == [5]
    assert rules.list_answer(page, 5, paged, query, "u", bare=True) == [3, 4]


def test_list_filters_and_order():
    props = {"status": {}, "tags": {}, "name": {}}
    items = [{"name": "b", "status": "on", "tags": ["x"]}, {"name": "a", "status": "off", "tags": ["y"]},
             {"name": "c", "status": "on", "tags": ["x", "y"]}]
    accepts = rules.matcher({"status": "on", "page": 1}, resource(paging=Paging(page="page")), props)
    assert [item["name"] for item in items if accepts(item)] == ["b", "c"]
    by_tag = rules.matcher({"tags": "y"}, resource(), props)
    assert [item["name"] for item in items if by_tag(item)] == ["a", "c"]
    assert [item["name"] for item in rules.ordered(items, {"sort": "-name"}, props)] == ["c", "b", "a"]
    assert [item["name"] for item in rules.ordered(items, {"sort_by": "name", "order": "asc"}, props)] == ["a", "b",
                                                                                                          "c"]
    assert rules.ordered(items, {"sort": "unknown"}, props) == items


def _operation(responses: dict) -> Operation:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/x": {"post": {
        "responses": responses}}}}
    contract = Contract([Document("d", Path("d.yaml"), spec, Manifest())])
    return next(iter(contract.operations.values()))


@pytest.mark.parametrize("action, codes, expected", [
    ("create", ["200", "201", "400"], 201), ("create", ["200", "400"], 200), ("delete", ["200", "204"], 204),
    ("delete", ["200"], 200), ("read", ["203", "200"], 200), ("read", ["206"], 206),
])
def test_success_status(action, codes, expected):
    assert rules.success_status(_operation({code: {"description": "d"} for code in codes}), action) == expected


def test_a_new_item_gets_what_the_server_sets():
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {}}
    shaper = Shaper(Document("d", Path("d.yaml"), spec, Manifest()))
    item_schema = {"type": "object", "required": ["id", "name", "colour", "state"], "properties": {
        "id": {"type": "integer", "readOnly": True}, "name": {"type": "string"},
        "colour": {"type": "string", "enum": ["red"]}, "state": {"type": "string", "default": "new"},
        "owner": {"type": "string", "readOnly": True}, "userId": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "born": {"type": "string", "format": "date", "readOnly": True}}}
    owned = resource(owner="owner", parents=("userId",), item_schema=item_schema)
    request = {"name": {"type": "string"}, "size": {"type": "integer", "default": 3}}
    item = rules.new_item({"name": "a", "id": 99, "owner": "mallory"}, 5, owned, item_schema["properties"], request,
                          "alice", {"userId": 7}, shaper)
    assert (item["id"], item["name"], item["owner"], item["userId"], item["size"]) == (5, "a", "alice", 7, 3)
    assert (item["colour"], item["state"]) == ("red", "new")  # generated, and the schema's default
    assert item["created_at"].endswith("Z") and len(item["born"]) == 10


@pytest.mark.parametrize("value, kind, stored", [
    ("20", "integer", 20), (20.0, "integer", 20), (20, "integer", 20), ("-3", "integer", -3),
    ("20a", "integer", "20a"), (20.5, "integer", 20.5), (True, "integer", True),
    ("007", "string", "007"), ("20", "uuid", "20"),
])
def test_a_path_identifier_is_read_as_the_item_is_stored(value, kind, stored):
    found = rules.path_id(value, resource(id_kind=kind))
    assert found == stored and type(found) is type(stored)


def test_a_path_parameter_is_numeric_where_one_operation_types_it_as_a_number():
    def op(method: str, kind: str) -> Operation:
        params = [{"name": "club_id", "in": "path", "required": True, "schema": {"type": kind}},
                  {"name": "page", "in": "query", "schema": {"type": "integer"}}]
        spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
                "paths": {"/clubs/{club_id}/members": {method: {"parameters": params, "responses": {}}}}}
        document = Document("d", Path("d.yaml"), spec, Manifest())
        return Operation(document, method, "/clubs/{club_id}/members",
                         spec["paths"]["/clubs/{club_id}/members"][method], method, method)

    assert rules.numeric_path_parameters([op("get", "number"), op("post", "string")]) == {"club_id"}
    assert rules.numeric_path_parameters([op("post", "string")]) == set()
