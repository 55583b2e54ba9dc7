"""Where every exception outside an operation's request path becomes an
``application/problem+json`` response: unknown routes, wrong methods, the gate's limits, and the
unexpected. (Inside it, ``specmock.engine.responses`` answers problems in the body the operation
declares.)"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import orjson
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from specmock.contract import Contract
from specmock.problems import PROBLEM_JSON, InsufficientStorage, problem_body
from specmock.storage import StorageUnavailable

logger = logging.getLogger("specmock")


def _response(request: ConnexionRequest, status: int, detail: str, *, title=None, headers=None, ext=None):
    body = problem_body(status, detail, instance=request.url.path, title=title, ext=ext)
    headers = dict(headers or {})
    return ConnexionResponse(
        status_code=status, mimetype=PROBLEM_JSON, content_type=PROBLEM_JSON,
        body=orjson.dumps(body), headers=headers,
    )


def install(app: Any, contract: Contract, routes: Iterable[tuple[str, list[str]]] = ()) -> None:
    """Register the problem handlers on a Connexion app; ``routes`` are its routes off the contract
    (path rule, methods), whose methods a 405 lists too."""
    own = [(compile_path(rule)[0], methods) for rule, methods in routes]

    def allowed_methods(path: str) -> list[str]:
        methods = {method for regex, methods in own if regex.match(path) for method in methods}
        if "GET" in methods:
            methods.add("HEAD")  # Starlette answers HEAD wherever a route takes GET
        return contract.allowed_methods(path) or sorted(methods)

    def problem(request: ConnexionRequest, exc: ProblemException) -> ConnexionResponse:
        log = logger.warning if exc.status < 500 else logger.error
        log("%s %s -> %s %s", request.method, request.url.path, exc.status, exc.detail)
        return _response(request, exc.status, exc.detail, title=exc.title, headers=exc.headers, ext=exc.ext)

    def http_error(request: ConnexionRequest, exc: HTTPException) -> ConnexionResponse:
        headers = dict(exc.headers or {})
        status, detail = exc.status_code, exc.detail
        unrouted = status == 404 and detail in (None, "Not Found")
        if unrouted and contract.allowed_methods(request.url.path):
            # No route took the path, yet a contract path has its shape: the router refused its
            # values (``/pets/abc`` where every operation takes an integer id).
            status, unrouted = 405, False
        if status == 405:
            allow = allowed_methods(request.url.path)
            if request.method in allow:
                # The contract has this method here, but the path's values do not fit its parameters
                # (``/pets/abc`` for an integer id).
                return _response(request, 400, f"{request.url.path} does not fit the parameters of "
                                 f"{request.method} on this path (a value of the wrong type?)",
                                 ext={"errors": [{"field": "path", "rule": "type",
                                                  "message": "a path parameter does not fit its schema"}]})
            headers["Allow"] = ", ".join(allow)
            detail = f"{request.method} is not allowed here; allowed: {', '.join(allow)}"
        elif unrouted:
            detail = f"No operation at {request.url.path}"
        return _response(request, status, detail, headers=headers)

    def bad_encoding(request: ConnexionRequest, exc: UnicodeDecodeError) -> ConnexionResponse:
        return _response(request, 400, f"The request is not valid UTF-8: {exc.reason}",
                         ext={"errors": [{"field": "body", "rule": "encoding", "message": str(exc)}]})

    def storage_unavailable(request: ConnexionRequest, exc: StorageUnavailable) -> ConnexionResponse:
        return problem(request, InsufficientStorage(
            f"The write could not be made durable ({exc}), so it was not applied. Reads still work; writes work "
            "again as soon as the disk has room or is writable again."))

    def unexpected(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return _response(request, 500, "The mock failed to handle this request; see its log.")

    app.add_error_handler(ProblemException, problem)
    app.add_error_handler(HTTPException, http_error)
    app.add_error_handler(UnicodeDecodeError, bad_encoding)
    app.add_error_handler(StorageUnavailable, storage_unavailable)
    app.add_error_handler(Exception, unexpected)
