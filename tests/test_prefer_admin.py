"""Steering answers (Prefer, latency), the admin API, CORS and the docs pages."""

from __future__ import annotations

import re
import time

import pytest

from specmock.engine.pipeline import parse_prefer
from specmock.engine.scope import header
from tests.conftest import BEARER, make_client

LIST = "/api/v4/content_requests?pending=true"
AUTH = {"Authentication": BEARER}
ADMIN = {"X-Specmock-Admin": "1"}  # POST and DELETE on /__admin need it (specmock/hosts.py)


def test_parse_prefer():
    assert parse_prefer('code=404, example="Image"; dynamic=true') == {"code": "404", "example": "Image",
                                                                       "dynamic": "true"}
    assert parse_prefer(None) == {} and parse_prefer("") == {}


def test_header_reads_the_first_value_as_starlette_does():
    from starlette.datastructures import Headers

    scope = {"headers": [(b"prefer", b"code=404"), (b"host", b"h\xe9"), (b"prefer", b"code=500")]}
    for name in ("prefer", "host", "missing"):
        assert header(scope["headers"], name.encode()) == Headers(scope=scope).get(name)


def test_prefer_code_returns_the_documented_example(client):
    response = client.get(LIST, headers={**AUTH, "Prefer": "code=401"})
    assert response.status_code == 401 and response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Unauthorized"
    ok = client.get(LIST, headers={**AUTH, "Prefer": "code=200"})
    assert ok.json()["meta"]["total_count"] == 5 and ok.json()["content_requests"][0]["token"] == "4c38da5893b1f793"


def test_prefer_does_not_touch_the_store(client):
    before = client.store.dump()
    body = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}
    assert client.post("/api/v4/content_requests", json=body, headers={**AUTH, "Prefer": "code=201"}).status_code == 201
    assert client.store.dump() == before


def test_prefer_example_by_name_and_unknown_names(client):
    path = "/api/v1/image_requests/bdc31c14-f807-11e3-8ef5-b2227cce2b54"
    auth = {"Authorization": 'Token token="x"'}
    assert client.get(path, headers={**auth, "Prefer": "example=Image"}).json()["name"].startswith("Ubuntu")
    unknown = client.get(path, headers={**auth, "Prefer": "example=Nope"})
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "header.Prefer"
    undocumented = client.get(path, headers={**auth, "Prefer": "code=418"})
    assert undocumented.status_code == 400 and "418" in undocumented.json()["detail"]


def test_prefer_dynamic_generates_valid_data(client):
    response = client.get(LIST, headers={**AUTH, "Prefer": "dynamic=true"})
    assert response.status_code == 200
    items = response.json()["content_requests"]
    assert items and all(len(item["token"]) == 16 for item in items)


def test_latency_option_and_prefer_latency(settings):
    with make_client(settings.replace(latency_ms=150)) as slow:
        started = time.perf_counter()
        slow.get(LIST, headers=AUTH)
        assert time.perf_counter() - started >= 0.15
    with make_client(settings) as client:
        started = time.perf_counter()
        client.get(LIST, headers={**AUTH, "Prefer": "latency=120"})
        assert time.perf_counter() - started >= 0.12
        assert client.get(LIST, headers={**AUTH, "Prefer": "latency=soon"}).status_code == 400


@pytest.mark.parametrize("prefer", ["latency=\u00b2", "latency=1\u00b3", "code=\u00b2\u00b9\u00b3"])
def test_prefer_values_with_digits_other_than_0_to_9_are_a_400(client, prefer):
    """Superscripts (``²``, a header's latin-1 reading of byte 0xB2) are digits to Python's
    ``isdigit`` but no number of milliseconds or status code."""
    import asyncio

    import httpx

    async def exchange() -> httpx.Response:  # the header's bytes as sent (the test client re-encodes them)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=client.app), base_url="http://localhost") as raw:
            return await raw.get(LIST, headers={**AUTH, "Prefer": prefer.encode("latin-1")})

    response = asyncio.run(exchange())
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "header.Prefer"


