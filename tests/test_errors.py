"""One error format: every 4xx is application/problem+json naming the field and the rule, no request
makes a 500, and a refused request changes nothing in the store."""

from __future__ import annotations

import pytest

from tests.conftest import BEARER, FORM, PROVIDER_TOKEN, make_client

CREATE = "/api/v4/content_requests"
PROVIDER_PATH = "/api/v1/providers/b870990d-396b-46ca-a92e-ba6a63bacc61/provider_requests"
JSON_AUTH = {"Authentication": BEARER, "Content-Type": "application/json"}
FORM_AUTH = {"Authorization": PROVIDER_TOKEN, "Content-Type": FORM}
VALID = '{"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}'

HOSTILE = [
    # (name, method, path, headers, body, expected status)
    ("malformed json", "post", CREATE, JSON_AUTH, b'{"content_request": ', 400),
    ("json array", "post", CREATE, JSON_AUTH, b"[1, 2]", 400),
    ("json null", "post", CREATE, JSON_AUTH, b"null", 400),
    ("empty body", "post", CREATE, JSON_AUTH, b"", 400),
    ("wrong content type", "post", CREATE, {**JSON_AUTH, "Content-Type": "text/plain"}, VALID.encode(), 415),
    ("xml", "post", CREATE, {**JSON_AUTH, "Content-Type": "application/xml"}, b"<a/>", 415),
    ("form to a json operation", "post", CREATE, {**JSON_AUTH, "Content-Type": FORM}, b"a=b", 415),
    ("json to a form operation", "post", PROVIDER_PATH, {**FORM_AUTH, "Content-Type": "application/json"},
     b'{"image_ids[]": []}', 415),
    ("invalid utf-8", "post", CREATE, JSON_AUTH, b'{"content_request": {"name": "\xff\xfe"}}', 400),
    ("invalid utf-8 form", "post", PROVIDER_PATH, FORM_AUTH, b"image_ids[]=\xff\xfe", 400),
    ("deep nesting", "post", CREATE, JSON_AUTH, b'{"content_request": ' + b"[" * 5000 + b"]" * 5000 + b"}", 400),
    ("nul byte in a field", "post", CREATE, JSON_AUTH, VALID.replace('"n"', '"a\\u0000b"').encode(), 201),
    ("extra property", "post", CREATE, JSON_AUTH, VALID.replace('"p",', '"p", "admin": true,').encode(), 400),
    ("wrong type", "post", CREATE, JSON_AUTH, VALID.replace('"n"', "42").encode(), 400),
    ("huge page", "get", f"{CREATE}?pending=true&page=1000000000000000000000", JSON_AUTH, None, 400),
    ("negative per_page", "get", f"{CREATE}?pending=true&per_page=-5", JSON_AUTH, None, 400),
    ("unknown query parameter", "get", f"{CREATE}?pending=true&debug=1", JSON_AUTH, None, 400),
    ("path traversal", "get", "/api/v4/content_requests/..%2F..%2F..%2Fetc%2Fpasswd", {}, None, 404),
    ("path traversal dots", "get", "/api/v1/../../etc/passwd", {}, None, 404),
    ("long id", "put", "/api/v4/content_requests/" + "9" * 4000, JSON_AUTH, VALID.encode(), 400),
    ("very long id", "put", "/api/v4/content_requests/" + "9" * 5000, JSON_AUTH, VALID.encode(), 414),
    ("long token", "get", "/api/v4/content_requests/" + "a" * 3000, {}, None, 400),
    ("very long token", "get", "/api/v4/content_requests/" + "a" * 5000, {}, None, 414),
    ("duplicate form keys", "post", "/api/v1/downloads",
     FORM_AUTH, b"id=6a9c3fd5-dc41-4ac1-a8f1-5f6b80a6359f&id=6a9c3fd5-dc41-4ac1-a8f1-5f6b80a6359f", 400),
    ("unknown route", "get", "/api/v9/anything", {}, None, 404),
    ("wrong method", "patch", "/api/v4/content_requests/1", JSON_AUTH, None, 405),
    ("nul in query", "get", f"{CREATE}?pending=true&query=a%00b", JSON_AUTH, None, 200),
    # Media types are case-insensitive (RFC 9110 8.3.1): however spelled, the body is validated.
    ("upper-case media type, invalid body", "post", CREATE, {**JSON_AUTH, "Content-Type": "APPLICATION/JSON"},
     b'{"content_request": {}}', 400),
    ("mixed-case media type, valid body", "post", CREATE,
     {**JSON_AUTH, "Content-Type": "Application/Json; charset=UTF-8"}, VALID.encode(), 201),
    ("upper-case form media type", "post", PROVIDER_PATH, {**FORM_AUTH, "Content-Type": FORM.upper()},
     b"image_ids[]=a,b", 400),
]


@pytest.mark.parametrize("name, method, path, headers, body, status", HOSTILE, ids=[case[0] for case in HOSTILE])
def test_hostile_input_gets_a_problem_and_changes_nothing(client, name, method, path, headers, body, status):
    before = client.store.dump()
    response = client.request(method, path, headers=headers, content=body)
    assert response.status_code == status, response.text
    if status >= 400:
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert {"type", "title", "status", "detail"} <= problem.keys() and problem["status"] == status
        assert client.store.dump() == before, "a refused request must not change the store"


