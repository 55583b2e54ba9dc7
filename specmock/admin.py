"""The admin API under ``/__admin``: reset the data to the fixtures, read the request journal.

It answers only when the server is bound to a loopback address, unless ``--admin`` allows it. Before a
request gets here, ``specmock.hosts.HostGuard`` has refused other origins, CORS preflights, and POST or
DELETE without ``X-Specmock-Admin: 1``; the answers carry no CORS headers.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from specmock.engine.journal import RequestLog
from specmock.problems import Forbidden
from specmock.settings import Settings
from specmock.store import Store


def routes(settings: Settings, store: Store, journal: RequestLog,
           seed: Callable[[], None]) -> list[tuple[str, object, list[str]]]:
    def guard() -> None:
        if not settings.admin_allowed:
            raise Forbidden("The admin API is off on a non-loopback address; start the server with --admin")

    async def reset(request: Request) -> Response:
        guard()
        seed()
        return JSONResponse({"reset": True, "tables": {name: store.count(name) for name in store.tables()}})

    async def requests(request: Request) -> Response:
        guard()
        entries = journal.entries()
        method = request.query_params.get("method")
        path = request.query_params.get("path")
        entries = [e for e in entries if (not method or e["method"] == method.upper())
                   and (not path or e["path"].startswith(path))]
        return JSONResponse({"requests": entries, "count": len(entries)})

    async def clear(request: Request) -> Response:
        guard()
        journal.clear()
        return Response(status_code=204)

    return [
        ("/__admin/reset", reset, ["POST"]),
        ("/__admin/requests", requests, ["GET"]),
        ("/__admin/requests", clear, ["DELETE"]),
    ]
