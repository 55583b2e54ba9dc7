"""The resource inference rules (``specmock.contract.resources``), one by one, on small documents
written for each rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from specmock.contract.manifest import Manifest
from specmock.contract.model import Contract, Document
from specmock.contract.resources import infer

OK = {"200": {"description": "ok"}}


def schema_response(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


ITEM = {"type": "object", "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}}}
BODY = {"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
    "name": {"type": "string"}}}}}}


def resources(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths, **extra}
    contract = Contract([Document("doc", Path("doc.yaml"), spec, Manifest())])
    return {resource.name: resource for resource in infer(contract).values()}


def crud(collection: str = "/pets", param: str = "petId", item: dict[str, Any] = ITEM) -> dict[str, Any]:
    parameter = [{"name": param, "in": "path", "required": True, "schema": {"type": "integer"}}]
    return {
        collection: {"get": {"responses": schema_response({"type": "array", "items": item})},
                     "post": {"requestBody": BODY, "responses": schema_response(item, "201")}},
        f"{collection}/{{{param}}}": {"parameters": parameter,
                                      "get": {"responses": schema_response(item)},
                                      "put": {"requestBody": BODY, "responses": schema_response(item)},
                                      "patch": {"requestBody": BODY, "responses": schema_response(item)},
                                      "delete": {"responses": {"204": {"description": "gone"}}}},
    }


def test_a_collection_and_its_item_path_make_a_resource_with_every_action():
    (pets,) = resources(crud()).values()
    assert (pets.name, pets.collection, pets.item, pets.id_param) == ("pets", "/pets", "/pets/{petId}", "petId")
    assert set(pets.operations) == {"list", "create", "read", "replace", "merge", "delete"}
    assert pets.id_property == "id" and pets.id_kind == "integer" and pets.parents == ()


@pytest.mark.parametrize("properties, expected", [
    ({"petId": {"type": "integer"}, "id": {"type": "integer"}}, "petId"),  # the parameter's own name first
    ({"id": {"type": "integer"}}, "id"),
    ({"pet_id": {"type": "integer"}}, "pet_id"),
    ({"name": {"type": "string"}}, "petId"),  # nothing fits: the parameter's name
])
def test_the_identifier_property(properties, expected):
    (pets,) = resources(crud(item={"type": "object", "properties": properties})).values()
    assert pets.id_property == expected


@pytest.mark.parametrize("schema, kind", [({"type": "integer"}, "integer"), ({"type": "number"}, "integer"),
                                          ({"type": "string", "format": "uuid"}, "uuid")])
def test_the_identifier_kind_comes_from_the_path_parameter(schema, kind):
    paths = crud()
    paths["/pets/{petId}"]["parameters"][0]["schema"] = schema
    assert resources(paths)["pets"].id_kind == kind


@pytest.mark.parametrize("item_id, param, kind", [
    ({"type": "integer"}, {"type": "string"}, "integer"),  # answers hold a number; the path carries it as text
    ({"type": "number"}, {"type": "string"}, "integer"),
    ({"type": "string"}, {"type": "string"}, "string"),
    ({"type": "integer"}, {"type": "string", "pattern": "^[a-f0-9]{16}$"}, "string"),  # a number cannot be that
])
def test_a_numeric_identifier_the_item_shows_is_a_sequence_when_every_item_path_takes_it(item_id, param, kind):
    item = {"type": "object", "properties": {"id": item_id, "name": {"type": "string"}}}
    paths = crud(item=item)
    paths["/pets/{petId}"]["parameters"][0]["schema"] = param
    assert resources(paths)["pets"].id_kind == kind


def test_nested_resources_are_scoped_by_their_parents():
    paths = {**crud("/users", "userId"), **crud("/users/{userId}/repos", "repoId")}
    for path in ("/users/{userId}/repos", "/users/{userId}/repos/{repoId}"):
        for op in paths[path].values():
            if isinstance(op, dict) and "responses" in op:
                op["parameters"] = [{"name": "userId", "in": "path", "required": True, "schema": {"type": "integer"}}]
    found = resources(paths)
    assert set(found) == {"users", "users.repos"}
    assert found["users.repos"].parents == ("userId",) and found["users.repos"].parent_resource == "users"


def test_an_action_under_an_item_is_not_a_resource():
    paths = crud("/orders", "orderId")
    paths["/orders/{orderId}/cancel"] = {"post": {"parameters": [
        {"name": "orderId", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": schema_response(ITEM)}}
    assert set(resources(paths)) == {"orders"}


def test_a_post_answering_an_array_is_not_a_resource():
    paths = {"/things/bulk": {"post": {"requestBody": BODY, "responses": schema_response(
        {"type": "array", "items": ITEM})}}}
    assert resources(paths) == {}


def test_x_specmock_resource_overrides_inference():
    paths = crud()
    paths["/pets"]["x-specmock-resource"] = {"name": "animals", "id": "name", "owner": "name"}
    (animals,) = resources(paths).values()
    assert (animals.name, animals.id_property, animals.owner) == ("animals", "name", "name")
    paths["/pets"]["x-specmock-resource"] = False
    assert resources(paths) == {}


def test_an_owner_is_a_read_only_owner_property_of_a_secured_resource():
    owned = {**ITEM, "properties": {**ITEM["properties"], "owner_id": {"type": "string", "readOnly": True}}}
    secured = {"security": [{"key": []}], "components": {"securitySchemes": {
        "key": {"type": "apiKey", "in": "header", "name": "X-Key"}}}}
    assert resources(crud(item=owned), **secured)["pets"].owner == "owner_id"
    assert resources(crud(item=owned))["pets"].owner is None  # nobody to own it without credentials
    writable = {**ITEM, "properties": {**ITEM["properties"], "owner_id": {"type": "string"}}}
    assert resources(crud(item=writable), **secured)["pets"].owner is None


@pytest.mark.parametrize("names, style, fields", [
    (("page", "per_page"), "page", ("page", "per_page", None, None)),
    (("page", "page_size"), "page", ("page", "page_size", None, None)),
    (("offset", "limit"), "offset", (None, "limit", "offset", None)),
    (("cursor", "limit"), "cursor", (None, "limit", None, "cursor")),
    (("limit",), "size", (None, "limit", None, None)),
    ((), "none", (None, None, None, None)),
])
def test_paging_parameters(names, style, fields):
    paths = crud()
    paths["/pets"]["get"]["parameters"] = [{"name": name, "in": "query", "schema": {
        "type": "integer", "minimum": 1, "maximum": 50, **({"default": 15} if name in ("per_page", "limit") else {})}}
        for name in names]
    paging = resources(paths)["pets"].paging
    assert paging.style == style
    assert (paging.page, paging.size, paging.offset, paging.cursor) == fields
    if paging.size in ("per_page", "limit"):
        assert paging.default_size == 15 and paging.max_size == 50
    elif paging.size:
        assert paging.default_size == 50  # no default: its maximum


def test_a_list_answer_holding_items_total_and_links():
    listing = {"type": "object", "properties": {
        "data": {"type": "array", "items": ITEM},
        "meta": {"type": "object", "properties": {"total_count": {"type": "integer"}, "page": {"type": "integer"}}},
        "links": {"type": "object", "properties": {"next": {"type": "string", "format": "uri"},
                                                   "prev": {"type": "string", "format": "uri"}}}}}
    paths = crud()
    paths["/pets"]["get"]["responses"] = schema_response(listing)
    paths["/pets"]["get"]["parameters"] = [{"name": "page", "in": "query", "schema": {"type": "integer"}}]
    shape = resources(paths)["pets"].list_shape
    assert shape.items == ("data",) and shape.total == ("meta", "total_count")
    assert (shape.next.at, shape.next.holds) == (("links", "next"), "url")
    assert (shape.previous.at, shape.previous.holds) == (("links", "prev"), "url")
    assert shape.echo == {"page": ("meta", "page")}


def test_cursor_links_and_page_number_links():
    paths = crud()
    paths["/pets"]["get"]["responses"] = schema_response({"type": "object", "properties": {
        "items": {"type": "array", "items": ITEM}, "next_cursor": {"type": "string"},
        "previous": {"type": "integer"}}})
    shape = resources(paths)["pets"].list_shape
    assert shape.next.holds == "cursor" and shape.previous.holds == "page"


def test_wrapped_item_answers():
    wrapped = {"type": "object", "properties": {"data": ITEM}}
    paths = crud()
    paths["/pets"]["post"]["responses"] = schema_response(wrapped, "201")
    paths["/pets/{petId}"]["get"]["responses"] = schema_response(wrapped)
    pets = resources(paths)["pets"]
    assert pets.wrappers == {"post_pets": ("data",), "get_pets_petId": ("data",)}
    assert pets.item_schema is not None and "name" in pets.item_schema["properties"]
