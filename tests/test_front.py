"""The front door (``specmock.engine.front``): a request for an operation goes straight to its
pipeline, and gets the answer Connexion's whole stack gives it; every other request goes through
that stack. The Connexion and Starlette internals the front door asks are pinned here."""

from __future__ import annotations

import pytest
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.routing import RoutingMiddleware, RoutingOperation
from starlette._exception_handler import _lookup_exception_handler
from starlette.routing import Mount, Route, Router

from specmock.engine import routes
from specmock.engine.front import FrontDoor
from specmock.settings import Settings
from tests.conftest import BEARER, FORM, PROVIDER_TOKEN, make_client

PROVIDER = "b870990d-396b-46ca-a92e-ba6a63bacc61"
BODY = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}
FRONTEND = "http://localhost:3000"
# Values that differ from one answer to the next whichever way the request went.
_CHANGING = {"date", "x-token", "etag", "location", "content-length", "x-request-id"}
_NEW = {"token", "link_for_copy", "created_at", "updated_at", "time"}


def _requests(token: str, image: str) -> list[tuple[str, str, dict]]:
    auth = {"Authentication": BEARER}
    json, upper = ({**auth, "Content-Type": kind} for kind in ("application/json", "APPLICATION/JSON"))
    return [
        ("GET", "/api/v4/content_requests", {"params": {"pending": "true"}, "headers": auth}),
        ("GET", "/api/v4/content_requests", {"params": {"pending": "maybe"}, "headers": auth}),
        ("GET", "/api/v4/content_requests", {"params": {"nope": "1"}, "headers": auth}),
        ("GET", "/api/v4/content_requests", {"headers": {"Authorization": BEARER}}),
        ("GET", f"/api/v4/content_requests/{token}", {}),
        ("HEAD", f"/api/v4/content_requests/{token}", {}),
        ("GET", f"/api/v4/content_requests/{token}", {"headers": {"Origin": FRONTEND}}),
        ("GET", f"/api/v4/content_requests/{token}", {"headers": {"Origin": "http://elsewhere.test"}}),
        ("GET", "/api/v4/content_requests/0000000000000000", {}),
        ("GET", f"/api/v4/content_requests/{token}", {"headers": {"Prefer": "code=404"}}),
        ("GET", f"/api/v4/content_requests/{token}", {"headers": {"Prefer": "latency=soon"}}),
        ("POST", "/api/v4/content_requests", {"json": {"content_request": {"name": 5}}, "headers": auth}),
        ("POST", "/api/v4/content_requests", {"content": b"{", "headers": json}),
        ("POST", "/api/v4/content_requests", {"content": b"\xff", "headers": json}),
        ("POST", "/api/v4/content_requests", {"content": b"x", "headers": {**auth, "Content-Type": "text/csv"}}),
        ("POST", "/api/v4/content_requests", {"content": b"{}", "headers": upper}),
        ("POST", "/api/v4/content_requests", {"json": BODY, "headers": auth}),
        ("POST", f"/api/v1/providers/{PROVIDER}/provider_requests",
         {"content": f"image_ids[]={image}", "headers": {"Authorization": PROVIDER_TOKEN, "Content-Type": FORM}}),
        ("POST", f"/api/v1/providers/{PROVIDER}/provider_requests",
         {"content": "image_ids[]=a,b", "headers": {"Authorization": PROVIDER_TOKEN, "Content-Type": FORM}}),
        ("DELETE", "/api/v4/content_requests", {"headers": auth}),
        ("GET", "/api/v4/nowhere", {}),
        ("GET", "/api/v4/content_requests/", {"headers": auth}),
        ("OPTIONS", "/api/v4/content_requests",
         {"headers": {"Origin": FRONTEND, "Access-Control-Request-Method": "POST"}}),
        ("GET", "/api/v4/content_requests", {"headers": {**auth, "Host": "evil.test"}}),
    ]


def _answers(fast: bool, settings: Settings) -> list[tuple[int, dict, object]]:
    with make_client(settings) as client:
        client.app.front.fast = fast
        token = client.store.find("content_requests")[0]["token"]
        image = client.store.find("images")[0]["id"]
        answers = []
        for method, path, options in _requests(token, image):
            response = client.request(method, path, **options)
            headers = {name: ("…" if name in _CHANGING else value) for name, value in response.headers.items()}
            body = response.json() if response.content and "json" in response.headers.get("content-type", "") \
                else response.content
            answers.append((response.status_code, headers, _unstamped(body)))
        answers.append((0, {}, _unstamped(client.get("/__admin/requests").json())))
        return answers


def _unstamped(body: object) -> object:
    """An answer without what is new in every created record (its token, UUID and times)."""
    if isinstance(body, list):
        return [_unstamped(item) for item in body]
    if isinstance(body, dict):
        return {key: _unstamped(value) for key, value in body.items()
                if key not in _NEW and not (key == "id" and isinstance(value, str))}  # a new UUID
    return body


