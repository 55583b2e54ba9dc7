"""The inference rules the harness adds to ``specmock.contract.resources``: the owner hint and the
path key (rule 9)."""

from __future__ import annotations

import copy

import pytest
import yaml

from specmock.contract import Contract, SpecError, bundled_contract_path
from specmock.contract.resources import infer

NOTES = {
    "openapi": "3.0.3",
    "info": {"title": "Notes", "version": "1"},
    "security": [{"Bearer": []}],
    "components": {"securitySchemes": {"Bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/notes": {
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"201": {
                    "description": "created",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "slug": {"type": "string"}}}}},
                }},
            },
        },
        "/notes/{key}": {
            "get": {"operationId": "get_note", "parameters": [
                {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the note", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"id": {"type": "integer"}, "slug": {"type": "string"}}}}}}}},
        },
    },
}


def _notes(tmp_path, change=None):
    spec = copy.deepcopy(NOTES)
    if change:
        change(spec)
    path = tmp_path / "notes.yaml"
    path.write_text(yaml.safe_dump(spec))
    return infer(Contract.load([path]))["notes.notes"]


def test_the_bundled_content_requests_are_owned_and_keyed_by_token():
    resource = infer(Contract.load([bundled_contract_path()]))["content_requests.content_requests"]
    assert resource.owner is True
    assert resource.key == "token" and resource.id_property == "id"


def test_without_hint_or_owner_property_nothing_is_owned(tmp_path):
    assert _notes(tmp_path).owner is None


@pytest.mark.parametrize("hint, owner", [({"owner": True}, True), ({"owner": "author"}, "author"),
                                          ({"owner": False}, None)])
def test_the_owner_hint(tmp_path, hint, owner):
    assert _notes(tmp_path, lambda spec: spec["paths"]["/notes"].update({"x-specmock-resource": hint})).owner == owner


@pytest.mark.parametrize("hint", [{"owner": 3}, {"owner": ""}, {"name": ""}, {"id": ["id"]}, "yes"])
def test_a_malformed_hint_is_refused_naming_where(tmp_path, hint):
    with pytest.raises(SpecError, match="x-specmock-resource"):
        _notes(tmp_path, lambda spec: spec["paths"]["/notes"].update({"x-specmock-resource": hint}))


def test_the_path_key_is_what_the_create_links_put_in_the_item_path(tmp_path):
    def link(spec):
        spec["paths"]["/notes"]["post"]["responses"]["201"]["links"] = {
            "Read": {"operationId": "get_note", "parameters": {"key": "$response.body#/slug"}}}

    resource = _notes(tmp_path, link)
    assert resource.path_key == "slug" and resource.key == "slug"


def test_without_links_the_path_key_is_the_identifier(tmp_path):
    resource = _notes(tmp_path)
    assert resource.path_key is None and resource.key == resource.id_property


def test_a_link_to_another_operation_or_without_a_body_pointer_names_no_key(tmp_path):
    def links(spec):
        spec["paths"]["/notes"]["post"]["responses"]["201"]["links"] = {
            "Elsewhere": {"operationId": "nothing_here", "parameters": {"key": "$response.body#/slug"}},
            "Header": {"operationId": "get_note", "parameters": {"key": "$response.header.Location"}}}

    assert _notes(tmp_path, links).path_key is None
