"""Reading JSON schemas of a contract document: references followed, ``allOf`` merged, the
properties and types an object schema declares. Pure functions over a :class:`Document`."""

from __future__ import annotations

from typing import Any

from specmock.contract.model import Document


def flat(document: Document, schema: Any, depth: int = 0) -> dict[str, Any]:
    """``schema`` resolved, its ``allOf`` parts merged into one object schema (properties united,
    requirements joined); ``oneOf``/``anyOf`` are left as they are."""
    schema = document.resolve(schema) if isinstance(schema, dict) else {}
    if "allOf" not in schema or depth > 16:
        return schema
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema["allOf"]:
        part = flat(document, part, depth + 1)
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    return merged


def properties(document: Document, schema: Any) -> dict[str, dict[str, Any]]:
    """The declared properties of an object schema, each resolved and flattened."""
    return {name: flat(document, value) for name, value in flat(document, schema).get("properties", {}).items()}


def kind(document: Document, schema: Any) -> str | None:
    """The JSON type a schema declares (``object`` when it only lists properties)."""
    schema = flat(document, schema)
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return None


def same(document: Document, one: Any, other: Any) -> bool:
    """Whether two schemas are the same schema (the same reference, or equal once resolved)."""
    if isinstance(one, dict) and isinstance(other, dict) and one.get("$ref") and one.get("$ref") == other.get("$ref"):
        return True
    return flat(document, one) == flat(document, other)


def json_media(content: dict[str, Any] | None) -> tuple[str, dict[str, Any]] | None:
    """The first JSON media type of a ``content`` map and its media object."""
    for media_type, media in (content or {}).items():
        base = media_type.split(";")[0].strip().lower()
        if base == "application/json" or base.endswith("+json") or base == "*/*":
            return media_type, media if isinstance(media, dict) else {}
    return None


def response_schema(document: Document, response: dict[str, Any] | None) -> dict[str, Any] | None:
    """The JSON schema of a response (None when it has no JSON body)."""
    found = json_media(document.resolve(response or {}).get("content"))
    return found[1].get("schema") if found and "schema" in found[1] else None


def request_schema(document: Document, operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """(media type, schema) of an operation's request body: JSON first, then forms."""
    body = document.resolve(operation.get("requestBody") or {})
    content = body.get("content") or {}
    found = json_media(content)
    if found and "schema" in found[1]:
        return found[0], found[1]["schema"]
    for media_type, media in content.items():
        if media_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")) and "schema" in media:
            return media_type, media["schema"]
    return None
