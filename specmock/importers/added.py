"""Error answers a draft declares although its document shows none: the ones any server (and
``specmock serve``) gives to requests it cannot take, so that a client, a server and a harness
agree on them. Each is marked ``x-specmock-added: true`` for the reviewer, and its body is an
RFC 9457 problem."""

from __future__ import annotations

from typing import Any

PROBLEM = {
    "type": "object",
    "description": "An RFC 9457 problem: what went wrong, for people and programs.",
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string"}, "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "rule": {"type": "string"}, "message": {"type": "string"}}}},
    },
}
REASONS = {
    400: "the request breaks the contract (a parameter or the body)",
    401: "the credential is missing or not valid",
    404: "nothing at this path (an unknown id)",
    413: "the body is too large",
    414: "the URL is too long",
    415: "the body's media type is not one the operation takes",
}


def needed(operation: dict[str, Any], path: str) -> list[int]:
    """The error statuses a request to this operation can meet."""
    statuses = [414]
    if operation.get("parameters") or operation.get("requestBody"):
        statuses.append(400)
    if operation.get("security"):
        statuses.append(401)
    if "{" in path:
        statuses.append(404)
    if operation.get("requestBody"):
        statuses += [413, 415]
    return sorted(statuses)


def add_error_responses(operation: dict[str, Any], path: str) -> bool:
    """Declare the error answers the operation lacks; whether it lacked any."""
    responses = operation.setdefault("responses", {})
    added = False
    for status in needed(operation, path):
        if str(status) not in responses:
            responses[str(status)] = {
                "description": f"Refused: {REASONS[status]} (added by specmock import: the document shows none).",
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                "x-specmock-added": True,
            }
            added = True
    operation["responses"] = dict(sorted(responses.items(), key=lambda item: item[0]))
    return added
