"""rspec_api_documentation markdown: examples, parameter tables and lines, headers, routes, query
strings, escaped and form-encoded bodies, statuses."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from specmock.importers import ImportResult, import_documents
from specmock.importers.markup import pre_text
from specmock.importers.problems import Kind
from tests.importers.draft_facts import documented
from tests.importers.spec_shapes import SAMPLES

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def result() -> ImportResult:
    return import_documents([SAMPLES / "orders.md"])


@pytest.fixture(scope="module")
def orders(result) -> dict:
    return result.draft["paths"]["/shops/{shop_id}/orders"]


def test_each_example_is_an_operation_and_examples_of_one_call_merge(result):
    [document] = result.documents
    assert document.format == "rspec-doc"
    assert [(operation.method, operation.path) for operation in document.operations] == [
        ("post", "/api/v1/shops/:shop_id/orders"),
        ("post", "/api/v1/shops/:shop_id/orders"),
        ("post", "/api/v1/shops/:shop_id/orders/:order_id/tags"),
        ("get", "/api/v1/shops/:shop_id/orders"),
    ]
    validate(result.draft)
    assert result.draft["servers"] == [{"url": "/api/v1"}]
    assert list(result.draft["paths"]) == ["/shops/{shop_id}/orders", "/shops/{shop_id}/orders/{order_id}/tags"]
    assert result.draft["tags"] == [{"name": "Orders"}]


def test_parameters_tables_scope_fields_and_the_route_gives_path_examples(orders):
    create = orders["post"]
    assert create["summary"] == "Create an order"
    assert create["description"] == "Orders are placed by signed-in customers."
    assert create["parameters"][0] == {
        "name": "shop_id",
        "in": "path",
        "required": True,
        "example": "7",
        "schema": {"type": "string"},
    }
    schema = create["requestBody"]["content"]["application/json"]["schema"]
    order = schema["properties"]["order"]
    assert order["properties"]["quantity"] == {"type": "integer", "example": 2, "description": "How many"}
    assert order["required"] == ["quantity"]
    media = create["requestBody"]["content"]["application/json"]
    assert media["example"] == {"order": {"quantity": 2, "note": "gift"}}
    assert media["x-specmock-refused-examples"] == [{"status": 422, "value": {"order": {}}}]


def test_escaped_headers_hint_security_and_ordinary_headers_are_parameters(result, orders):
    create = orders["post"]
    assert create["security"] == [{"TokenAuth": []}]
    assert result.draft["components"]["securitySchemes"]["TokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "Hinted by the documented request header `Authorization: Token <credential>`.",
    }
    headers = [parameter["name"] for parameter in create["parameters"] if parameter["in"] == "header"]
    assert headers == ["X-Client-Version", "X-Request-Id"]  # Host, Cookie, Content-Type left out


def test_responses_keep_status_headers_and_inferred_bodies(orders):
    responses = documented(orders["post"]["responses"])
    assert list(responses) == ["201", "422"]
    assert responses["201"]["description"] == "Created"
    assert set(responses["201"]["headers"]) == {"X-Request-Id", "ETag"}  # Content-Type is the media type
    assert responses["201"]["headers"]["ETag"]["example"] == 'W/"ce2e"'
    body = responses["201"]["content"]["application/json"]["schema"]
    assert body["properties"]["id"]["description"] == "The order's id"  # from Response Fields
    assert body["properties"]["created_at"]["format"] == "date-time"
    assert responses["422"]["content"]["application/json"]["schema"]["properties"]["errors"]["type"] == "array"


def test_query_parameters_keep_rails_arrays(orders):
    parameters = {parameter["name"]: parameter for parameter in orders["get"]["parameters"]}
    assert parameters["state[]"]["schema"]["type"] == "array"
    assert parameters["state[]"]["example"] == ["open", "paid"]
    assert parameters["page"]["in"] == "query"
    items = orders["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items["properties"]["state"]["description"] == "Where the order is"  # fields describe list items


def test_form_bodies_keep_array_names_and_marked_requirements(result):
    tag = result.draft["paths"]["/shops/{shop_id}/orders/{order_id}/tags"]["post"]
    assert tag["description"] == "Tags are added, never replaced."
    assert tag["parameters"][1]["schema"] == {"type": "string", "format": "uuid"}
    media = tag["requestBody"]["content"][FORM]
    assert media["example"] == {"tag_ids[]": ["1", "2"], "notes": "a gift"}
    assert media["schema"]["properties"]["tag_ids[]"]["description"] == "Tags to add"
    assert media["schema"]["required"] == ["tag_ids[]"]  # `*- required -*`; `notes` is not marked


def test_contradictions_and_unknown_sections_are_reported(result):
    reported = [(problem.kind, problem.line, problem.message) for problem in result.problems]
    assert (
        Kind.CONTRADICTION,
        7,
        "POST /shops/{shop_id}/orders: body field order[quantity] is documented both as required and as "
        "optional: taken as required",
    ) in reported
    assert (Kind.SKIPPED, 168, "GET /api/v1/shops/:shop_id/orders: unknown section ### 'Notes' left out") in reported
    assert len([kind for kind, _, _ in reported if kind == Kind.SKIPPED]) == 1  # its paragraph goes with it


def test_pre_blocks_decode_entities_but_leave_raw_form_bodies_alone():
    assert pre_text("<pre>{&quot;a&quot;:&quot;b &amp; c&quot;}</pre>") == '{"a":"b & c"}'
    assert pre_text("<pre>image_ids[]=1&notes=x&copy=2</pre>") == "image_ids[]=1&notes=x&copy=2"
