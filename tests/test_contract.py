"""The contract itself: valid OpenAPI, examples that obey their schemas, resolvable references,
operationIds that name real handlers, links that chain, and every quirk decision written down."""

from __future__ import annotations

import importlib
import json
from collections import Counter
from typing import Any

import pytest
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from specmock.contract import bundled_contract_path, load_document, operations
from specmock.site.decisions import served
from tests.conftest import API_NAMES, BUNDLED

OPENAPI_DIR = bundled_contract_path()
APIS = API_NAMES


def load_spec(path):
    return load_document(path)


def handler_module(api: str) -> str:
    return load_spec(OPENAPI_DIR / f"{api}.yaml")["x-specmock"]["handlers"]


@pytest.fixture(params=APIS)
def api(request):
    return request.param


@pytest.fixture
def spec(api):
    return load_spec(OPENAPI_DIR / f"{api}.yaml")


@pytest.mark.parametrize("path", sorted(OPENAPI_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_each_file_passes_openapi_spec_validator(path):
    document, base_uri = read_from_filename(str(path))
    assert document["openapi"] == "3.0.3"
    validate(document, base_uri=path.as_uri())


def test_bundled_spec_is_valid_and_self_contained(spec):
    validate(spec)
    assert ".yaml" not in json.dumps([ref for ref in _refs(spec)])


def _refs(node: Any):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(spec: dict, ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_every_ref_resolves(spec):
    refs = list(_refs(spec))
    assert refs
    for ref in refs:
        assert _resolve(spec, ref) is not None


def _deref(spec: dict, node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = _resolve(spec, node["$ref"])
    return node


def _examples(spec: dict):
    """(where, schema, example) for every example of the spec."""
    for method, path, op in operations(spec):
        where = f"{method.upper()} {path}"
        params = spec["paths"][path].get("parameters", []) + op.get("parameters", [])
        for param in map(lambda p: _deref(spec, p), params):
            if "example" in param:
                yield f"{where} parameter {param['name']}", param["schema"], param["example"]
        body = _deref(spec, op.get("requestBody", {}))
        for media, content in body.get("content", {}).items():
            yield from _media_examples(spec, f"{where} request {media}", content)
        for status, response in op["responses"].items():
            response = _deref(spec, response)
            for name, header in response.get("headers", {}).items():
                header = _deref(spec, header)
                if "example" in header:
                    yield f"{where} {status} header {name}", header["schema"], header["example"]
            for media, content in response.get("content", {}).items():
                yield from _media_examples(spec, f"{where} {status} {media}", content)


def _media_examples(spec, where, content):
    if "example" in content:
        yield where, content["schema"], content["example"]
    for name, example in content.get("examples", {}).items():
        yield f"{where} example {name}", content["schema"], _deref(spec, example)["value"]


def test_every_example_validates_against_its_schema(spec):
    checked = 0
    for where, schema, example in _examples(spec):
        validator = OAS30Validator(
            {**schema, "components": spec["components"]}, format_checker=OAS30Validator.FORMAT_CHECKER
        )
        errors = [error.message for error in validator.iter_errors(example)]
        assert not errors, f"{where}: {errors}"
        checked += 1
    assert checked >= 3


def test_operation_ids_are_unique_and_name_existing_handlers():
    seen = Counter()
    for api in APIS:
        module = importlib.import_module(handler_module(api))
        for method, path, op in operations(load_spec(OPENAPI_DIR / f"{api}.yaml")):
            seen[op["operationId"]] += 1
            assert callable(getattr(module, op["operationId"], None)), (
                f"{handler_module(api)}.{op['operationId']} ({method.upper()} {path}) does not exist"
            )
    assert [name for name, count in seen.items() if count > 1] == []


def test_links_name_existing_operations_and_parameters(spec):
    ops = {op["operationId"]: (path, op) for _, path, op in operations(spec)}
    links = [
        link
        for _, _, op in operations(spec)
        for response in op["responses"].values()
        for link in _deref(spec, response).get("links", {}).values()
    ]
    for link in links:
        path, target = ops[link["operationId"]]
        declared = {
            _deref(spec, p)["name"] for p in spec["paths"][path].get("parameters", []) + target.get("parameters", [])
        }
        assert set(link["parameters"]) <= declared, link


@pytest.mark.parametrize(
    "api_name, source, target",
    [
        ("content_requests", "create_content_request", "get_content_request"),
        ("content_requests", "create_content_request", "update_content_request"),
        ("content_requests", "create_content_request", "complete_content_request"),
        ("content_requests", "create_content_request", "delete_content_request"),
        ("image_requests", "create_image_request", "get_image_request"),
        ("downloads", "create_download", "get_download_zip"),
        ("sharing_images", "create_sharing_images", "get_sharing_image_file"),
    ],
)
def test_create_operations_link_to_what_uses_their_result(api_name, source, target):
    spec = load_spec(OPENAPI_DIR / f"{api_name}.yaml")
    op = next(op for _, _, op in operations(spec) if op["operationId"] == source)
    targets = {
        link["operationId"]
        for status, response in op["responses"].items()
        if status.startswith("2")
        for link in _deref(spec, response).get("links", {}).values()
    }
    assert target in targets


def test_error_responses_are_problem_json_and_marked_as_added(spec):
    for method, path, op in operations(spec):
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            response = _deref(spec, response)
            assert list(response["content"]) == ["application/problem+json"], (method, path, status)
            assert "added by specmock" in response["description"]
        assert "default" not in op["responses"], "a default response hides undocumented statuses"


def test_every_operation_with_input_declares_400(spec):
    for method, path, op in operations(spec):
        params = spec["paths"][path].get("parameters", []) + op.get("parameters", [])
        if params or "requestBody" in op:
            assert "400" in op["responses"], (method, path)


def test_operations_with_a_body_declare_415_and_413(spec):
    for method, path, op in operations(spec):
        if "requestBody" in op:
            assert {"413", "415"} <= set(op["responses"]), (method, path)


def test_secured_operations_declare_401_with_www_authenticate(spec):
    for method, path, op in operations(spec):
        requirements = op.get("security", spec.get("security", []))
        if requirements:
            response = _deref(spec, op["responses"]["401"])
            assert response["headers"]["WWW-Authenticate"]
        else:
            assert "401" not in op["responses"], (method, path)


@pytest.mark.parametrize("api_name", ["provider_requests", "sharing_images", "downloads"])
def test_jwt_apis_declare_a_required_x_token_on_success(api_name):
    spec = load_spec(OPENAPI_DIR / f"{api_name}.yaml")
    for _, _, op in operations(spec):
        if op.get("security"):
            header = _deref(spec, op["responses"]["200"]["headers"]["X-token"])
            assert header["required"] is True


def test_security_schemes_match_the_documents():
    schemes = load_spec(OPENAPI_DIR / "content_requests.yaml")["components"]["securitySchemes"]
    bearer = schemes["BearerAuth"]
    assert (bearer["type"], bearer["in"], bearer["name"]) == ("apiKey", "header", "Authentication")
    for name in ("provider_requests", "image_requests", "sharing_images", "downloads"):
        scheme = load_spec(OPENAPI_DIR / f"{name}.yaml")["components"]["securitySchemes"]["TokenAuth"]
        assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")


def test_public_operations_are_the_recipient_link_and_the_served_files():
    public = {
        op["operationId"]
        for api in APIS
        for _, _, op in operations(load_spec(OPENAPI_DIR / f"{api}.yaml"))
        if op.get("security") == []
    }
    assert public == {
        "get_content_request",
        "complete_content_request",
        "get_sharing_image_file",
        "get_download_zip",
    }


# What each document states, listed by hand from the documents, so that a contract change that
# loses any of it fails here.
DOCUMENTED = {
    "provider_requests": {
        "operations": {("post", "/providers/{provider_id}/provider_requests")},
        "fields": {"image_id", "provider_id", "organization_id", "created_at", "id", "image_ids[]"},
        "servers": "/api/v1",
    },
    "image_requests": {
        "operations": {("get", "/image_requests"), ("post", "/image_requests"), ("get", "/image_requests/{id}")},
        "fields": {
            "id", "icon", "created_by", "name", "tags", "description", "start_date", "end_date", "private",
            "versions", "alias", "version", "provider", "count", "next", "previous", "results", "instance",
            "ip_address", "software", "sys", "exclude", "vis",
        },
        "servers": "/api/v1",
    },
    "sharing_images": {
        "operations": {("post", "/sharings/{sharing_id}/sharing_images")},
        "fields": {
            "id", "created_at", "url", "user", "image", "infos", "bytes", "etag", "format", "height",
            "resource_type", "tags", "type", "width", "location", "accuracy", "latitude", "longitude",
            "public_id", "rotation", "album_id", "image_ids[]",
        },
        "servers": "/api/v1",
    },
    "downloads": {
        "operations": {("post", "/downloads")},
        "fields": {"id", "zip_url", "image_ids[]"},
        "servers": "/api/v1",
    },
    "content_requests": {
        "operations": {
            ("get", "/content_requests"), ("post", "/content_requests"), ("get", "/content_requests/{ref}"),
            ("put", "/content_requests/{ref}"), ("delete", "/content_requests/{ref}"),
            ("put", "/content_requests/{token}/complete"),
        },
        "fields": {
            "content_requests", "meta", "total_count", "id", "name", "recipient", "prompt", "expiration_date",
            "status", "time_type", "link_for_copy", "token", "user", "email", "first_name", "last_name",
            "avatar_image", "content_request", "media_files", "s3_key", "format_type", "media_type", "size",
            "note", "success",
        },
        "parameters": {"pending", "query", "sort_by", "sort_to", "page", "per_page", "ref", "token"},
        "servers": "/api/v4",
    },
}


def _property_names(spec, node, seen=None) -> set[str]:
    seen = set() if seen is None else seen
    names: set[str] = set()
    if isinstance(node, dict):
        if "$ref" in node:
            if node["$ref"] in seen:
                return names
            seen.add(node["$ref"])
            return _property_names(spec, _resolve(spec, node["$ref"]), seen)
        names |= set(node.get("properties", {}))
        for value in node.values():
            names |= _property_names(spec, value, seen)
    elif isinstance(node, list):
        for item in node:
            names |= _property_names(spec, item, seen)
    return names


@pytest.mark.parametrize("api_name", sorted(DOCUMENTED))
def test_spec_carries_what_the_document_states(api_name):
    spec = load_spec(OPENAPI_DIR / f"{api_name}.yaml")
    expected = DOCUMENTED[api_name]
    assert spec["servers"] == [{"url": expected["servers"]}]
    assert expected["operations"] <= {(method, path) for method, path, _ in operations(spec)}
    assert expected["fields"] <= _property_names(spec, spec["paths"])
    params = {
        _deref(spec, p)["name"]
        for path, item in spec["paths"].items()
        for p in item.get("parameters", []) + [p for _, pth, op in operations(spec) if pth == path
                                               for p in op.get("parameters", [])]
    }
    assert expected.get("parameters", set()) <= params


def test_content_request_validations_follow_the_apipie_page():
    spec = load_spec(OPENAPI_DIR / "content_requests.yaml")
    schemas = spec["components"]["schemas"]
    create = schemas["ContentRequestCreate"]["properties"]["content_request"]
    assert set(create["required"]) == {"name", "recipient", "prompt", "expiration_date"}
    assert create["properties"]["time_type"]["enum"] == ["one_time", "multi_use"]
    update = schemas["ContentRequestUpdate"]["properties"]["content_request"]
    assert "required" not in update and update["properties"]["status"]["enum"] == ["canceled"]
    assert schemas["MediaFile"]["properties"]["media_type"]["enum"] == ["photo", "video"]
    assert set(schemas["MediaFile"]["required"]) == {"name", "s3_key", "format_type", "media_type", "size"}
    list_params = {p["name"]: p for p in spec["paths"]["/content_requests"]["get"]["parameters"]}
    assert list_params["pending"]["required"] is True
    assert list_params["pending"]["schema"]["enum"] == ["true", "false", "1", "0"]
    assert list_params["sort_by"]["schema"]["enum"] == ["created_at", "name", "recipient", "expiration_date"]
    assert list_params["sort_to"]["schema"]["enum"] == ["asc", "desc"]
    assert list_params["page"]["schema"]["default"] == 1 and list_params["per_page"]["schema"]["default"] == 10
    assert schemas["ContentRequest"]["properties"]["time_type"]["enum"] == ["One-Time", "Multi-Use"]


@pytest.mark.parametrize(
    "api_name, topics",
    [
        ("content_requests", ["/api/v4}", "two keys", "expiration_date", "time_type", "not JSON", "credentials"]),
        ("image_requests", ["Base path", "Image", "request example", "provider", "vis"]),
        ("provider_requests", ["Form arrays", "Response order"]),
        ("sharing_images", ["Form arrays", "url"]),
        ("downloads", ["Form arrays", "zip_url"]),
    ],
)
def test_quirk_decisions_are_written_into_the_spec(api_name, topics):
    spec = load_spec(OPENAPI_DIR / f"{api_name}.yaml")
    notes = spec["x-specmock-notes"]
    for note in notes:
        assert note["document"] and note["decision"]
        assert note["why"], f"{api_name}: the decision on {note['topic']!r} gives no reason"
        assert note["topic"] in served(BUNDLED.documents[api_name])["info"]["description"]
    text = " ".join(note["topic"] for note in notes)
    for topic in topics:
        assert topic.lower() in text.lower(), f"{api_name}: no decision about {topic!r}"
