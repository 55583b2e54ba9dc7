"""Connexion's routing decision, read from its own router and taken in one pass.

Connexion's ``RoutingMiddleware`` holds a Starlette router: one ``Mount`` per API base path (the
most specific first), each mounting a router of one ``Route`` per path and method whose endpoint
names the operation; APIs that share a base path are chained as each router's ``default``.
Reaching an operation through it walks two routers, builds a child scope per level and copies the
scope; :class:`RouteTable` keeps the same compiled patterns, convertors, methods and order, and
answers the one question the request path asks: which operation does this request reach, with which
path values, *when Starlette would take that route* (a full match). Everything else (no route, a
method the path does not take, a trailing-slash redirect) is left to Connexion's router itself.

``CROSS_CHECK`` (on in the tests) asks Connexion's router too for every request and compares.
"""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass

from connexion.middleware.routing import RoutingOperation
from starlette._utils import get_route_path
from starlette.exceptions import HTTPException
from starlette.routing import Mount, Route, Router
from starlette.types import Scope

CROSS_CHECK = False
PROBE = "specmock_route_probe"  # in a scope's extensions: the operation layer notes the route, answers nothing


@dataclass(frozen=True)
class _Route:
    pattern: re.Pattern[str]
    convertors: dict[str, t.Any]
    methods: frozenset[str]
    operation_id: str | None


@dataclass(frozen=True)
class _Router:
    routes: tuple[_Route, ...]
    by_method: dict[str, tuple[_Route, ...]]  # the routes that take each method, in order

    @classmethod
    def of(cls, routes: tuple[_Route, ...]) -> _Router:
        methods = {method for route in routes for method in route.methods}
        return cls(routes, {method: tuple(r for r in routes if method in r.methods) for method in methods})


@dataclass(frozen=True)
class _Api:
    """One mount: its pattern, and its routers in the order the ``default`` chain tries them."""

    pattern: re.Pattern[str]
    convertors: dict[str, t.Any]
    routers: tuple[_Router, ...]


class Routed(t.NamedTuple):
    operation_id: str
    api_base_path: str
    path_params: dict[str, t.Any]


class RouteTable:
    def __init__(self, router: Router) -> None:
        apis = []
        for mount in router.routes:
            if not isinstance(mount, Mount):
                raise TypeError(f"Connexion's router holds a {type(mount).__name__}, not a Mount")
            routers, inner = [], mount.app
            while isinstance(inner, Router):
                routers.append(_Router.of(tuple(_route(route) for route in inner.routes)))
                inner = inner.default
            apis.append(_Api(mount.path_regex, mount.param_convertors, tuple(routers)))
        self.apis = tuple(apis)

    def match(self, scope: Scope) -> Routed | None:
        """The operation Connexion's router would hand ``scope`` to, or None where it would not reach
        one at once (no route, a partial match, a redirect)."""
        path = get_route_path(scope)
        for api in self.apis:
            found = api.pattern.match(path)
            if found is None:
                continue
            params = found.groupdict()
            rest = "/" + params.pop("path")
            params = {name: api.convertors[name].convert(value) for name, value in params.items()}
            return _in_api(api, rest, path[:len(path) - len(rest)], params, scope["method"])
        return None


def _route(route: t.Any) -> _Route:
    if not isinstance(route, Route) or not isinstance(route.endpoint, RoutingOperation) or not route.methods:
        raise TypeError(f"Connexion's API router holds {route!r}, not a Route to an operation")
    return _Route(route.path_regex, route.param_convertors, frozenset(route.methods), route.endpoint.operation_id)


def _in_api(api: _Api, path: str, base: str, params: dict[str, t.Any], method: str) -> Routed | None:
    last = len(api.routers) - 1
    for number, router in enumerate(api.routers):
        # Starlette takes the first route that matches the path and takes the method (a full match),
        # wherever it stands among routes that match the path only (partial matches).
        for route in router.by_method.get(method, ()):
            found = route.pattern.match(path)
            if found is None:
                continue
            if route.operation_id is None:
                return None
            values = {name: route.convertors[name].convert(value) for name, value in found.groupdict().items()}
            return Routed(route.operation_id, base, {**params, **values})
        # The next router of the chain is asked only when no route of this one matches the path
        # (else Starlette answers 405) and none matches its other spelling (else it redirects).
        if number == last or any(route.pattern.match(path) for route in router.routes):
            return None
        if path != "/":
            toggled = path.rstrip("/") if path.endswith("/") else path + "/"
            if any(route.pattern.match(toggled) for route in router.routes):
                return None
    return None


# -- the cross-check (tests) -----------------------------------------------------------------------------


async def connexion_route(routing: t.Any, scope: Scope) -> tuple[str, dict[str, t.Any]] | None:
    """The operation and path values Connexion's router (``routing``, its ``RoutingMiddleware``)
    gives ``scope``, or None where it reaches no operation: asked of the router itself, on a copy of
    the scope that the operation layer notes instead of answering (``OperationMiddleware``)."""
    probe: dict[str, t.Any] = {}
    copy = dict(scope, extensions={PROBE: probe}, path_params={})

    async def nothing() -> dict[str, t.Any]:  # pragma: no cover - the probe reads no body
        return {"type": "http.disconnect"}

    async def ignore(message: t.Any) -> None:
        pass

    try:
        await routing(copy, nothing, ignore)
    except HTTPException:  # a method this path does not take (405)
        return None
    return (probe["operation_id"], probe["path_params"]) if probe.get("operation_id") else None


async def cross_check(routing: t.Any, scope: Scope, routed: Routed | None) -> None:
    ours = (routed.operation_id, routed.path_params) if routed else None
    theirs = await connexion_route(routing, scope)
    assert ours == theirs, (scope["method"], scope["path"], ours, theirs)
