"""How the mock reads what a request sends, where Connexion alone would read it otherwise: arrays
as repeated keys, numbers as JSON writes them, integers beyond 64 bits, a scalar given twice, empty
forms and optional bodies, a path value that fits no parameter, null against a nullable enum."""

from __future__ import annotations

import pytest
import yaml

from specmock.settings import Settings
from tests.conftest import make_client

CONTRACT = {
    "openapi": "3.0.3", "info": {"title": "Reading", "version": "1"},
    "paths": {
        "/things": {"post": {
            "operationId": "make", "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["tags[]"],
                                                                 "properties": {"tags[]": {"type": "array",
                                                                                           "items": {"type": "string"}},
                                                                                "note": {"type": "string"}}}},
                "application/json": {"schema": {"type": "object", "properties": {"count": {"type": "integer"}}}}}},
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"ok": {"type": "boolean"}}}, "example": {"ok": True}}}},
                "400": {"description": "no"}}}},
        "/search": {"get": {
            "operationId": "search", "parameters": [
                {"name": "tag", "in": "query", "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "mode", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}, "400": {"description": "no"}}}},
        "/scores/{value}": {"parameters": [{"name": "value", "in": "path", "required": True,
                                            "schema": {"type": "number"}}],
                            "get": {"operationId": "score", "responses": {"200": {"description": "ok"}}}},
        "/items/{id}": {
            "get": {"operationId": "item", "parameters": [{"name": "id", "in": "path", "required": True,
                                                           "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "ok"}, "400": {"description": "no"}}},
            "patch": {"operationId": "change", "parameters": [{"name": "id", "in": "path", "required": True,
                                                               "schema": {"type": "string"}}],
                      "requestBody": {"required": False, "content": {"application/json": {"schema": {
                          "type": "object"}}}},
                      "responses": {"200": {"description": "ok"}}}},
    },
}


@pytest.fixture
def reading(tmp_path):
    path = tmp_path / "reading.yaml"
    path.write_text(yaml.safe_dump(CONTRACT))

    handlers = tmp_path / "reading_handlers.py"
    handlers.write_text("import json, pathlib\nSEEN = []\n"
                        "def make(body):\n    SEEN.append(body)\n    return {'ok': True}, 200\n"
                        "def search(tag=None, mode=None):\n    SEEN.append({'tag': tag, 'mode': mode})\n"
                        "    return None, 200\n"
                        "def score(value):\n    SEEN.append(value)\n    return None, 200\n"
                        "def change(id, body=None):\n    SEEN.append(body)\n    return None, 200\n")
    with make_client(Settings(specs=(path,), handlers=(str(handlers),), validate_responses=True)) as client:
        import sys

        client.seen = sys.modules["specmock_user_handlers_reading_handlers"].SEEN
        yield client


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def test_a_repeated_key_is_one_item_each_even_with_a_comma(reading):
    assert reading.post("/things", content="tags[]=a,b&tags[]=c", headers=FORM).status_code == 200
    assert reading.seen[-1]["tags[]"] == ["a,b", "c"]
    assert reading.get("/search?tag=x,y&tag=z").status_code == 200
    assert reading.seen[-1]["tag"] == ["x,y", "z"]


def test_a_required_array_left_out_of_a_form_is_empty(reading):
    assert reading.post("/things", content="note=hi", headers=FORM).status_code == 200
    assert reading.seen[-1] == {"note": "hi", "tags[]": []}
    assert reading.post("/things", content="", headers=FORM).status_code == 200


def test_a_value_given_twice_for_a_one_value_parameter_is_refused(reading):
    response = reading.get("/search?mode=a&mode=b")
    assert response.status_code == 400 and response.json()["errors"][0] == {
        "field": "query.mode", "rule": "single", "message": "mode takes one value; it is given more than once"}


def test_numbers_as_json_writes_them_and_integers_beyond_64_bits(reading):
    assert reading.get("/scores/2.5e3").status_code == 200 and reading.seen[-1] == 2500.0
    big = 123456789012345678901234567890
    assert reading.post("/things", content=f'{{"count": {big}}}', headers={
        "Content-Type": "application/json"}).status_code == 200
    assert reading.seen[-1] == {"count": big}


def test_an_optional_body_may_be_left_out(reading):
    assert reading.patch("/items/abc").status_code == 200


def test_a_path_value_of_the_wrong_type_for_its_method_is_a_400_not_a_405(reading):
    response = reading.get("/items/abc")  # PATCH's route (a string id) takes the path; GET's wants an integer
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "path"
    assert reading.request("PUT", "/items/1").status_code == 405


def _nullable_contract(tmp_path, listed: bool):
    level = {"type": "string", "nullable": True, "enum": ["low", "high", None] if listed else ["low", "high"]}
    ok = {"200": {"description": "ok"}, "400": {"description": "no"}}
    spec = {"openapi": "3.0.3", "info": {"title": "Nulls", "version": "1"}, "paths": {"/picks": {
        "get": {"parameters": [{"name": "level", "in": "query", "schema": level},
                               {"name": "note", "in": "query", "schema": {"type": "integer", "nullable": True}}],
                "responses": ok},
        "post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"level": level}}}}}, "responses": ok}}}}
    path = tmp_path / "nulls.yaml"
    path.write_text(yaml.safe_dump(spec))
    return make_client(Settings(specs=(path,), validate_responses=True))


@pytest.mark.parametrize("listed", [False, True])
def test_null_meets_the_enum_of_a_nullable_schema(tmp_path, listed):
    """OpenAPI 3.0.3: `nullable` adds null to the type; an enum that does not list null refuses it.
    A query value `null` of a nullable parameter is null (Connexion's reading)."""
    with _nullable_contract(tmp_path, listed) as client:
        expected = 200 if listed else 400
        answer = client.get("/picks?level=null")
        assert answer.status_code == expected, answer.text
        if not listed:
            assert answer.json()["errors"][0]["field"] == "query.level"
            assert answer.json()["errors"][0]["rule"] == "enum"
        assert client.post("/picks", json={"level": None}).status_code == expected
        assert client.get("/picks?level=low&note=null").status_code == 200  # no enum: null is the value
        assert client.get("/picks?level=middle").status_code == 400
        assert client.get("/picks").status_code == 200  # left out: nothing to check
