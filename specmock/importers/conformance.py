"""The draft's examples checked against their own schemas (OpenAPI 3.0 dialect, formats included).

A mock serves a draft's examples and a test tool sends them as valid requests, so an example its
schema rejects would make the draft contradict itself. Such an example is moved aside, kept under
``x-specmock-unmatched-example`` for the reviewer, and reported; nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

UNMATCHED = "x-specmock-unmatched-example"

Report = Callable[[str, str], None]
"""``report(where, reason)`` for each example moved aside."""


def _error(value: Any, schema: dict[str, Any]) -> str | None:
    """Why ``value`` does not fit ``schema`` (None when it does)."""
    try:
        validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        error = next(iter(validator.iter_errors(value)), None)
    except (re.error, ValueError, TypeError, LookupError) as problem:  # e.g. a pattern Python cannot compile
        return f"its schema cannot be checked ({type(problem).__name__})"
    if error is None:
        return None
    where = "/".join(str(step) for step in error.absolute_path)
    return f"{error.message[:200]}" + (f" at /{where}" if where else "")


def _schemas(schema: Any, at: str) -> Iterator[tuple[dict[str, Any], str]]:
    """Every subschema (with its location) of a schema, the schema first."""
    if not isinstance(schema, dict):
        return
    yield schema, at
    for name, child in (schema.get("properties") or {}).items():
        yield from _schemas(child, f"{at}/{name}")
    if isinstance(schema.get("items"), dict):
        yield from _schemas(schema["items"], f"{at}/[]")
    for keyword in ("anyOf", "oneOf", "allOf"):
        for number, branch in enumerate(schema.get(keyword) or []):
            yield from _schemas(branch, f"{at}/{keyword}{number}")


def _check_schema(schema: dict[str, Any], where: str, report: Report) -> None:
    """Schema-level ``example`` and ``default`` values must fit the schema they stand in."""
    for node, at in list(_schemas(schema, "")):
        for key in ("example", "default"):
            if key in node:
                bare = {name: value for name, value in node.items() if name not in ("example", "default")}
                if reason := _error(node[key], bare):
                    node.setdefault(UNMATCHED, node.pop(key))
                    report(f"{where}{at or ''} {key}", reason)


def _check_holder(holder: dict[str, Any], where: str, report: Report) -> None:
    """A parameter, header or media type object: its schema, then its example(s)."""
    schema = holder.get("schema")
    if not isinstance(schema, dict):
        return
    _check_schema(schema, where, report)
    if "example" in holder and (reason := _error(holder["example"], schema)):
        holder[UNMATCHED] = holder.pop("example")
        report(f"{where} example", reason)
    for name, example in list((holder.get("examples") or {}).items()):
        if isinstance(example, dict) and "value" in example and (reason := _error(example["value"], schema)):
            holder.setdefault(UNMATCHED, {})[name] = holder["examples"].pop(name)["value"]
            report(f"{where} example {name}", reason)
    if holder.get("examples") == {}:
        del holder["examples"]


def check_operation(operation: dict[str, Any], where: str, report: Report) -> None:
    """Check every example of one operation object, moving aside the ones their schemas reject."""
    for parameter in operation.get("parameters", []):
        _check_holder(parameter, f"{where} {parameter['in']} parameter {parameter['name']}", report)
    for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
        _check_holder(media, f"{where} request body ({media_type})", report)
    for status, response in operation.get("responses", {}).items():
        for media_type, media in response.get("content", {}).items():
            _check_holder(media, f"{where} response {status} ({media_type})", report)
        for name, header in response.get("headers", {}).items():
            _check_holder(header, f"{where} response {status} header {name}", report)
