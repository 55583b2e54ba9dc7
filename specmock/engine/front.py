"""The server's entrance: a request for a contract operation goes straight to its pipeline.

Connexion's stack, as the app builds it, hands every request through a dozen layers, each wrapping
``send`` or ``receive`` in a closure of its own: the server-error layer, ``HostGuard``, CORS, the
journal, the exception layer, the gate, the router's two levels, the lifespan layer, the operation
layer. For the common request (an operation of the contract, a ``Host`` that names this server, no
preflight, a body within the limits), :class:`FrontDoor` does what those layers would do, in one
call, *by asking them*: the guard's verdict (``HostGuard.refusal``), the gate's
(``RequestGate.passes``), the route Connexion's router would take (``RouteTable``), the CORS
headers of the app's own ``ApiCORS``, the exception handlers of Connexion's exception layer, the
response validation of Connexion's validator (``--validate-responses``), the journal's log. Every
other request (refused, preflighted, chunked, unrouted, the docs, the admin API) goes through the
whole stack as before, so each verdict is the stack's.
"""

from __future__ import annotations

import typing as t

from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.main import ConnexionMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware, ResponseValidationOperation
from connexion.middleware.routing import RoutingMiddleware
from starlette._exception_handler import _lookup_exception_handler
from starlette._utils import is_async_callable
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Message, Receive, Scope, Send

from specmock.engine import routes
from specmock.engine.journal import BODY_LIMIT, Journal, recording_of
from specmock.engine.middleware import RequestGate
from specmock.engine.pipeline import OperationMiddleware, Pipeline
from specmock.engine.routes import RouteTable
from specmock.engine.validators import VALIDATOR_MAP
from specmock.hosts import ApiCORS, HostGuard, is_admin

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]
_ANSWER = "specmock_answer"

L = t.TypeVar("L")


def built_stack(connexion: ConnexionMiddleware) -> list[t.Any]:
    """Connexion's middleware stack, built now rather than on the first request (as its
    ``__call__`` would: the same two attributes)."""
    if connexion.middleware_stack is None:
        connexion.app, connexion.middleware_stack = connexion._build_middleware_stack()
    return list(connexion.middleware_stack)


def _layer(stack: list[t.Any], kind: type[L]) -> L:
    found = [layer for layer in stack if isinstance(layer, kind)]
    if len(found) != 1:
        raise RuntimeError(f"the app's stack holds {len(found)} {kind.__name__} layers, not one")
    return found[0]


class FrontDoor:
    def __init__(self, connexion: ConnexionMiddleware) -> None:
        stack = built_stack(connexion)
        self.connexion = connexion
        self.guard = _layer(stack, HostGuard)
        self.cors = _layer(stack, ApiCORS)
        self.log = _layer(stack, Journal).log
        self.exceptions = _layer(stack, ExceptionMiddleware)
        self.gate = _layer(stack, RequestGate)
        self.routing = _layer(stack, RoutingMiddleware)
        self.routes = RouteTable(self.routing.router)
        self.pipelines: dict[str, Pipeline] = _layer(stack, OperationMiddleware).pipelines
        validating = any(isinstance(layer, ResponseValidationMiddleware) for layer in stack)
        # Connexion's response validator per operation, handed the answer by ``_emit``.
        self.checks = {key: ResponseValidationOperation(_emit, operation=pipeline.reader.operation,
                                                        validator_map=VALIDATOR_MAP)
                       for key, pipeline in self.pipelines.items()} if validating else None
        self.fast = True  # False: every request through Connexion's whole stack (tests compare the two)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plain = self.fast and self._plain(scope)
        routed = self.routes.match(scope) if plain else None
        if plain and routes.CROSS_CHECK:
            await routes.cross_check(self.routing, dict(scope, app=self.connexion), routed)
        if routed is None:
            await self.connexion(scope, receive, send)
            return
        scope["app"] = self.connexion
        scope.setdefault("path_params", {}).update(routed.path_params)
        scope.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {}).update(
            {"api_base_path": routed.api_base_path, "operation_id": routed.operation_id})
        recording = Journal.records(scope)
        chunks: list[bytes] = []
        status: int | None = None
        if recording:
            receive = recording_of(receive, chunks)
        try:
            try:
                answer = await self.pipelines[routed.operation_id].answer(scope, receive)
                if self.checks is not None:
                    answer = await self._checked(scope, receive, routed.operation_id, answer)
            except Exception as exc:  # noqa: BLE001 - handled as Connexion's exception layer handles it
                answer = await self._handled(scope, receive, exc)
            status, raw, body = answer
            await self._send_cors(scope, {"type": "http.response.start", "status": status, "headers": raw}, send)
            await send({"type": "http.response.body", "body": body})
        finally:
            if recording:
                self.log.record(scope, status, b"".join(chunks)[:BODY_LIMIT])

    def _plain(self, scope: Scope) -> bool:
        """Whether the layers before the router would hand this request on unchanged: not refused by
        the guard or the gate, not an admin request, not a CORS preflight."""
        if scope["type"] != "http" or is_admin(scope["path"]) or not self.gate.passes(scope) \
                or self.guard.refusal(scope) is not None:
            return False
        return not (scope["method"] == "OPTIONS" and {b"origin", b"access-control-request-method"} <= {
            name for name, _ in scope["headers"]})

    async def _send_cors(self, scope: Scope, start: Message, send: Send) -> None:
        """The answer's start with the CORS headers ``ApiCORS`` adds (``Vary: Origin`` on every one)."""
        headers = start["headers"]
        if all(name != b"origin" for name, _ in scope["headers"]) and all(name != b"vary" for name, _ in headers):
            headers.append((b"vary", b"Origin"))
            await send(start)
            return
        await self.cors.send(start, send, Headers(scope=scope))

    async def _checked(self, scope: Scope, receive: Receive, key: str, answer: Answer) -> Answer:
        scope["extensions"][_ANSWER] = answer
        sent: list[Message] = []

        async def collect(message: Message) -> None:
            sent.append(message)

        await self.checks[key](scope, receive, collect)  # type: ignore[index]
        start, body = sent
        return start["status"], start["headers"], body["body"]

    async def _handled(self, scope: Scope, receive: Receive, exc: Exception) -> Answer:
        """The answer Connexion's exception layer gives for ``exc`` (the handlers ``specmock.errors``
        registered), or ``exc`` raised again where it has none."""
        layer = self.exceptions
        handler = layer._status_handlers.get(exc.status_code) if isinstance(exc, HTTPException) else None
        handler = handler or _lookup_exception_handler(layer._exception_handlers, exc)
        if handler is None:
            raise exc
        request = Request(scope, receive)
        if is_async_callable(handler):
            response = await handler(request, exc)
        else:
            response = await run_in_threadpool(handler, request, exc)
        exc.__traceback__ = None
        return response.status_code, list(response.raw_headers), bytes(response.body)


async def _emit(scope: Scope, receive: Receive, send: Send) -> None:
    """The answer the pipeline gave, sent (for the response validator to see)."""
    status, raw, body = scope["extensions"].pop(_ANSWER)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
