"""Deliberately broken variants of the mock, each with one defect a real backend could have.

``broken_app(name)`` wraps the real mock in an ASGI layer that rewrites its answers (or builds the
mock with a setting that breaks it), so the verify tests can show the harness catches each defect.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.datastructures import MutableHeaders

from specmock.auth import mint
from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store

Rewrite = Callable[[str, str, int, MutableHeaders, bytes], tuple[int, bytes]]
VARIANTS: dict[str, tuple[str, Rewrite | None, dict[str, Any]]] = {}


def variant(name: str, api: str, **settings: Any) -> Callable[[Rewrite], Rewrite]:
    """Register a broken variant: the API it breaks and how it rewrites (method, path, status, headers, body)."""
    def register(rewrite: Rewrite) -> Rewrite:
        VARIANTS[name] = (api, rewrite, settings)
        return rewrite
    return register


def _json_rewrite(body: bytes, change: Callable[[Any], None]) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    change(data)
    return json.dumps(data).encode()


def _each_request(data: Any, change: Callable[[dict], None]) -> None:
    items = data.get("content_requests", [data]) if isinstance(data, dict) else []
    for item in items:
        if isinstance(item, dict) and "token" in item:
            change(item)


@variant("drops-required-field", "content_requests")
def _drop_status(method, path, status, headers, body):
    return status, _json_rewrite(body, lambda d: _each_request(d, lambda item: item.pop("status", None)))


@variant("changes-a-type", "content_requests")
def _id_as_text(method, path, status, headers, body):
    return status, _json_rewrite(body, lambda d: _each_request(d, lambda item: item.update(id=str(item["id"]))))


@variant("undocumented-status", "content_requests")
def _accepted(method, path, status, headers, body):
    return (202 if method == "POST" and path.endswith("/content_requests") and status == 201 else status), body


@variant("forgets-created", "content_requests")
def _forget(method, path, status, headers, body):
    if method == "GET" and status == 200 and path.rstrip("/").rsplit("/", 1)[-1] != "content_requests":
        headers["content-type"] = "application/problem+json"
        return 404, json.dumps({"type": "about:blank", "title": "Not Found", "status": 404}).encode()
    return status, body


@variant("accepts-invalid-input", "content_requests")
def _accept(method, path, status, headers, body):
    if status == 400:
        headers["content-type"] = "application/json"
        return 200, b'{"success": true}'
    return status, body


@variant("completes-twice", "content_requests")
def _complete_twice(method, path, status, headers, body):
    if path.endswith("/complete") and status == 409:
        headers["content-type"] = "application/json"
        return 200, b'{"success": true}'
    return status, body


@variant("reverses-sorting", "content_requests")
def _reverse(method, path, status, headers, body):
    def reverse(data: Any) -> None:
        if isinstance(data, dict) and isinstance(data.get("content_requests"), list):
            data["content_requests"].reverse()
    return status, _json_rewrite(body, reverse) if method == "GET" else body


@variant("drops-documented-header", "provider_requests")
def _drop_xtoken(method, path, status, headers, body):
    if "x-token" in headers:
        del headers["x-token"]
    return status, body


@variant("x-token-for-another-user", "provider_requests")
def _other_user(method, path, status, headers, body):
    if "x-token" in headers:
        headers["x-token"] = mint({"user_id": "someone-else"}, Settings().jwt_secret)
    return status, body


VARIANTS["ignores-credentials"] = ("content_requests", None, {"auth": "off"})


class Rewriter:
    """ASGI layer that buffers each answer and passes it through a rewrite."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self.app, self.rewrite = app, rewrite

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            headers = MutableHeaders(raw=list(start["headers"]))
            status, body = self.rewrite(scope["method"], scope["path"], start["status"], headers, b"".join(chunks))
            headers["content-length"] = str(len(body))
            await send({"type": "http.response.start", "status": status, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def broken_app(name: str) -> tuple[str, Any]:
    """(the API the variant breaks, the ASGI app serving it)."""
    api, rewrite, overrides = VARIANTS[name]
    app = create_app(Settings(**overrides), Store.memory())
    return api, (Rewriter(app, rewrite) if rewrite else app)
