"""The draft builder: merging operations and documents, paths, parameters, security hints, and the
registry that picks each document's format."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from specmock.importers.draft import build_draft
from specmock.importers.model import Body, Document, Field, Operation, Response
from specmock.importers.paths import api_prefix, drop_stray_braces, rails_to_template
from specmock.importers.problems import Kind
from specmock.importers.registry import IMPORTERS
from tests.importers.draft_facts import documented
from tests.importers.spec_shapes import SAMPLES


def document(file: str, *operations: Operation, base: str | None = None) -> Document:
    return Document(file, "test", base=base, operations=list(operations))


def create_note(file: str, line: int, field: Field, status: int) -> Operation:
    return Operation(
        "post",
        "/api/v1/notes",
        file,
        line,
        "Create a note",
        fields=[field],
        requests=[Body("application/json", [{"text": "hi"}])],
        responses=[Response(status)],
    )


def messages(problems, kind: Kind) -> list[str]:
    return [problem.message for problem in problems if problem.kind == kind]


def test_one_call_documented_in_two_files_merges_and_each_conflict_is_reported():
    draft, problems = build_draft(
        [
            document("a.md", create_note("a.md", 3, Field("text", required=True, schema={"type": "string"}), 201)),
            document("b.txt", create_note("b.txt", 9, Field("text", required=False, schema={"type": "integer"}), 200)),
        ]
    )
    validate(draft)
    operation = draft["paths"]["/notes"]["post"]
    assert list(documented(operation["responses"])) == ["200", "201"]
    assert operation["requestBody"]["content"]["application/json"]["schema"]["properties"]["text"]["type"] == "string"
    assert messages(problems, Kind.MERGED) == ["POST /notes is documented in a.md, b.txt: merged"]
    assert messages(problems, Kind.CONTRADICTION) == [
        "POST /notes: body field text is documented both as required and as optional: taken as required",
        "POST /notes: body field text is documented as string and as integer: taken as string",
    ]
    assert {(problem.file, problem.line) for problem in problems} == {("a.md", 3)}


def test_paths_that_differ_only_in_variable_names_become_one_and_their_fields_follow():
    show = Operation("get", "/things/:token", "a", 1, fields=[Field("token", required=True)], responses=[Response(200)])
    drop = Operation("delete", "/things/:id", "a", 5, fields=[Field("id", schema={"type": "integer"})])
    draft, problems = build_draft([document("a", show, drop)])
    validate(draft)
    item = draft["paths"]["/things/{token_or_id}"]
    assert item["delete"]["parameters"][0]["schema"] == {"type": "integer"}
    assert item["delete"]["parameters"][0]["description"] == "Documented as `id`."
    assert documented(item["delete"]["responses"]) == {
        "204": {"description": "No Content (assumed: the document shows no success)"}
    }
    assert "/things/{token} and /things/{id} differ only in variable names" in messages(problems, Kind.MERGED)[0]
    assert messages(problems, Kind.ASSUMED) == [
        "DELETE /things/{token_or_id}: no successful response documented: 204 No Content assumed"
    ]


def test_a_parameter_named_for_no_path_variable_is_left_out_and_operation_ids_stay_unique():
    first = Operation("get", "/a", "f", 1, "Read", fields=[Field("id", "path")], responses=[Response(200)])
    second = Operation("get", "/b", "f", 2, "Read", responses=[Response(200)])
    draft, problems = build_draft([document("f", first, second)])
    assert [draft["paths"][path]["get"]["operationId"] for path in ("/a", "/b")] == ["read", "read_2"]
    assert "parameters" not in draft["paths"]["/a"]["get"]
    assert messages(problems, Kind.SKIPPED) == ["GET /a: path parameter id is not in the path: left out"]


def test_credentials_and_transport_headers():
    response = Response(200, headers={"X-Runtime": "0.1", "Content-Length": "3", "X-Token": "t", "ETag": "e"})
    call = Operation(
        "get",
        "/me",
        "f",
        1,
        fields=[Field("Authorization", "header", schema={"example": "Basic YTpi"}), Field("Host", "header")],
        responses=[response],
    )
    draft, _ = build_draft([document("f", call)])
    operation = draft["paths"]["/me"]["get"]
    assert operation["security"] == [{"BasicAuth": []}]
    assert draft["components"]["securitySchemes"]["BasicAuth"]["scheme"] == "basic"
    assert "parameters" not in operation
    assert list(operation["responses"]["200"]["headers"]) == ["X-Token", "ETag"]


def test_documents_with_different_bases_keep_full_paths():
    one = Operation("get", "/api/v1/a", "x", 1, responses=[Response(200)])
    two = Operation("get", "/items", "y", 1, responses=[Response(200)])
    draft, problems = build_draft([document("x", one), document("y", two, base="https://h.example/api/v9")])
    assert "servers" not in draft
    assert list(draft["paths"]) == ["/api/v1/a", "/api/v9/items"]
    assert messages(problems, Kind.ASSUMED) == [
        "the documents have different base paths (/api/v1, https://h.example/api/v9): paths are kept in full"
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/api/v1/a/:id/b?x=1", "/api/v1/a/{id}/b"), ("/x/:id.json", "/x/{id}.json"), ("a", "/a")],
)
def test_rails_paths_become_templates(path, expected):
    assert rails_to_template(path) == expected


def test_stray_braces_and_api_prefixes():
    assert drop_stray_braces("/api/v4}/x/{id}") == "/api/v4/x/{id}"
    assert api_prefix("/api/v1/things/{id}") == "/api/v1"
    assert api_prefix("/api") == ""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("catalog.apib", "apiblueprint"),
        ("no_actions.apib", "apiblueprint"),
        ("orders.md", "rspec-doc"),
        ("tickets.apipie.txt", "apipie"),
        ("tickets.apipie.html", "apipie"),
        ("unfamiliar.raml", None),
    ],
)
def test_auto_picks_the_format_by_detection(name, expected):
    found = IMPORTERS.detect((SAMPLES / name).read_text(encoding="utf-8"))
    assert (found.name if found else None) == expected
    assert IMPORTERS.names() == ["apiblueprint", "apipie", "apipie-json", "rspec-doc", "rspec-json"]