def test_validation_errors_name_the_field_and_the_rule(client):
    body = '{"content_request": {"name": 1, "recipient": "r", "expiration_date": "June"}}'
    problem = client.post(CREATE, headers=JSON_AUTH, content=body).json()
    rules = {(error["field"], error["rule"]) for error in problem["errors"]}
    assert {("body.content_request.name", "type"), ("body.content_request.prompt", "required"),
            ("body.content_request.expiration_date", "pattern")} <= rules
    assert problem["detail"].startswith("body.content_request")


def test_405_lists_every_allowed_method(client):
    response = client.patch("/api/v4/content_requests/1")
    assert response.headers["Allow"] == "DELETE, GET, PUT"


@pytest.mark.parametrize(("method", "path", "allow"), [
    ("PUT", "/__admin/reset", "POST"),
    ("GET", "/__admin/reset", "POST"),
    ("PUT", "/__admin/requests", "DELETE, GET, HEAD"),
    ("POST", "/", "GET, HEAD"),
])
def test_405_off_the_contract_lists_the_methods_of_the_servers_own_routes(client, method, path, allow):
    """The admin API and the docs site answer a wrong method with the methods they take, as the
    contract's paths do."""
    response = client.request(method, path, headers={"X-Specmock-Admin": "1"})
    assert response.status_code == 405 and response.headers["content-type"] == "application/problem+json"
    assert response.headers["Allow"] == allow
    assert response.json()["detail"] == f"{method} is not allowed here; allowed: {allow}"


def test_body_over_the_limit_is_413(settings):
    with make_client(settings.replace(max_body_bytes=1000)) as client:
        before = client.store.dump()
        big = VALID.replace('"p"', '"' + "p" * 2000 + '"')
        response = client.post(CREATE, headers=JSON_AUTH, content=big)
        assert response.status_code == 413 and response.headers["content-type"] == "application/problem+json"
        assert client.store.dump() == before


def test_problem_instance_is_the_request_path(client):
    assert client.get("/api/v9/x").json()["instance"] == "/api/v9/x"


def test_a_huge_rejected_value_is_not_echoed_back_whole(client):
    body = {"content_request": {"name": "x" * 100_000, "recipient": "r", "prompt": "p",
                                "expiration_date": "2099/01/01"}}
    response = client.post("/api/v4/content_requests", json=body, headers={"Authentication": BEARER})
    assert response.status_code == 400
    assert len(response.content) < 2_000
    assert response.json()["errors"][0]["field"] == "body.content_request.name"


def test_a_body_that_is_not_json_says_so_and_where(client):
    """The document's own example elides items with ``...``: the answer says the body is not JSON,
    the line and column, and shows the line."""
    body = (b'{\n  "media_files": [\n    {"name": "image", "s3_key": "s3_key", "format_type": "png", '
            b'"media_type": "photo", "size": 53324},\n    ...\n  ]\n}')
    response = client.put("/api/v4/content_requests/4c38da5893b1f793/complete", content=body,
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "not valid JSON" in detail and "line 4, column 5" in detail and "'...'" in detail, detail
    assert response.json()["errors"] == [{"field": "body", "rule": "json", "message": detail.split(": ", 1)[1]}]


@pytest.mark.parametrize(("method", "status", "allow"), [("GET", 400, None), ("DELETE", 400, None),
                                                          ("POST", 405, "DELETE, GET, PUT")])
def test_a_path_value_of_the_wrong_type_is_a_400_where_every_operation_types_it(settings, method, status, allow):
    """``/v1/pets/abc`` where each operation of ``/pets/{petId}`` takes an integer: no route of the
    router takes the value, yet the operation exists (not a 404 "No operation")."""
    from pathlib import Path

    petstore = Path(__file__).resolve().parent / "contracts" / "petstore.yaml"
    with make_client(settings.replace(specs=(petstore,))) as client:
        response = client.request(method, "/v1/pets/abc")
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    assert response.headers.get("Allow") == allow
    if status == 400:
        assert response.json()["errors"][0]["rule"] == "type"


@pytest.mark.parametrize(("headers", "content", "status", "field", "rule"), [
    (JSON_AUTH, "", 400, "body", "required"),
    ({"Authentication": BEARER, "Content-Type": "text/plain"}, VALID, 415, "header.Content-Type", "media-type"),
    ({"Authentication": BEARER}, VALID, 415, "header.Content-Type", "media-type"),
    (JSON_AUTH, '{"content_request": {"name": ' + "9" * 5000 + "}}", 400, "body", "json"),
])
def test_body_refusals_name_the_field_and_the_rule(client, headers, content, status, field, rule):
    response = client.post(CREATE, headers=headers, content=content)
    assert response.status_code == status and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [(error["field"], error["rule"]) for error in problem["errors"]] == [(field, rule)], problem
    assert "sys." not in problem["detail"]  # no advice meant for Python programmers