@pytest.mark.parametrize("validate", [True, False], ids=["validating", "plain"])
def test_the_front_door_answers_as_connexions_stack_does(validate):
    settings = Settings(validate_responses=validate, cors_origin=FRONTEND)
    fast, stack = _answers(True, settings), _answers(False, settings)
    assert len(fast) == len(stack)
    for number, (ours, theirs) in enumerate(zip(fast, stack, strict=True)):
        assert ours == theirs, number


def test_operation_requests_skip_the_stack_and_others_go_through_it(client, monkeypatch):
    front: FrontDoor = client.app.front
    through = []
    stack = front.connexion

    async def watched(scope, receive, send):
        through.append(scope["path"])
        await stack(scope, receive, send)

    monkeypatch.setattr(front, "connexion", watched)
    token = client.store.find("content_requests")[0]["token"]
    assert client.get(f"/api/v4/content_requests/{token}").status_code == 200
    assert client.post("/api/v4/content_requests", json=BODY, headers={"Authentication": BEARER}).status_code == 201
    assert through == []
    others = [
        client.get("/__admin/requests"),
        client.get("/api/v4/nowhere"),
        client.get(f"/api/v4/content_requests/{token}", headers={"Host": "evil.test"}),
        client.post("/api/v4/content_requests", content=iter([b"{}"]),  # chunked: the gate reads it
                    headers={"Authentication": BEARER, "Content-Type": "application/json"}),
        client.options("/api/v4/content_requests", headers={"Origin": "http://localhost:3000",
                                                              "Access-Control-Request-Method": "POST"}),
    ]
    assert [response.status_code for response in others] == [200, 404, 421, 400, 200]
    assert len(through) == len(others)


def test_the_route_cross_check_notices_a_route_that_differs_from_connexion(client, monkeypatch):
    original = routes.RouteTable.match

    def elsewhere(self, scope):
        routed = original(self, scope)
        return routes.Routed(routed.operation_id, routed.api_base_path, {"token": "other"}) if routed else None

    token = client.store.find("content_requests")[0]["token"]
    assert client.get(f"/api/v4/content_requests/{token}").status_code == 200
    monkeypatch.setattr(routes.RouteTable, "match", elsewhere)
    assert client.get(f"/api/v4/content_requests/{token}").status_code == 500


# -- the internals asked, pinned ----------------------------------------------------------------------------


def test_connexions_router_is_mounts_of_routers_of_routes_to_operations(client):
    routing = next(layer for layer in client.app.middleware.middleware_stack if isinstance(layer, RoutingMiddleware))
    assert routing.router.routes and all(isinstance(mount, Mount) for mount in routing.router.routes)
    for mount in routing.router.routes:
        assert isinstance(mount.app, Router) and isinstance(mount.app.default, (Router, RoutingOperation))
        assert mount.path_regex.match(mount.path + "/x").groupdict()["path"] == "x"
        for route in mount.app.routes:
            assert isinstance(route, Route) and isinstance(route.endpoint, RoutingOperation)
            assert route.endpoint.operation_id in client.app.front.pipelines
            assert route.methods and ("GET" not in route.methods or "HEAD" in route.methods)


def test_the_stack_is_built_once_at_start_up_as_connexion_builds_it(client):
    middleware = client.app.middleware
    assert middleware.middleware_stack is not None and middleware.app is middleware.middleware_stack[0]


def test_the_exception_layer_keeps_its_handlers_where_the_front_door_reads_them(client):
    from specmock.problems import BadRequest
    from specmock.storage import StorageUnavailable

    layer = next(layer for layer in client.app.middleware.middleware_stack if isinstance(layer, ExceptionMiddleware))
    handlers = layer._exception_handlers
    assert isinstance(layer._status_handlers, dict)
    assert _lookup_exception_handler(handlers, StorageUnavailable("full")) is handlers[StorageUnavailable]
    assert _lookup_exception_handler(handlers, BadRequest("x")) is not handlers[Exception]
    assert _lookup_exception_handler(handlers, KeyError("x")) is handlers[Exception]


def test_an_unexpected_error_on_the_front_door_is_connexions_500_problem(client, monkeypatch):
    front: FrontDoor = client.app.front
    token = client.store.find("content_requests")[0]["token"]
    pipeline = next(p for key, p in front.pipelines.items() if p.operation.operation_id == "get_content_request")

    def broken(call):
        raise KeyError("boom")

    monkeypatch.setattr(pipeline, "behaviour", broken)
    response = client.get(f"/api/v4/content_requests/{token}")
    assert response.status_code == 500 and response.headers["content-type"] == "application/problem+json"
    assert response.headers["vary"] == "Origin"
    assert client.get("/__admin/requests").json()["requests"][-1]["status"] == 500
