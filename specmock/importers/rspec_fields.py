"""What rspec_api_documentation's markdown and JSON outputs share: a documented parameter or response
field (name, scope, type, required, description, ``Options: a, b``), and the query parameters a
recorded request shows (``page: 2`` lines, or a query string)."""

from __future__ import annotations

import ast
from typing import Any
from urllib.parse import unquote, urlsplit

from specmock.importers.model import Field
from specmock.importers.reading import form_values, type_schema

REQUIRED = {"true": True, "yes": True, "required": True, "false": False, "no": False, "optional": False}
OPTION_WORDS = ("options:", "one of:", "allowed values:", "possible values:", "values:")
MAX_OPTIONS = 100


def options(description: str) -> list[str]:
    """``The order. Options: asc, desc`` -> [``asc``, ``desc``]: the values a description allows."""
    lowered = description.lower()
    start = max((lowered.find(word) + len(word) for word in OPTION_WORDS if word in lowered), default=-1)
    if start < 0:
        return []
    text = description[start:].strip()
    for end in (". ", "\n"):
        text = text.split(end, 1)[0]
    text = text.rstrip(".").replace(" or ", ", ").replace("|", ",")
    values = [value.strip().strip("`'\"") for value in text.split(",")]
    return [value for value in values if value][:MAX_OPTIONS]


def documented_field(entry: dict[str, Any], line: int | None, required: bool | None = None) -> Field:
    """A parameter or response field as rspec_api_documentation records it: ``name``, ``scope``
    (the name of the object holding it), ``type``, ``required``, ``description``, ``enum`` (or
    ``Options: ...`` in the description), ``example`` / ``with_example``."""
    name, scope = str(entry.get("name") or "").strip("`"), str(entry.get("scope") or "").strip("`")
    if isinstance(entry.get("scope"), list):
        scope = "".join(f"[{step}]" if index else str(step) for index, step in enumerate(entry["scope"]))
    stated = entry.get("required")
    if isinstance(stated, bool):
        required = stated
    elif isinstance(stated, str) and stated.strip().lower() in REQUIRED:
        required = REQUIRED[stated.strip().lower()]
    description = str(entry.get("description") or "")
    schema: dict[str, Any] = dict(type_schema(str(entry.get("type") or "")) or {})
    enum = entry.get("enum") if isinstance(entry.get("enum"), list) else options(description)
    if enum:
        target = schema.get("items", schema) if schema.get("type") == "array" else schema
        target["enum"] = [value for value in enum if isinstance(value, str | int | float | bool)]
        target.setdefault("type", "string")
    if "example" in entry and entry["example"] is not None:
        schema["example"] = entry["example"]
    return Field(f"{scope}[{name}]" if scope and name else name, None, required, description, schema, line)


def query_fields(text: str, line: int | None = None) -> list[Field]:
    """The query parameters a request shows: ``name: value`` lines (rspec's own rendering, values in
    Ruby's notation such as ``["a", "b"]``) or a query string ``a=1&b[]=2``."""
    fields = []
    lines = [row.strip() for row in text.strip().splitlines() if row.strip()]
    if lines and all(":" in row and "=" not in row.split(":", 1)[0] for row in lines):
        for row in lines:
            name, _, value = row.partition(":")
            fields.append(Field(name.strip(), "query", schema={"example": _ruby_value(value.strip())}, line=line))
        return fields
    return [Field(name, "query", schema={"example": value}, line=line) for name, value in form_values(text).items()]


def route_fields(template: str, target: str, line: int | None) -> list[Field] | None:
    """Path parameter examples from a concrete route: ``/shops/7/orders`` for
    ``/shops/:shop_id/orders`` gives ``shop_id`` = ``7``; None when the route does not match."""
    expected, actual = template.strip("/").split("/"), urlsplit(target).path.strip("/").split("/")
    if len(expected) != len(actual):
        return None
    return [
        Field(segment.strip(":{}"), "path", True, schema={"example": unquote(value)}, line=line)
        for segment, value in zip(expected, actual, strict=True)
        if segment.startswith(":") or (segment.startswith("{") and segment.endswith("}"))
    ]


def _ruby_value(text: str) -> Any:
    """``["a", "b"]`` -> [``a``, ``b``]; ``2`` stays ``"2"`` (query values are strings)."""
    if text.startswith("[") and text.endswith("]") and len(text) < 10_000:
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return text
        if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
            return [str(item) for item in value]
    return text
