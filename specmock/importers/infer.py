"""JSON Schema (OpenAPI 3.0 dialect) inferred from example values: types, formats, arrays, nullables."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit


def _is_email(text: str) -> bool:
    """``name@host.tld``: one ``@``, no white space, a dot inside the domain."""
    if len(text) > 254 or text.count("@") != 1 or any(char.isspace() for char in text):
        return False
    local, domain = text.split("@")
    return bool(local) and "." in domain[1:-1]


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _is_date_time(text: str) -> bool:
    if "T" not in text.upper():
        return False
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def _is_date(text: str) -> bool:
    try:
        return len(text) == 10 and text[4] == "-" and bool(date.fromisoformat(text))
    except ValueError:
        return False


def _is_uri(text: str) -> bool:
    parts = urlsplit(text)
    return bool(parts.scheme and parts.netloc) and not any(char.isspace() for char in text)


FORMATS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("uuid", _is_uuid),
    ("date-time", _is_date_time),
    ("date", _is_date),
    ("email", _is_email),
    ("uri", _is_uri),
)


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def infer_schema(samples: list[Any]) -> dict[str, Any]:
    """The schema that every sample satisfies.

    Objects require the keys present (and not null) in every sample; array items merge all elements; a null
    sample makes the schema ``nullable`` (typed by the other samples; left untyped when only
    nulls were seen). Scalars keep their first sample as ``example``.
    """
    values = [sample for sample in samples if sample is not None]
    nullable = len(values) < len(samples)
    types = {json_type(value) for value in values}
    if types == {"integer", "number"}:
        types = {"number"}
    if not types:
        return {"nullable": True}
    if len(types) > 1:
        branches = [infer_schema([v for v in values if json_type(v) == kind]) for kind in sorted(types)]
        return {"anyOf": [{**branch, "nullable": True} if nullable else branch for branch in branches]}
    kind = types.pop()
    schema: dict[str, Any] = {"type": kind}
    if kind == "object":
        _object(schema, values)
    elif kind == "array":
        items = [item for value in values for item in value]
        schema["items"] = infer_schema(items) if items else {}
    else:
        schema.update(_scalar(kind, values))
    if nullable:
        schema["nullable"] = True
    return schema


def _object(schema: dict[str, Any], values: list[dict]) -> None:
    names: list[str] = []
    for value in values:
        names.extend(name for name in value if name not in names)
    schema["properties"] = {name: infer_schema([value[name] for value in values if name in value]) for name in names}
    required = [name for name in names if all(value.get(name) is not None for value in values)]
    if required:
        schema["required"] = required


def _scalar(kind: str, values: list[Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if kind == "string":
        for name, matches in FORMATS:
            if all(matches(value) for value in values):
                extra["format"] = name
                break
    extra["example"] = values[0]
    return extra


def untyped(schema: dict[str, Any], at: str = "") -> list[str]:
    """JSON pointers to where a schema has neither a type nor alternatives (only nulls were seen)."""
    if schema.get("nullable") and "type" not in schema and "anyOf" not in schema:
        return [at or "/"]
    found = [
        pointer for name, child in schema.get("properties", {}).items() for pointer in untyped(child, f"{at}/{name}")
    ]
    return found + (untyped(schema["items"], f"{at}/[]") if isinstance(schema.get("items"), dict) else [])
