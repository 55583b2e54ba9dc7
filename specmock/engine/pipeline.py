"""The request path of every contract operation, owned here and read top to bottom.

Connexion routes the request (``RoutingMiddleware`` names the operation in the scope); then one
:class:`Pipeline`, built at start-up for that operation from what Connexion parsed, does the rest
in one call:

1. ``Prefer: latency=`` (and ``--latency``) waits; ``Prefer: code=/example=/dynamic=true`` answers
   the documented response at once;
2. security: the caller from the credential, or the document's demo caller where none is needed;
3. parameters: parsed and validated (Connexion's URI parser, specmock's validators);
4. body: media type checked, read, validated, parsed;
5. the behaviour (domain handler, generic resource or documented answer) with the parsed request;
6. the answer serialised once, with the headers the contract declares, held until the store has
   made every write durable, then sent.

A problem raised by any step is answered in the body the operation declares for its status.
"""

from __future__ import annotations

import asyncio
import inspect
import typing as t

import starlette.convertors
from connexion.exceptions import ProblemException
from connexion.middleware.abstract import SpecMiddleware
from connexion.operations import AbstractOperation
from connexion.spec import Specification
from starlette.types import ASGIApp, Receive, Scope, Send

from specmock.auth import Caller
from specmock.behaviours import Call
from specmock.behaviours.documented import Documented
from specmock.engine.requests import RequestReader
from specmock.engine.responses import Answers
from specmock.engine.routes import PROBE
from specmock.engine.scope import RawHeaders, header, operation_key
from specmock.engine.security import SecurityCheck
from specmock.problems import BadRequest

MAX_LATENCY_MS = 60_000
PipelineFactory = t.Callable[[str, AbstractOperation], "Pipeline"]


def parse_prefer(value: str | None) -> dict[str, str]:
    """``Prefer: code=404, example=Image, dynamic=true`` as a dict (RFC 7240 preferences)."""
    preferences: dict[str, str] = {}
    if not value:
        return preferences
    for part in value.replace(";", ",").split(","):
        name, _, setting = part.strip().partition("=")
        if name:
            preferences[name.strip().lower()] = setting.strip().strip('"')
    return preferences


class Pipeline:
    def __init__(self, *, reader: RequestReader, security: SecurityCheck, behaviour: t.Callable[[Call], t.Any],
                 documented: Documented, answers: Answers, store: t.Any, base_url: t.Callable[[Scope], str],
                 latency_ms: int) -> None:
        self.operation = answers.operation
        self.reader = reader
        self.security = security
        self.behaviour = behaviour
        self.documented = documented
        self.answers = answers
        self.store = store
        self.base_url = base_url
        self.latency_ms = latency_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, raw, body = await self.answer(scope, receive)
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})

    async def answer(self, scope: Scope, receive: Receive) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """(status, headers, body) of the answer to a routed request, its writes durable."""
        caller: Caller | None = None
        try:
            prefer = parse_prefer(header(scope["headers"], b"prefer"))
            if prefer or self.latency_ms:
                await self._wait(prefer)
            if prefer and ({"code", "example"} & prefer.keys() or prefer.get("dynamic") == "true"):
                status, media_type, body = self.documented.response(prefer.get("code"), prefer.get("example"),
                                                                    prefer.get("dynamic") == "true")
                headers = {"Content-Type": media_type} if media_type and body is not None else {}
                result = (body, status, headers) if isinstance(body, (bytes, str)) else (body, status)
                caller = self.security.demo
                answer = self.answers.answer(result, caller)
            else:
                request = self.reader.request(scope)
                caller = self.security.caller(RawHeaders(scope["headers"]), request) if self.security.needed \
                    else self.security.demo
                self.reader.check_parameters(request)
                answer = await self._handle(scope, receive, request, caller)
        except ProblemException as problem:
            answer = self.answers.problem(problem, scope["path"], caller)
        except UnicodeDecodeError as error:
            problem = BadRequest.for_field("body", "encoding", f"the request is not valid UTF-8: {error.reason}")
            answer = self.answers.problem(problem, scope["path"], caller)
        return answer

    async def _handle(self, scope: Scope, receive: Receive, request: t.Any, caller: Caller) -> tuple[int, t.Any, bytes]:
        body = await self.reader.body(scope, receive)
        call = Call(self.operation, request, body, caller, self.store, self.base_url(scope))
        try:
            result = self.behaviour(call)
            if inspect.isawaitable(result):
                result = await result
            return self.answers.answer(result, caller)  # serialised now: later writes cannot change it
        finally:
            # Nothing awaited between the behaviour and here: the request's writes are one group, and
            # no answer leaves before they are durable (StorageUnavailable: 507, and they are undone).
            await self.store.flush()

    async def _wait(self, prefer: dict[str, str]) -> None:
        delay = self.latency_ms
        if "latency" in prefer:
            if not (prefer["latency"].isascii() and prefer["latency"].isdigit()):
                raise BadRequest.for_field("header.Prefer", "latency", "latency must be milliseconds (an integer)")
            delay = min(int(prefer["latency"]), MAX_LATENCY_MS)
        if delay:
            await asyncio.sleep(delay / 1000)


class NumberConvertor(starlette.convertors.FloatConvertor):
    """A ``type: number`` path parameter as JSON writes numbers, exponent included (``2.5e3``):
    Connexion's convertor takes only digits and a point."""

    regex = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"


class AnyPathConvertor(starlette.convertors.PathConvertor):
    """The rest of a path, line breaks included: Connexion mounts each API at its base path with
    Starlette's ``{path:path}``, whose ``.*`` stops at a line break, so a path value holding an
    encoded one (``/notes/a%0Ab``) reached no operation."""

    regex = r"(?s:.*)"


class OperationMiddleware(SpecMiddleware):
    """Runs the pipeline of the operation Connexion's router matched; other requests (the docs site,
    the admin API) go on to the next app."""

    def __init__(self, app: ASGIApp, *, factory: PipelineFactory) -> None:
        self.app = app
        self.factory = factory
        self.pipelines: dict[str, Pipeline] = {}

    def add_api(self, specification: Specification, **kwargs: t.Any) -> None:
        # Runs before the router compiles its routes (Connexion adds the APIs innermost first).
        starlette.convertors.register_url_convertor("float", NumberConvertor())
        starlette.convertors.register_url_convertor("path", AnyPathConvertor())
        for path, item in specification.get("paths", {}).items():
            for method in item:
                if method not in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
                    continue
                operation = specification.operation_cls.from_spec(
                    specification, path=path, method=method, resolver=kwargs["resolver"],
                    uri_parser_class=kwargs.get("uri_parser_class"))
                self.pipelines[operation.operation_id] = self.factory(operation.operation_id, operation)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        probe = scope.get("extensions", {}).get(PROBE) if scope["type"] == "http" else None
        if probe is not None:  # routes.connexion_route asks where Connexion's router took a request
            probe.update(operation_id=operation_key(scope), path_params=dict(scope.get("path_params", {})))
            return
        pipeline = self.pipelines.get(operation_key(scope)) if scope["type"] == "http" else None
        if pipeline is None:
            await self.app(scope, receive, send)
            return
        await pipeline(scope, receive, send)