def test_admin_reset_restores_the_fixtures(client):
    client.delete("/api/v4/content_requests/1", headers=AUTH)
    assert client.get("/api/v4/content_requests/4c38da5893b1f793").status_code == 404
    reset = client.post("/__admin/reset", headers=ADMIN)
    assert reset.status_code == 200 and reset.json()["tables"]["content_requests"] == 5
    assert client.get("/api/v4/content_requests/4c38da5893b1f793").status_code == 200


def test_admin_journal_records_what_the_ui_sent(client):
    client.delete("/__admin/requests", headers=ADMIN)
    body = {"content_request": {"name": "from the UI", "recipient": "r", "prompt": "p",
                                "expiration_date": "2099/01/01"}}
    client.post("/api/v4/content_requests", json=body, headers=AUTH)
    client.get("/api/v9/missing")
    journal = client.get("/__admin/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in journal["requests"]] == [
        ("POST", "/api/v4/content_requests", 201), ("GET", "/api/v9/missing", 404)]
    assert journal["requests"][0]["body"] == body
    only_posts = client.get("/__admin/requests", params={"method": "post"}).json()
    assert only_posts["count"] == 1


def test_admin_is_refused_on_a_public_address_unless_allowed(settings):
    with make_client(settings.replace(host="0.0.0.0")) as exposed:
        response = exposed.post("/__admin/reset", headers=ADMIN)
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
        assert exposed.get("/__admin/requests").status_code == 403
    with make_client(settings.replace(host="0.0.0.0", admin=True)) as allowed:
        assert allowed.post("/__admin/reset", headers=ADMIN).status_code == 200


def test_cors_preflight_and_exposed_headers(client):
    preflight = client.options("/api/v4/content_requests", headers={
        "Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authentication, content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    response = client.get(LIST, headers={**AUTH, "Origin": "http://localhost:3000"})
    assert "x-token" in response.headers["access-control-expose-headers"].lower()


def test_cors_origin_can_be_restricted(settings):
    with make_client(settings.replace(cors_origin="http://app.test")) as client:
        allowed = client.get(LIST, headers={**AUTH, "Origin": "http://app.test"})
        assert allowed.headers["access-control-allow-origin"] == "http://app.test"
        other = client.get(LIST, headers={**AUTH, "Origin": "http://evil.test"})
        assert "access-control-allow-origin" not in other.headers


def test_landing_page_and_docs(client):
    page = client.get("/").text
    for name in ("provider_requests", "image_requests", "sharing_images", "downloads", "content_requests"):
        assert f"/docs/{name}/" in page
        assert client.get(f"/docs/{name}/").status_code == 200
        spec = client.get(f"/docs/{name}/openapi.json").json()
        assert "Contract decisions" in spec["info"]["description"]
        assert client.get(f"/docs/{name}/openapi.yaml").text.startswith("openapi: 3.0.3")
    assert client.get("/docs/unknown/openapi.json").status_code == 404


def test_journal_entries_are_numbered_timed_and_bounded(settings):
    with make_client(settings.replace(journal_size=3)) as small:
        for name in ("a", "b", "c", "d"):
            small.get(f"/api/v4/content_requests/{name * 16}")
        small.post("/api/v4/content_requests", content=b"x" * (70 * 1024),
                   headers={**AUTH, "Content-Type": "application/json"})
        entries = small.get("/__admin/requests").json()["requests"]
    assert [e["path"].rsplit("/", 1)[-1] for e in entries] == ["c" * 16, "d" * 16, "content_requests"]
    assert [e["id"] for e in entries] == [3, 4, 5]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", e["time"]) for e in entries)
    assert entries[-1]["status"] == 400 and entries[-1]["headers"] == {"content-type": "application/json"}
    assert len(entries[-1]["body"]) == 64 * 1024
