"""Documents that OpenAPI's own schema lets through but no server can serve as written: each is
refused when the app is built, with a ``SpecError`` naming the file, the place and the rule (the
CLI prints it as one line, exit 2), never another exception. And YAML that JSON tools read as
strings (unquoted status codes and dates) is served as they read it."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from specmock.contract import SpecError
from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store
from tests.conftest import make_client

BASE = {
    "openapi": "3.0.3", "info": {"title": "Things", "version": "1"}, "servers": [{"url": "/v1"}],
    "paths": {"/things/{id}": {"get": {
        "operationId": "getThing",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": {"description": "One.", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"id": {"type": "integer"}}},
            "example": {"id": 1}}}}}}}},
    "components": {"securitySchemes": {"Key": {"type": "apiKey", "in": "header", "name": "X-Key"}}},
}


def document(tmp_path: Path, change) -> Path:
    spec = copy.deepcopy(BASE)
    change(spec)
    path = tmp_path / "things.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(SpecError) as refused:
        create_app(Settings(specs=(path,)), Store.memory())
    message = str(refused.value)
    assert str(path) in message and "\n" not in message, message
    return message


def _servers(url: str, variables: dict | None = None):
    return lambda spec: spec.update(servers=[{"url": url, **({"variables": variables} if variables else {})}])


def test_server_variables_take_their_defaults(tmp_path):
    path = document(tmp_path, _servers("{scheme}://api.example.com/{base}",
                                       {"scheme": {"default": "https"}, "base": {"default": "v2"}}))
    with make_client(Settings(specs=(path,))) as client:
        assert client.get("/v2/things/1").json() == {"id": 1}


def test_a_server_variable_that_is_not_declared_is_refused(tmp_path):
    message = refusal(document(tmp_path, _servers("https://api.example.com/{base}")))
    assert "servers/0/url" in message and "{base}" in message and "variables" in message


@pytest.mark.parametrize("where", ["top", "operation"])
def test_a_security_requirement_naming_no_declared_scheme_is_refused(tmp_path, where):
    def change(spec):
        target = spec if where == "top" else spec["paths"]["/things/{id}"]["get"]
        target["security"] = [{"Missing": []}]
    message = refusal(document(tmp_path, change))
    assert "'Missing'" in message and "components/securitySchemes" in message


def test_x_specmock_that_is_not_an_object_is_refused(tmp_path):
    assert "x-specmock must be an object" in refusal(document(tmp_path, lambda spec: spec.update({"x-specmock": [1]})))


@pytest.mark.parametrize("hint, rule", [({"scheme": 5}, "scheme"), ("Token", "an object"),
                                        ({"opaque": "all"}, "opaque"), ({"known-tokens": 3}, "known-tokens")])
def test_a_malformed_credential_hint_is_refused(tmp_path, hint, rule):
    def change(spec):
        spec["components"]["securitySchemes"]["Key"]["x-specmock-credential"] = hint
        spec["security"] = [{"Key": []}]
    message = refusal(document(tmp_path, change))
    assert "x-specmock-credential" in message and rule in message


def test_a_path_naming_one_parameter_twice_is_refused(tmp_path):
    def change(spec):
        spec["paths"]["/things/{id}/{id}"] = spec["paths"].pop("/things/{id}")
    message = refusal(document(tmp_path, change))
    assert "/things/{id}/{id}" in message and "twice" in message


def test_unquoted_status_codes_and_dates_are_read_as_json_tools_read_them(tmp_path):
    path = tmp_path / "things.yaml"
    path.write_text("""openapi: 3.0.3
info: {title: Things, version: '1'}
servers: [{url: /v1}]
paths:
  /things/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        200:
          description: One.
          content:
            application/json:
              schema: {type: object, properties: {id: {type: integer}, born: {type: string, format: date}}}
              example: {id: 1, born: 2020-01-02}
""")
    with make_client(Settings(specs=(path,))) as client:
        assert client.get("/v1/things/1").json() == {"id": 1, "born": "2020-01-02"}


def test_a_binary_value_is_refused(tmp_path):
    path = tmp_path / "things.yaml"
    path.write_text(yaml.safe_dump(BASE, sort_keys=False) + "x-blob: !!binary aGVsbG8=\n")
    assert "binary" in refusal(path)


def test_a_reference_loop_is_refused_naming_it(tmp_path):
    def change(spec):
        spec["components"]["schemas"] = {"A": {"$ref": "#/components/schemas/B"},
                                         "B": {"$ref": "#/components/schemas/A"}}
        spec["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
            "$ref": "#/components/schemas/A"}
    message = refusal(document(tmp_path, change))
    assert "recursion" not in message and "loop" in message


@pytest.mark.parametrize("schema, rule", [({"type": "array", "items": {"type": "integer"}, "minItems": 100_000_000},
                                           "minItems"),
                                          ({"type": "string", "minLength": 1_000_000_000}, "minLength")])
def test_a_schema_asking_for_more_than_the_mock_can_answer_is_refused(tmp_path, schema, rule):
    """Answering it would build a value of that size: the server stopped answering anyone."""
    def change(spec):
        spec["paths"]["/things/{id}"]["get"]["responses"]["200"]["content"]["application/json"] = {"schema": schema}
    message = refusal(document(tmp_path, change))
    assert rule in message and "paths" in message and "at most" in message


def test_a_document_breaking_openapis_schema_is_refused_in_one_line_naming_the_place(tmp_path):
    """``description: no`` is YAML's false: one line (``refusal`` checks it) with the place as written
    in the document, not jsonschema's report of the schema it failed."""
    message = refusal(document(tmp_path, lambda spec: spec["paths"]["/things/{id}"]["get"]["responses"]["200"]
                               .update(description=False)))
    assert "not a valid OpenAPI 3.0 document: at paths /things/{id} get responses 200: " in message, message
    assert "Failed validating" not in message
