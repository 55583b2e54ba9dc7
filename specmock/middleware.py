"""ASGI middlewares of the mock, each one concern:

* ``RequestGate``: refuse URLs and bodies over the limits (414, 413) before anything reads them, and
  hand the validators a ``Content-Type`` and ``Content-Length`` they read correctly.
* ``Preferences``: ``Prefer: code=..., example=..., dynamic=true, latency=...`` and ``--latency``.
* ``Services``: hand ``store``, ``caller`` and ``base_url`` to the handlers, and add the response
  headers the contract declares (``X-token``, cache headers, ``ETag``, ``X-Request-Id``).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

import orjson
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from specmock.auth import Caller, mint
from specmock.contract import Contract
from specmock.problems import BadRequest, PayloadTooLarge, UriTooLong
from specmock.settings import Settings

MAX_URL_BYTES = 4096
MAX_LATENCY_MS = 60_000


def operation_id(scope: Scope) -> str | None:
    return scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of a header in an ASGI header list (``name`` in lower case, as ASGI spells
    header names), read without building a ``Headers`` object on every request."""
    for key, value in headers:
        if key == name:
            return value.decode("latin-1")
    return None


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
            if self.limit and declared.isdigit() and int(declared) > self.limit:
                raise PayloadTooLarge(f"The body has {int(declared)} bytes; this server accepts at most {self.limit}")
            await self.app(scope, receive, send)
            return
        if not chunked:
            await self.app(scope, receive, send)
            return
        body = await self._read(receive)
        MutableHeaders(scope=scope)["content-length"] = str(len(body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if self.limit and size > self.limit:
                raise PayloadTooLarge(f"The body is larger than {self.limit} bytes")
            more = message.get("more_body", False)
        return b"".join(chunks)


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


class Preferences:
    """Latency (``--latency``, ``Prefer: latency=MS``) and documented responses on demand."""

    def __init__(self, app: ASGIApp, contract: Contract, latency_ms: int) -> None:
        self.app = app
        self.contract = contract
        self.latency_ms = latency_ms

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        prefer = parse_prefer(header(scope["headers"], b"prefer"))
        delay = self.latency_ms
        if "latency" in prefer:
            if not prefer["latency"].isdigit():
                raise BadRequest.for_field("header.Prefer", "latency", "latency must be milliseconds (an integer)")
            delay = min(int(prefer["latency"]), MAX_LATENCY_MS)
        if delay:
            await asyncio.sleep(delay / 1000)
        op = operation_id(scope)
        if op and ({"code", "example"} & prefer.keys() or prefer.get("dynamic") == "true"):
            status, media_type, body = self.contract.documented_response(
                op, prefer.get("code"), prefer.get("example"), prefer.get("dynamic") == "true"
            )
            await _send_json(send, status, media_type, body)
            return
        await self.app(scope, receive, send)


async def _send_json(send: Send, status: int, media_type: str, body: Any, headers: dict | None = None) -> None:
    payload = b"" if body is None else orjson.dumps(body)
    raw_headers = [(b"content-type", media_type.encode()), (b"content-length", str(len(payload)).encode())]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class Services:
    """Dependency injection for handlers, and the response headers the contract declares."""

    def __init__(self, app: ASGIApp, contract: Contract, store: Any, settings: Settings) -> None:
        self.app = app
        self.contract = contract
        self.store = store
        self.settings = settings

    def _base_url(self, scope: Scope) -> str:
        if self.settings.public_url:
            return self.settings.public_url.rstrip("/")
        host = header(scope["headers"], b"host") or f"{self.settings.host}:{self.settings.port}"
        return f"{scope.get('scheme', 'http')}://{host}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        op = operation_id(scope)
        if scope["type"] != "http" or op is None:
            await self.app(scope, receive, send)
            return
        context = scope.setdefault("extensions", {}).setdefault("connexion_context", {})
        token_info = context.get("token_info")
        caller: Caller = token_info["caller"] if isinstance(token_info, dict) else self.contract.demo_caller(op)
        context.update(store=self.store, caller=caller, base_url=self._base_url(scope))
        declared = self.contract.response_headers(op)
        if not declared:
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _HeaderWriter(send, declared, caller, self.settings.jwt_secret))


class _HeaderWriter:
    """Adds the declared response headers of a successful answer; buffers the body for ``ETag``."""

    def __init__(self, send: Send, declared: dict[int, dict[str, Any]], caller: Caller, secret: str) -> None:
        self.send = send
        self.declared = declared
        self.caller = caller
        self.secret = secret
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = self.declared.get(message["status"])
            if not headers:
                await self.send(message)
                return
            self.start = message
            raw = message.setdefault("headers", [])
            present = {name for name, _ in raw}
            for name, example in headers.items():
                key = name.encode("latin-1")
                if key not in present and name != "etag":
                    raw.append((key, self._value(name, example).encode("latin-1")))
            if "etag" not in headers:
                await self.send(message)
                self.start = None
            return
        if self.start is None:
            await self.send(message)
            return
        self.body.append(message.get("body", b""))
        if not message.get("more_body"):
            payload = b"".join(self.body)
            MutableHeaders(scope=self.start)["etag"] = f'W/"{hashlib.md5(payload).hexdigest()}"'  # noqa: S324
            await self.send(self.start)
            await self.send({"type": "http.response.body", "body": payload})

    def _value(self, name: str, example: Any) -> str:
        if name == "x-token":
            return mint(self.caller.claims or {"user_id": self.caller.key}, self.secret)
        if name == "x-request-id":
            return str(uuid.uuid4())
        return str(example)
