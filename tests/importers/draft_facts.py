"""A draft's promises as short facts the corpus states and the tests compare.

A fact is ``type[(format)][!][:enum,values]``: ``string(uuid)!`` is a required uuid string,
``string:asc,desc`` an optional enum (``string:a,b,null`` one that lists null), ``string|integer``
a schema that accepts either (``anyOf``), ``any`` a schema without a type. Parameters are keyed
``"<in> <name>"`` (``path`` ones by position, since their names may be merged); properties by path
(``messages/[]/id``, ``[]/id`` for the items of an array body)."""

from __future__ import annotations

from typing import Any

from tests.importers.spec_shapes import METHODS, shape


def fact(schema: dict[str, Any], required: bool = False) -> str:
    kind = "|".join(fact(branch) for branch in schema["anyOf"]) if "anyOf" in schema else schema.get("type", "any")
    if "format" in schema:
        kind += f"({schema['format']})"
    if required:
        kind += "!"
    if "enum" in schema:
        kind += ":" + ",".join("null" if value is None else str(value) for value in schema["enum"])
    return kind


def properties(schema: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """Every property under a schema, by path, with its fact."""
    found: dict[str, str] = {}
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return properties(schema["items"], f"{prefix}[]/")
    required = schema.get("required", [])
    for name, child in (schema.get("properties") or {}).items():
        found[f"{prefix}{name}"] = fact(child, name in required)
        found |= properties(child, f"{prefix}{name}/")
    for branch in schema.get("anyOf", []):
        found |= properties(branch, prefix)
    return found


def operation_facts(operation: dict[str, Any]) -> dict[str, Any]:
    """What one operation promises: parameters, security headers, request and response bodies."""
    parameters = {}
    for number, parameter in enumerate(p for p in operation.get("parameters", []) if p["in"] == "path"):
        parameters[f"path {number}"] = fact(parameter["schema"], True)
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            parameters[f"{parameter['in']} {parameter['name']}"] = fact(parameter["schema"], parameter["required"])
    body = operation.get("requestBody", {})
    request = {}
    for media_type, media in body.get("content", {}).items():
        request[media_type] = properties(media.get("schema", {}))
    responses = {}
    for status, response in documented(operation["responses"]).items():
        content = response.get("content", {})
        responses[int(status)] = {
            media_type: {"": fact(media.get("schema", {})), **properties(media.get("schema", {}))}
            for media_type, media in content.items()
        }
    return {
        "parameters": parameters,
        "security": sorted(name for requirement in operation.get("security", []) for name in requirement),
        "request": request,
        "request_required": body.get("required", False),
        "responses": responses,
    }


def documented(responses: dict[str, Any]) -> dict[str, Any]:
    """The responses the document shows: without the error answers the draft adds
    (``x-specmock-added``, see ``specmock.importers.added``)."""
    return {status: response for status, response in responses.items() if not response.get("x-specmock-added")}


def draft_facts(draft: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``"GET /messages/{}"`` -> the operation's facts, for every operation of a draft (paths as
    served: the server's base path left out)."""
    found = {}
    for path, item in draft.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                found[f"{method.upper()} {shape(path)}"] = operation_facts(item[method])
    return found
