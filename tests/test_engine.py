"""The trimmed Connexion app: operations decorated once, body definitions remembered, validators
compiled once, and none of these caches growing with what clients send."""

from __future__ import annotations

import connexion.utils
import pytest
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware

from specmock import schema_check
from specmock.engine import middlewares
from tests.conftest import BEARER, FORM, PROVIDER_TOKEN

BODY = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}


def test_unused_connexion_layers_are_left_out():
    assert SwaggerUIMiddleware not in middlewares(validate_responses=True)
    assert ResponseValidationMiddleware in middlewares(validate_responses=True)
    assert ResponseValidationMiddleware not in middlewares(validate_responses=False)


def test_handlers_are_decorated_once_not_per_request(client, monkeypatch):
    client.get(f"/api/v4/content_requests/{_token(client)}")  # first request of the operation
    inspected = []
    original = connexion.utils.inspect_function_arguments
    monkeypatch.setattr(connexion.utils, "inspect_function_arguments",
                        lambda fn: inspected.append(fn) or original(fn))
    for _ in range(3):
        assert client.get(f"/api/v4/content_requests/{_token(client)}").status_code == 200
        assert client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER}).status_code == 201
    assert inspected == []


def test_request_bodies_are_still_validated_after_caching(client):
    for _ in range(2):
        response = client.post("/api/v4/content_requests", json={"content_request": {"name": 5}},
                               headers={"Authentication": BEARER})
        assert response.status_code == 400
        assert {e["field"] for e in response.json()["errors"]} >= {"body.content_request.name"}


@pytest.mark.parametrize("spelling", ["Application/JSON", "APPLICATION/json", "application/Json"])
def test_client_spellings_of_a_media_type_do_not_grow_the_caches(client, spelling):
    client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER})
    before = len(schema_check._CHECKS)
    for suffix in range(20):
        client.post("/api/v4/content_requests", content=b'{"content_request": {}}',
                    headers={"Authentication": BEARER, "Content-Type": f"{spelling}; x={suffix}"})
    assert len(schema_check._CHECKS) == before


def _token(client) -> str:
    return client.store.find("content_requests")[0]["token"]


def test_parameters_are_parsed_once_per_request_and_reach_the_handler(client, monkeypatch):
    from connexion.uri_parsing import OpenAPIURIParser

    calls = []
    original = OpenAPIURIParser.resolve_query
    monkeypatch.setattr(OpenAPIURIParser, "resolve_query",
                        lambda self, data: calls.append(data) or original(self, data))
    response = client.get("/api/v4/content_requests", params={"pending": "true", "per_page": "2", "sort_to": "asc"},
                          headers={"Authentication": BEARER})
    assert response.status_code == 200 and len(response.json()["content_requests"]) == 2
    assert len(calls) == 1
    names = [item["name"] for item in response.json()["content_requests"]]
    descending = client.get("/api/v4/content_requests", params={"pending": "true", "per_page": "2"},
                            headers={"Authentication": BEARER}).json()["content_requests"]
    assert names != [item["name"] for item in descending]  # sort_to reached the handler


def test_a_form_body_is_parsed_once_per_request(client, monkeypatch):
    from specmock.validation import UrlencodedForm

    calls = []
    original = UrlencodedForm.parse
    monkeypatch.setattr(UrlencodedForm, "parse", lambda self: calls.append(self) or original(self))
    image = client.store.find("images")[0]
    response = client.post("/api/v1/providers/b870990d-396b-46ca-a92e-ba6a63bacc61/provider_requests",
                           content=f"image_ids[]={image['id']}".encode(),
                           headers={"Authorization": PROVIDER_TOKEN, "Content-Type": FORM})
    assert response.status_code == 200 and response.json()[0]["image_id"] == image["id"]
    assert len(calls) == 1


def test_handler_arguments_are_planned_for_every_operation_but_multipart_ones(client, monkeypatch):
    from specmock import arguments

    planned = []
    original = arguments.plan_for
    monkeypatch.setattr("specmock.engine.plan_for", lambda op, *rest: planned.append(
        (op.operation_id, original(op, *rest) is not None)) or original(op, *rest))
    token = _token(client)
    client.get(f"/api/v4/content_requests/{token}")
    client.get("/api/v4/content_requests", params={"pending": "true"}, headers={"Authentication": BEARER})
    client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER})
    assert planned and all(ok for _, ok in planned), planned


def test_the_cross_check_notices_a_plan_that_differs_from_connexion(client, monkeypatch):
    from specmock.arguments import Plan

    original = Plan.arguments

    async def off_by_one(self, request, known, context):
        kwargs = await original(self, request, known, context)
        if "per_page" in kwargs:
            kwargs["per_page"] += 1
        return kwargs

    monkeypatch.setattr(Plan, "arguments", off_by_one)
    response = client.get("/api/v4/content_requests", params={"pending": "true"}, headers={"Authentication": BEARER})
    assert response.status_code == 500
