"""The gate in front of the router: ``RequestGate`` refuses URLs and bodies over the limits (414,
413) before anything reads them, and hands the request path a ``Content-Type`` and
``Content-Length`` it reads correctly."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from specmock.engine.scope import read_body
from specmock.problems import PayloadTooLarge, UriTooLong

MAX_URL_BYTES = 4096


class RequestGate:
    """Refuse request bodies over ``limit`` bytes (413) and URLs over ``MAX_URL_BYTES`` (414).

    Media types are case-insensitive (RFC 9110), Connexion's validators match them case-sensitively:
    the ``Content-Type``'s type and subtype are handed on in lower case. A body sent without
    ``Content-Length`` (chunked) is read here, up to the limit, and handed on with a
    ``Content-Length``: Connexion's validators take a request without one for a bodiless one.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    def passes(self, scope: Scope) -> bool:
        """Whether the gate hands this request on as it came: within the limits, its length
        declared (or no body), its media type in lower case."""
        if len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            return False
        declared = chunked = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"content-type":
                media_type = value.partition(b";")[0]
                if media_type != media_type.lower():
                    return False
        if declared is not None:
            return not (self.limit and declared.isascii() and declared.isdigit() and int(declared) > self.limit)
        return not chunked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("raw_path") or scope["path"].encode()) + len(scope.get("query_string", b"")) > MAX_URL_BYTES:
            raise UriTooLong(f"The URL is longer than {MAX_URL_BYTES} bytes")
        declared = chunked = None
        for index, (name, value) in enumerate(scope["headers"]):
            if name == b"content-length":
                declared = value
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value
            elif name == b"content-type":
                media_type, separator, parameters = value.partition(b";")
                if media_type != media_type.lower():
                    scope["headers"] = headers = list(scope["headers"])
                    headers[index] = (name, media_type.lower() + separator + parameters)
        if declared is not None:
            if self.limit and declared.isascii() and declared.isdigit() and int(declared) > self.limit:
                raise PayloadTooLarge(f"The body has {int(declared)} bytes; this server accepts at most {self.limit}")
            await self.app(scope, receive, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive, self.limit)
        MutableHeaders(scope=scope)["content-length"] = str(len(body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)
