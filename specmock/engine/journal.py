"""The journal of recent API requests behind ``/__admin/requests``.

Recording happens on every request, reading rarely: the middleware keeps what it saw as it came
(raw bytes, a clock reading) and ``RequestLog.entries`` turns that into readable entries on demand.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from typing import Any, NamedTuple

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from specmock import jsonio

BODY_LIMIT = 64 * 1024
_KEPT_HEADERS = (b"content-type", b"prefer")


class _Record(NamedTuple):
    id: int
    time: float
    method: str
    path: str
    query: bytes
    headers: list[tuple[bytes, bytes]]
    status: int | None
    body: bytes


class RequestLog:
    """The most recent requests (at most ``size``), oldest first."""

    def __init__(self, size: int) -> None:
        self._records: deque[_Record] = deque(maxlen=size)
        self._ids = itertools.count(1)

    def record(self, scope: Scope, status: int | None, body: bytes) -> None:
        headers = [(name, value) for name, value in scope["headers"] if name in _KEPT_HEADERS]
        self._records.append(_Record(next(self._ids), time.time(), scope["method"], scope["path"],
                                     scope.get("query_string", b""), headers, status, body))

    def entries(self) -> list[dict[str, Any]]:
        return [_entry(record) for record in list(self._records)]

    def clear(self) -> None:
        self._records.clear()


def _entry(record: _Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.time)),
        "method": record.method,
        "path": record.path,
        "query": record.query.decode("latin-1"),
        "headers": {name.decode("latin-1"): value.decode("latin-1") for name, value in record.headers},
        "status": record.status,
        "body": _readable(record.body),
    }


def _readable(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return jsonio.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


class Journal:
    """Records each API request in the log; admin and docs requests are not recorded."""

    def __init__(self, app: ASGIApp, log: RequestLog) -> None:
        self.app = app
        self.log = log

    @staticmethod
    def records(scope: Scope) -> bool:
        path = scope.get("path", "")
        return scope["type"] == "http" and not (path.startswith("/__admin") or "/docs/" in path or path == "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.records(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status: int | None = None
        recording_receive = recording_of(receive, chunks)

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        finally:
            self.log.record(scope, status, b"".join(chunks)[:BODY_LIMIT])


def recording_of(receive: Receive, chunks: list[bytes]) -> Receive:
    """``receive``, keeping the body's first ``BODY_LIMIT`` bytes in ``chunks`` (what the log keeps)."""
    size = 0

    async def recording_receive() -> Message:
        nonlocal size
        message = await receive()
        if size < BODY_LIMIT and message.get("body"):
            chunks.append(message["body"])
            size += len(message["body"])
        return message

    return recording_receive
