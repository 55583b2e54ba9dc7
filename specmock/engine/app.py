"""The app factory: ``create_app(settings, store)`` serves a contract (the settings' documents, or
the bundled one) on one Connexion AsyncApp, with the store handed in (tests pass a memory store).

What the app takes from Connexion: its router (``RoutingMiddleware``), its exception layer, its
response validation (with ``--validate-responses``), its lifespan handling and its operation
parsing. Everything else a request goes through is ``specmock.engine.pipeline``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from connexion import AsyncApp
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.operations import AbstractOperation
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import Receive, Scope, Send

from specmock import admin, errors, site
from specmock.auth import Authenticator, Caller, Credential, credentials_of, demo_caller
from specmock.behaviours import Behaviours
from specmock.contract import Contract
from specmock.engine.front import FrontDoor
from specmock.engine.journal import Journal, RequestLog
from specmock.engine.middleware import RequestGate
from specmock.engine.pipeline import OperationMiddleware, Pipeline
from specmock.engine.requests import RememberingOperation, RequestReader
from specmock.engine.responses import Answers
from specmock.engine.scope import header
from specmock.engine.security import SecurityCheck
from specmock.engine.uri import RepeatedKeysURIParser
from specmock.engine.validators import VALIDATOR_MAP
from specmock.fixtures import seed_tables
from specmock.hosts import ApiCORS, HostGuard, HostPolicy
from specmock.jsonio import FastJSON
from specmock.settings import Settings
from specmock.store import Store

Lifespan = Callable[[Any], AbstractAsyncContextManager[None]]
EXPOSED_HEADERS = ["X-token", "X-Request-Id", "ETag", "Content-Disposition", "WWW-Authenticate", "Location"]


def _not_routed(*args: Any, **kwargs: Any) -> None:  # pragma: no cover - the pipeline answers every operation
    raise RuntimeError("contract operations are answered by specmock's pipeline")


class SpecmockApp(AsyncApp):
    """Connexion's AsyncApp with the contract, its behaviours and its credentials at hand."""

    contract: Contract
    behaviours: Behaviours
    credentials: dict[str, dict[str, Credential]]
    demo_callers: dict[str, Caller]

    front: FrontDoor | None = None

    def add_api(self, specification: Any, **kwargs: Any) -> None:
        super().add_api(specification, **kwargs)
        # Every middleware builds its operations from this one Specification object.
        self.middleware.apis[-1].specification.operation_cls = RememberingOperation

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await (self.front or self.middleware)(scope, receive, send)


# Connexion warns, for every operation that takes several media types, that it "uses" the first:
# specmock reads each media type with its own schema (specmock.engine.requests), so the warning misleads.
logging.getLogger("connexion.operations.openapi3").setLevel(logging.ERROR)


def create_app(settings: Settings, store: Store, lifespan: Lifespan | None = None,
               contract: Contract | None = None) -> SpecmockApp:
    """The mock on ``store``; ``lifespan`` (optional) runs around the server's life, e.g. to close it."""
    contract = contract or Contract.load(list(settings.contract_sources), settings.auth)
    behaviours = Behaviours(contract, settings.handlers)
    authenticator = Authenticator(settings.auth, settings.jwt_secret, store)
    credentials = {name: credentials_of(document) for name, document in contract.documents.items()}
    demos = {name: demo_caller(document, credentials[name], authenticator)
             for name, document in contract.documents.items()}

    def base_url(scope: Scope) -> str:
        if settings.public_url:
            return settings.public_url.rstrip("/")
        host = header(scope["headers"], b"host") or f"{settings.host}:{settings.port}"
        return f"{scope.get('scheme', 'http')}://{host}"

    def pipeline(key: str, connexion_operation: AbstractOperation) -> Pipeline:
        operation = contract.operations[key]
        name = operation.document.name
        query_credentials = [c.field for c in credentials[name].values() if c.location == "query"]
        return Pipeline(
            reader=RequestReader(connexion_operation, strict=True, security_query_params=query_credentials),
            security=SecurityCheck(operation.security(), credentials[name], authenticator, demos[name]),
            behaviour=behaviours.for_operation(operation, connexion_operation),
            documented=behaviours.documented(operation),
            answers=Answers(operation, behaviours.shapers[name], settings.jwt_secret),
            store=store, base_url=base_url, latency_ms=settings.latency_ms,
        )

    stack: list[Any] = [ServerErrorMiddleware, ExceptionMiddleware, RoutingMiddleware]
    if settings.validate_responses:
        stack.append(ResponseValidationMiddleware)
    stack += [LifespanMiddleware, functools.partial(OperationMiddleware, factory=pipeline)]
    app = SpecmockApp(__name__, lifespan=lifespan, jsonifier=Jsonifier(FastJSON), middlewares=stack)
    for spec in contract.routing_specs():
        app.add_api(spec, resolver=Resolver(lambda _operation_id: _not_routed), strict_validation=True,
                    uri_parser_class=RepeatedKeysURIParser,
                    validate_responses=settings.validate_responses, validator_map=VALIDATOR_MAP,
                    swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=False))

    log = RequestLog(settings.journal_size)
    # Outermost: foreign Host and foreign admin requests are refused before CORS, journal or routing see them.
    # The policy is read now: a wrong --allowed-host stops the start, not the first request.
    app.add_middleware(HostGuard, position=MiddlewarePosition.BEFORE_EXCEPTION, settings=settings,
                       policy=HostPolicy.from_settings(settings))
    app.add_middleware(
        ApiCORS, position=MiddlewarePosition.BEFORE_EXCEPTION,
        allow_origins=[settings.cors_origin], allow_methods=["*"], allow_headers=["*"],
        expose_headers=EXPOSED_HEADERS,
    )
    app.add_middleware(Journal, position=MiddlewarePosition.BEFORE_EXCEPTION, log=log)
    app.add_middleware(RequestGate, position=MiddlewarePosition.BEFORE_ROUTING, limit=settings.max_body_bytes)

    def seed() -> None:
        """Replace everything in the store with the seed data."""
        store.replace_all(seed_tables(contract, behaviours, settings.fixtures,
                                      {name: caller.key for name, caller in demos.items()}))

    if not store.tables():
        seed()
    own = [*admin.routes(settings, store, log, seed),
           *((rule, view, ["GET"]) for rule, view in site.routes(settings, contract, behaviours, credentials,
                                                                  authenticator))]
    for rule, view, methods in own:
        app.add_url_rule(rule, view_func=view, methods=methods)
    errors.install(app, contract, [(rule, methods) for rule, _, methods in own])
    app.contract, app.behaviours, app.credentials, app.demo_callers = contract, behaviours, credentials, demos
    app.seed = seed  # type: ignore[method-assign]
    app.front = FrontDoor(app.middleware)  # the stack is complete: built now, entered here
    return app
