"""apipie pages, as text and as HTML: calls, params with nested names, validations, headers,
bodies, errors and recorded examples."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from specmock.importers import ImportResult, import_documents
from specmock.importers.htmltree import MAX_DEPTH, parse_html
from specmock.importers.problems import Kind
from tests.importers.draft_facts import documented
from tests.importers.spec_shapes import SAMPLES


@pytest.fixture(scope="module")
def text() -> ImportResult:
    return import_documents([SAMPLES / "tickets.apipie.txt"])


@pytest.fixture(scope="module")
def page() -> ImportResult:
    return import_documents([SAMPLES / "tickets.apipie.html"])


def test_each_method_line_opens_an_operation(text):
    [document] = text.documents
    assert document.format == "apipie"
    assert [operation.title for operation in document.operations] == [
        "GET /api/v3}/tickets",
        "POST /api/v3/tickets",
        "DELETE /api/v3/tickets/:id",
    ]
    validate(text.draft)
    assert text.draft["servers"] == [{"url": "/api/v3"}]
    assert list(text.draft["paths"]) == ["/tickets", "/tickets/{id}"]
    assert text.draft["paths"]["/tickets"]["get"]["summary"] == "List tickets"


def test_validations_give_types_and_enums_and_optional_params_are_not_required(text):
    listing = {parameter["name"]: parameter for parameter in text.draft["paths"]["/tickets"]["get"]["parameters"]}
    assert listing["state"] == {
        "name": "state",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["open", "closed"]},
    }
    assert listing["page"]["schema"] == {"type": "integer"}
    assert listing["page"]["description"] == "Page number"
    [close] = text.draft["paths"]["/tickets/{id}"]["delete"]["parameters"]
    assert (close["in"], close["schema"]) == ("path", {"type": "integer"})


def test_nested_param_names_describe_the_request_body(text):
    ticket = text.draft["paths"]["/tickets"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert ticket["required"] == ["ticket"]
    fields = ticket["properties"]["ticket"]
    assert fields["required"] == ["title", "due"]
    assert fields["properties"]["labels"]["items"]["required"] == ["name"]
    assert fields["properties"]["owner"] == {"type": "string", "pattern": "^[a-z]+$"}
    assert fields["properties"]["due"] == {"type": "string", "example": "2022/06/07"}  # not a date: slashes


def test_request_headers_hint_security_and_error_codes_become_responses(text):
    listing = text.draft["paths"]["/tickets"]["get"]
    assert listing["security"] == [{"XApiKey": []}]
    assert text.draft["components"]["securitySchemes"]["XApiKey"]["name"] == "X-Api-Key"
    assert listing["description"] == "Only signed-in users"
    assert text.draft["paths"]["/tickets"]["post"]["responses"]["422"] == {"description": "Invalid ticket"}


def test_elided_and_unquoted_examples_are_read_leniently_and_reported(text):
    tickets = text.draft["paths"]["/tickets"]["get"]["responses"]["200"]["content"]["application/json"]
    assert tickets["example"] == {"tickets": [{"id": 1, "title": "Broken", "closed_at": None}]}
    kinds = sorted(problem.kind for problem in text.problems if problem.line == 10)
    assert kinds == [Kind.ASSUMED, Kind.LENIENT_EXAMPLE, Kind.LENIENT_EXAMPLE]  # the status of its success, too
    messages = [problem.message for problem in text.problems]
    assert "path /api/v3}/tickets has unpaired braces: read as /api/v3/tickets" in messages
    assert any("ticket[priority] is documented as string but the example shows integer" in m for m in messages)


def test_invalid_examples_and_stray_lines_are_reported_not_raised():
    result = import_documents([SAMPLES / "malformed.apipie.txt"])
    validate(result.draft)
    kinds = sorted(str(problem.kind) for problem in result.problems)
    assert kinds == ["assumed", "invalid-example", "invalid-example", "skipped"]
    body = result.draft["paths"]["/notes"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"]["properties"]["note"] == {"type": "object"}  # from the params alone
    assert "example" not in body


def test_an_html_page_reads_like_its_text(page):
    [document] = page.documents
    assert document.format == "apipie"
    validate(page.draft)
    show = page.draft["paths"]["/tickets/{id}"]["get"]
    assert (show["summary"], show["description"]) == ("Show a ticket", "Only the ticket's owner sees it.")
    parameters = {parameter["name"]: parameter for parameter in show["parameters"]}
    assert parameters["id"]["schema"] == {"type": "integer"}
    # `nil allowed`: null is one of its values (in OpenAPI 3.0.3 an enum without null refuses it)
    assert parameters["expand"]["schema"] == {"type": "string", "enum": ["labels", "owner", None], "nullable": True}
    assert show["security"] == [{"XApiKey": []}]
    assert show["responses"]["404"] == {"description": "No such ticket"}
    assert document.operations[0].line == 14  # lines are the page's own


def test_recorded_examples_give_bodies_statuses_and_query_parameters(page):
    show = page.draft["paths"]["/tickets/{id}"]["get"]
    body = show["responses"]["200"]["content"]["application/json"]
    assert body["example"]["title"] == "Broken & late"
    assert body["schema"]["properties"]["reporter"]["format"] == "email"
    assert documented(page.draft["paths"]["/tickets/{id}"]["delete"]["responses"]) == {
        "204": {"description": "No Content"}}
    assert page.problems == []  # 'Supported Formats' is known and says nothing the examples do not


def test_html_trees_close_elements_as_browsers_do_and_keep_pre_verbatim():
    root = parse_html('<table><tr><td>a<td><ul><li><p>One</p><li>Two</ul><tr><td>b</table><pre>{\n  "a": 1\n}</pre>')
    rows = [element for element in root.walk() if element.tag == "tr"]
    assert [[cell.text() for cell in row.elements()] for row in rows] == [["a", "One Two"], ["b"]]
    assert [item.text() for item in root.walk() if item.tag == "li"] == ["One", "Two"]
    assert next(element for element in root.walk() if element.tag == "pre").raw_text() == '{\n  "a": 1\n}'


def test_html_nesting_is_bounded():
    root = parse_html("<div>" * 10_000 + "deep" + "</div>" * 10_000)
    deepest, stack = 0, [(root, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node.elements())
    assert deepest <= MAX_DEPTH
    shallow = parse_html("<div>" * 100 + "kept" + "</div>" * 100)
    assert shallow.text() == "kept"  # content below the copied depth is kept as text


def test_navigation_is_not_content_and_validations_in_paragraphs_are_read():
    result = import_documents([SAMPLES / "projects.apipie.html"])
    text = repr(result.draft)
    assert "»" not in text and "«" not in text and "Workbench v1" not in text and "Copyright" not in text
    update = result.draft["paths"]["/projects/{id}"]["put"]
    assert update["description"] == "Only the project's owners may change it."
    body = update["requestBody"]["content"]["application/json"]["schema"]["properties"]["project"]
    assert body["properties"]["name"] == {"type": "string", "description": "A name the team will recognise"}
    assert body["properties"]["member_ids"] == {"type": "array", "items": {"type": "integer"}}
    assert "Validations" not in text and "Must be" not in text  # read as schemas, not glued onto descriptions


def test_examples_under_a_repeated_base_path_are_examples_not_operations():
    result = import_documents([SAMPLES / "projects.apipie.html"])
    assert [operation.title for operation in result.documents[0].operations] == [
        "PUT /api/v1/projects/:id",
        "PATCH /api/v1/projects/:id",
        "DELETE /api/v1/projects/:id",
    ]
    assert all(path.startswith("/projects") for path in result.draft["paths"])
    patch = result.draft["paths"]["/projects/{id}"]["patch"]
    assert patch["responses"]["200"]["content"]["application/json"]["example"]["name"] == "Ledger"


def test_a_validation_pattern_python_cannot_compile_is_reported_and_left_out():
    from specmock.importers.apipie_rules import validation
    from specmock.importers.model import Field

    reported, found = [], Field("code")
    validation(found, r"Must match regular expression /\h{4}/.", 7, lambda *problem: reported.append(problem))
    assert found.schema == {"type": "string"}
    assert [(kind, line) for kind, _, line in reported] == [(Kind.SKIPPED, 7)]
    validation(found, r"Must match regular expression /\A[a-z]+\z/.", 8, lambda *problem: reported.append(problem))
    assert found.schema == {"type": "string", "pattern": "^[a-z]+$"}


def test_a_status_code_written_in_superscript_digits_is_text_not_a_code():
    """``4²²`` passes Python's ``isdigit`` but is no status code: it is read as a description."""
    from specmock.importers.apipie_rules import errors

    assert errors([(1, "4\u00b2\u00b2 Invalid ticket")]) == []
    assert [response.status for response in errors([(1, "422 Invalid ticket")])] == [422]
