"""The app factory: ``create_app(settings, store)`` mounts every API of the contract on one
Connexion AsyncApp, with the store handed in (tests pass a memory store)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.middleware.cors import CORSMiddleware

from specmock import admin, errors, site
from specmock.auth import Authenticator, security_map
from specmock.contract import Contract
from specmock.engine import OnceDecoratedApp, middlewares
from specmock.journal import Journal, RequestLog
from specmock.jsonio import FastJSON
from specmock.middleware import Preferences, RequestGate, Services
from specmock.settings import Settings
from specmock.store import Store
from specmock.validation import VALIDATOR_MAP

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]
EXPOSED_HEADERS = ["X-token", "X-Request-Id", "ETag", "Content-Disposition", "WWW-Authenticate"]


def create_app(settings: Settings, store: Store, lifespan: Lifespan | None = None) -> OnceDecoratedApp:
    """The mock on ``store``; ``lifespan`` (optional) runs around the server's life, e.g. to close it."""
    contract = Contract(settings.apis, settings.auth)
    authenticator = Authenticator(settings.auth, settings.jwt_secret, store)
    app = OnceDecoratedApp(__name__, lifespan=lifespan, jsonifier=Jsonifier(FastJSON),
                           middlewares=middlewares(settings.validate_responses))
    for spec in contract.routing_specs():
        app.add_api(
            spec,
            resolver=Resolver(contract.handler_for),
            strict_validation=True,
            validate_responses=settings.validate_responses,
            validator_map=VALIDATOR_MAP,
            security_map=security_map(authenticator),
            swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False),
        )
    errors.install(app, contract)

    log = RequestLog(settings.journal_size)
    app.add_middleware(
        CORSMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION,
        allow_origins=[settings.cors_origin], allow_methods=["*"], allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
    )
    app.add_middleware(Journal, position=MiddlewarePosition.BEFORE_EXCEPTION, log=log)
    app.add_middleware(RequestGate, position=MiddlewarePosition.BEFORE_ROUTING, limit=settings.max_body_bytes)
    app.add_middleware(Preferences, position=MiddlewarePosition.BEFORE_SECURITY, contract=contract,
                       latency_ms=settings.latency_ms)
    app.add_middleware(Services, position=MiddlewarePosition.BEFORE_CONTEXT, contract=contract, store=store,
                       settings=settings)

    for rule, view, methods in admin.routes(settings, store, log):
        app.add_url_rule(rule, view_func=view, methods=methods)
    for rule, view in site.routes(settings, contract):
        app.add_url_rule(rule, view_func=view, methods=["GET"])
    app.contract = contract  # type: ignore[attr-defined]
    return app
