"""Connexion's AsyncApp, trimmed for a mock that answers thousands of requests a second.

Connexion 3.3 redoes per request work that depends only on the operation: it wraps the handler in
its parameter and response decorators and builds the operation's URI parser on *every* request
(``AsyncOperation.fn`` is a property that decorates anew, inspecting the handler's signature each
time), and it rebuilds an operation's request body definition (schema with its definitions) each
time a middleware asks for it, which the request validator, the parameter decorator and the
routing do on every request. ``OnceDecoratedApp`` does each of these once per operation. Within a
request, what the request validator parsed (query and path parameters, a urlencoded form) is handed
to the handler's decorator (``hand_over``) instead of being parsed a second time.

``middlewares(validate_responses)`` is Connexion's default middleware stack without the layers the
mock does not use: the Swagger UI middleware (the mock serves its own docs, see ``specmock.site``) and,
unless responses are validated, the response validation middleware; requests are validated by
validators built once per operation (``specmock.validating``).
"""

from __future__ import annotations

import asyncio
import functools
import typing as t

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp, AsyncOperation
from connexion.context import context, operation, receive, scope
from connexion.decorators import StarletteDecorator
from connexion.decorators.parameter import AsyncParameterDecorator, prep_kwargs, unwrap_decorators
from connexion.lifecycle import ConnexionRequest
from connexion.middleware import ConnexionMiddleware
from connexion.middleware.request_validation import RequestValidationMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.swagger_ui import SwaggerUIMiddleware
from connexion.operations import AbstractOperation, OpenAPIOperation
from connexion.utils import inspect_function_arguments
from starlette.types import Scope

from specmock import arguments
from specmock.arguments import Plan, plan_for
from specmock.validating import OnceValidatingMiddleware

_KNOWN = "specmock_request"


def hand_over(scope: Scope, **parsed: t.Any) -> None:
    """Hand what a request validator parsed (and found valid) to the handler's decorator, which would
    otherwise parse it again: ``query_params``, ``path_params``, ``form`` (same URI parser), ``json``."""
    scope.setdefault("extensions", {}).setdefault(_KNOWN, {}).update(parsed)


class _Parameters(AsyncParameterDecorator):
    """Connexion's parameter decorator, with the handler's arguments planned once per operation
    (``specmock.arguments``) and names sanitised once."""

    def __init__(self, **kwargs: t.Any) -> None:
        super().__init__(**kwargs)
        self.sanitize_fn = functools.lru_cache(maxsize=1024)(self.sanitize_fn)

    def __call__(self, function: t.Callable) -> t.Callable:
        generic = super().__call__(function)
        names, has_kwargs = inspect_function_arguments(unwrap_decorators(function))
        plans: list[Plan | None] = []  # built on the first request, from Connexion's current operation

        async def wrapper(request: ConnexionRequest) -> t.Any:
            if not plans:
                plans.append(plan_for(operation, names, has_kwargs, self.sanitize_fn))
            if plans[0] is None:
                return await generic(request)
            known = request.scope.get("extensions", {}).get(_KNOWN, {})
            kwargs = await plans[0].arguments(request, known, context)
            if arguments.CROSS_CHECK:
                assert kwargs == await self._connexion_arguments(request, names, has_kwargs), request.url
            return await function(**kwargs)

        return wrapper

    async def _connexion_arguments(self, request: ConnexionRequest, names: list[str], has_kwargs: bool) -> dict:
        body = self._maybe_get_body(request, arguments=names, has_kwargs=has_kwargs)
        while asyncio.iscoroutine(body):
            body = await body
        return prep_kwargs(request, request_body=body, files=await request.files(), arguments=names,
                           has_kwargs=has_kwargs, sanitize=self.sanitize_fn)


class _DecorateOnce(StarletteDecorator):
    """Connexion's Starlette decorator, decorating the handler once rather than per request."""

    @property
    def _parameter_decorator_cls(self) -> type[AsyncParameterDecorator]:
        return _Parameters

    def __call__(self, function: t.Callable) -> t.Callable:
        decorated = self.decorate(function)
        parser: list[t.Any] = []  # the operation's URI parser, built on the first request

        async def wrapper() -> t.Any:
            if not parser:
                parser.append(self.uri_parser)  # reads the current operation from Connexion's context
            request = self.framework.get_request(uri_parser=parser[0], scope=scope, receive=receive)
            # ConnexionRequest parses these on first use and keeps them; give it what is known.
            known = scope.get("extensions", {}).get(_KNOWN, {})
            for name in ("query_params", "path_params", "form"):
                if name in known:
                    setattr(request, f"_{name}", known[name])
            if request.mimetype != "multipart/form-data":
                request._files = {}  # no file parts: spare parsing a form to find none
            return await decorated(request)

        return wrapper


class _OnceOperation(AsyncOperation):
    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._decorated = _DecorateOnce(pythonic_params=self.pythonic_params, jsonifier=self.jsonifier)(self._fn)

    @property
    def fn(self) -> t.Callable:
        return self._decorated


class _OnceApi(AsyncApi):
    def make_operation(self, operation: AbstractOperation) -> AsyncOperation:
        return _OnceOperation.from_operation(operation, pythonic_params=self.pythonic_params,
                                             jsonifier=self.jsonifier)


class _OnceASGIApp(AsyncASGIApp):
    api_cls = _OnceApi


class _RememberingOperation(OpenAPIOperation):
    """An OpenAPI operation that builds its body definition once per media type: the spec does not
    change while the app runs, and a stable schema object lets validators be compiled once."""

    def body_definition(self, content_type: str | None = None) -> dict:
        if content_type is not None and content_type not in self.consumes:
            return super().body_definition(content_type)  # a client's spelling: not worth remembering
        remembered = self.__dict__.setdefault("_body_definitions", {})
        if content_type not in remembered:
            remembered[content_type] = super().body_definition(content_type)
        return remembered[content_type]


class OnceDecoratedApp(AsyncApp):
    """``connexion.AsyncApp`` whose operations are decorated once and remember their body definition."""

    def __init__(self, import_name: str, **kwargs: t.Any) -> None:
        super().__init__(import_name, **kwargs)
        self._middleware_app = _OnceASGIApp()
        self.middleware.app = self._middleware_app  # the ConnexionMiddleware wraps the app built here

    def add_api(self, specification: t.Any, **kwargs: t.Any) -> None:
        super().add_api(specification, **kwargs)
        # Every middleware builds its operations from this one Specification object.
        self.middleware.apis[-1].specification.operation_cls = _RememberingOperation


def middlewares(validate_responses: bool) -> list[type]:
    """Connexion's default stack without the layers the mock leaves unused, validating requests with
    validators built once per operation (``specmock.validating``)."""
    unused = {SwaggerUIMiddleware} | (set() if validate_responses else {ResponseValidationMiddleware})
    return [OnceValidatingMiddleware if layer is RequestValidationMiddleware else layer
            for layer in ConnexionMiddleware.default_middlewares if layer not in unused]
