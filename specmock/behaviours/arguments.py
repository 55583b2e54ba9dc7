"""A domain handler's arguments, planned once per operation.

Connexion's parameter decorator works out, on every request, which of the operation's parameters
the handler takes, their defaults and how to cast them, then parses the JSON body a second time
(the request validator parsed it already). ``plan_for`` does that work once; each request then
only casts the values it carries, with Connexion's own casting functions, and hands over the body
the request reader parsed. Operations the plan does not cover (multipart bodies, object-valued
parameters, handlers taking ``**kwargs``) get their arguments from Connexion's own
``get_arguments`` (``connexion_arguments``). ``CROSS_CHECK`` (on in the tests) makes every planned
call also compute Connexion's arguments and compare.
"""

from __future__ import annotations

import copy
import typing as t
from dataclasses import dataclass

from connexion.decorators.parameter import (
    CONTEXT_NAME,
    _get_body_argument_json,
    _get_typed_body_values,
    _get_val_from_param,
    get_arguments,
    sanitized,
)
from connexion.http_facts import FORM_CONTENT_TYPES
from connexion.operations import AbstractOperation

from specmock.behaviours.base import Body, Request

CROSS_CHECK = False
_SIMPLE = {"string", "integer", "number", "boolean"}
_NO_DEFAULT = object()


@dataclass(frozen=True)
class _Parameter:
    name: str  # as the spec and the request say it
    argument: str  # as the handler takes it
    definition: dict
    default: t.Any = _NO_DEFAULT


@dataclass(frozen=True)
class Plan:
    operation: AbstractOperation
    path: tuple[_Parameter, ...]
    query: tuple[_Parameter, ...]
    body: str | None  # the handler's body argument, if it takes one
    forms: dict[str, _FormPlan]  # per form media type the operation consumes
    context: frozenset[str]  # the context values (store, caller, ...) the handler takes

    def arguments(self, request: Request, body: Body, context: dict) -> dict:
        kwargs = {p.argument: _get_val_from_param(request.path_params[p.name], p.definition)
                  for p in self.path if p.name in request.path_params}
        query = request.query_params
        for p in self.query:
            if p.name in query:
                kwargs[p.argument] = _get_val_from_param(query[p.name], p.definition)
            elif p.default is not _NO_DEFAULT:
                kwargs[p.argument] = _get_val_from_param(copy.deepcopy(p.default), p.definition)
        if self.body is not None:
            kwargs[self.body] = self._body(body)
        kwargs.update((key, value) for key, value in context.items() if key in self.context)
        return kwargs

    def _body(self, body: Body) -> t.Any:
        if body.media_type in FORM_CONTENT_TYPES:
            form = self.forms.get(body.media_type) or _form_plan(self.operation, body.media_type)
            return form.arguments(body.value)
        return _get_body_argument_json(body.value, operation=self.operation, content_type=body.media_type)


@dataclass(frozen=True)
class _FormPlan:
    """Connexion's ``_get_body_argument_form`` with the schema lookups done once."""

    default: dict
    properties: dict
    additional: t.Any

    def arguments(self, form: dict | None) -> dict:
        body = copy.deepcopy(self.default) if self.default else {}
        body.update(form or {})
        return _get_typed_body_values(body, self.properties, self.additional) if self.properties or self.additional \
            else {}


def _form_plan(operation: AbstractOperation, content_type: str) -> _FormPlan:
    schema = operation.body_schema(content_type)
    return _FormPlan(default=schema.get("default", {}),
                     properties={name: {"schema": prop} for name, prop in schema.get("properties", {}).items()},
                     additional=operation.body_schema().get("additionalProperties", True))


def connexion_arguments(operation: AbstractOperation, request: Request, body: Body, names: list[str],
                        has_kwargs: bool, context: dict) -> dict:
    """The handler's arguments as Connexion's parameter decorator builds them."""
    wanted = has_kwargs or sanitized(operation.body_name(body.media_type)) in names
    kwargs = get_arguments(operation, path_params=request.path_params, query_params=request.query_params,
                           body=body.value if wanted else None, files={}, arguments=names, has_kwargs=has_kwargs,
                           sanitize=sanitized, content_type=body.media_type)
    kwargs = {sanitized(key): value for key, value in kwargs.items()}
    kwargs.update((key, value) for key, value in context.items() if has_kwargs or key in names)
    return kwargs


def plan_for(operation: AbstractOperation, arguments: list[str], has_kwargs: bool,
             sanitize: t.Callable[[str], str] = sanitized) -> Plan | None:
    """The plan of an operation whose handler takes named arguments, or None to leave it to Connexion."""
    if has_kwargs or CONTEXT_NAME in arguments or (
            operation.request_body and any(media.startswith("multipart/") for media in operation.consumes)):
        return None
    path, query = [], []
    for definition in operation.parameters:
        schema = definition.get("schema", definition)
        kind = schema.get("items", {}).get("type") if schema.get("type") == "array" else schema.get("type")
        if kind not in _SIMPLE or definition["in"] not in ("path", "query", "header", "cookie"):
            return None
        argument = sanitize(definition["name"])
        if definition["in"] == "path":
            path.append(_Parameter(definition["name"], argument, definition))
        elif definition["in"] == "query" and argument in arguments:
            default = definition.get("default", schema.get("default", _NO_DEFAULT))
            query.append(_Parameter(definition["name"], argument, definition, default))
    body = sanitize(operation.body_name(operation.consumes[0])) if operation.request_body else None
    forms = {media: _form_plan(operation, media) for media in operation.consumes if media in FORM_CONTENT_TYPES}
    return Plan(operation, tuple(path), tuple(query), body if body in arguments else None, forms,
                frozenset(arguments))
