"""API Blueprint: groups, resources, actions, parameters, requests, responses, models and data
structures."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from specmock.importers import ImportResult, import_documents
from specmock.importers.problems import Kind
from specmock.importers.registry import IMPORTERS
from tests.importers.draft_facts import documented
from tests.importers.spec_shapes import SAMPLES


@pytest.fixture(scope="module")
def result() -> ImportResult:
    return import_documents([SAMPLES / "catalog.apib"])


@pytest.fixture(scope="module")
def paths(result) -> dict:
    return result.draft["paths"]


def test_resources_and_actions_become_operations(result):
    [document] = result.documents
    assert document.format == "apiblueprint"
    assert [operation.title for operation in document.operations] == [
        "GET /widgets/{widget_id}",
        "PUT /widgets/{widget_id}",
        "PATCH /widgets/{widget_id}",
        "GET /widgets",
        "POST /widgets",
    ]
    validate(result.draft)
    assert result.draft["info"]["title"] == "Widget Catalog"
    assert result.draft["servers"] == [{"url": "https://api.example.com/api/v2"}]
    assert result.draft["tags"] == [{"name": "Widgets"}]
    assert result.draft["paths"]["/widgets"]["get"]["operationId"] == "list_widgets"


def test_parameters_keep_type_example_requirement_and_values(paths):
    assert paths["/widgets/{widget_id}"]["get"]["parameters"] == [
        {
            "name": "widget_id",
            "in": "path",
            "required": True,
            "description": "The widget's `uuid`.",
            "example": "5d780faf-8bb1-4858-92cc-e92fe2cbe971",
            "schema": {"type": "string", "format": "uuid"},
        }
    ]
    page, per_page = paths["/widgets"]["get"]["parameters"]
    assert (page["name"], page["in"], page["required"], page["example"]) == ("page", "query", False, 1)
    assert per_page["schema"] == {"type": "number", "enum": [10, 20]}
    assert "parameters" not in paths["/widgets"]["post"]  # the query template is the list action's own


def test_a_model_reference_brings_its_body_headers_and_properties(paths):
    show = paths["/widgets/{widget_id}"]["get"]["responses"]
    assert show["200"]["headers"]["ETag"]["example"] == '"abc"'
    schema = show["200"]["content"]["application/json"]["schema"]
    assert schema["properties"]["id"] == {
        "type": "string",
        "format": "uuid",
        "example": "5d780faf-8bb1-4858-92cc-e92fe2cbe971",
        "description": "the widget's id",
    }
    assert schema["properties"]["released"]["format"] == "date"
    assert schema["properties"]["price"]["type"] == "number"
    assert schema["properties"]["colour"] == {"nullable": True, "description": "the paint, if any"}
    assert show["404"] == {"description": "Not Found"}


def test_inline_response_bodies_merge_every_array_item(paths):
    items = paths["/widgets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["items"]
    assert items["required"] == ["id", "label"]
    assert items["properties"]["owner"]["properties"]["email"]["format"] == "email"
    assert items["properties"]["tags"] == {"type": "array", "items": {"type": "string", "example": "a"}}


def test_request_headers_hint_security_and_action_properties_describe_the_body(result, paths):
    replace = paths["/widgets/{widget_id}"]["put"]
    assert replace["security"] == [{"BearerAuth": []}]
    assert result.draft["components"]["securitySchemes"]["BearerAuth"]["scheme"] == "bearer"
    media = replace["requestBody"]["content"]["application/json"]
    assert media["example"] == {"label": "Sprocket 2", "price": 13}
    assert media["schema"]["properties"]["label"]["description"] == "the new label"


def test_attributes_nest_and_data_structures_are_reused(paths):
    create = paths["/widgets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert create["required"] == ["label"]
    assert create["properties"]["dimensions"]["required"] == ["width"]
    change = paths["/widgets/{widget_id}"]["patch"]["requestBody"]["content"]["application/json"]["schema"]
    assert change["required"] == ["stock"]
    assert change["properties"]["reason"]["enum"] == ["restock", "correction"]
    assert documented(paths["/widgets/{widget_id}"]["patch"]["responses"]) == {"204": {"description": "No Content"}}


def test_what_could_not_be_read_is_reported_with_its_kind_and_line(result):
    reported = {(problem.kind, problem.line, problem.message) for problem in result.problems}
    assert (Kind.SKIPPED, 108, "reference [Gadget][] names no model with a body") in reported
    assert any(kind == Kind.LENIENT_EXAMPLE and line == 50 for kind, line, _ in reported)
    assert any("not documented (so not required): price, released, stock" in message for _, _, message in reported)
    assert any("null in every example" in message and "/colour" in message for _, _, message in reported)


def test_a_blueprint_without_actions_is_not_imported():
    result = import_documents([SAMPLES / "no_actions.apib"])
    assert result.draft is None
    [failure] = result.failures
    assert failure.kind == Kind.EMPTY
    assert "no operation found in this apiblueprint document" in failure.message


def test_action_attributes_of_a_type_defined_later_describe_the_request_body():
    text = "\n".join(
        [
            "FORMAT: 1A",
            "# Notes",
            "## Note [/notes]",
            "### Create a note [POST]",
            "+ Attributes (Note Input)",
            "+ Response 201",
            "## Data Structures",
            "### Note Input (object)",
            "+ text: `hi` (string, required) - What to remember.",
        ]
    )
    [create] = IMPORTERS.get("apiblueprint").parse(text, "notes.apib").operations
    assert create.request_schema == {
        "type": "object",
        "properties": {"text": {"type": "string", "example": "hi", "description": "What to remember."}},
        "required": ["text"],
    }
