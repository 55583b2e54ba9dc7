"""Data that fits a schema: for documented responses without an example, ``Prefer: dynamic=true``,
and the fields a generic resource must fill (server-set and required ones nobody sent).

Values are built to satisfy the schema's keywords (types, formats, patterns, lengths, bounds,
``enum``, ``required``, ``nullable``, ``allOf``/``oneOf``/``anyOf``) and then checked against it; a
value that still fails is built again from another seed, and an example the schema gives (when it
fits) is preferred to anything made up: frontends see realistic data.
"""

from __future__ import annotations

import base64
import math
import random
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import rstr
from connexion.json_schema import Draft4ResponseValidator
from openapi_schema_validator import OAS30Validator

from specmock.contract.model import Document

_CHECKER = OAS30Validator.FORMAT_CHECKER
ATTEMPTS = 8
MAX_DEPTH = 8


def _date_time(rng: random.Random) -> str:
    moment = datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8))
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


FORMATS = {
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "date-time": _date_time,
    "date": lambda rng: (datetime(2020, 1, 1) + timedelta(days=rng.randrange(3000))).date().isoformat(),
    "time": lambda rng: f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z",
    "email": lambda rng: f"user{rng.randrange(10**6)}@example.com",
    "uri": lambda rng: f"https://example.com/{rng.randrange(10**6)}",
    "url": lambda rng: f"https://example.com/{rng.randrange(10**6)}",
    "uri-reference": lambda rng: f"/items/{rng.randrange(10**6)}",
    "hostname": lambda rng: f"host{rng.randrange(10**4)}.example.com",
    "ipv4": lambda rng: ".".join(str(rng.randrange(1, 255)) for _ in range(4)),
    "ipv6": lambda rng: ":".join(f"{rng.randrange(65536):x}" for _ in range(8)),
    "byte": lambda rng: base64.b64encode(bytes(rng.randrange(256) for _ in range(6))).decode(),
    "password": lambda rng: "secret" + str(rng.randrange(10**4)),
}


def inline(document: Document, schema: Any, depth: int = 0) -> Any:
    """``schema`` with every local reference replaced by its target (recursive schemas are cut at
    ``MAX_DEPTH`` levels, where anything is accepted): a standalone schema any validator compiles."""
    if isinstance(schema, list):
        return [inline(document, item, depth) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        if depth >= MAX_DEPTH:
            return {}
        return inline(document, document.resolve(schema), depth + 1)
    return {key: inline(document, value, depth) if key not in ("example", "default", "enum") else value
            for key, value in schema.items()}


def fits(schema: dict[str, Any], value: Any) -> bool:
    """Whether ``value`` is valid against an inlined ``schema`` as a response (``nullable`` honoured)."""
    try:
        return Draft4ResponseValidator(schema, format_checker=_CHECKER).is_valid(value)
    except Exception:  # noqa: BLE001 - an unusual schema the validator cannot use: trust the builder
        return True


def generate(document: Document, schema: Any, rng: random.Random | None = None, *, prefer_examples: bool = True
             ) -> Any:
    """A value valid against ``schema`` (a schema of ``document``, references allowed)."""
    rng = rng or random.Random()
    schema = inline(document, schema)
    if prefer_examples:
        for key in ("example", "default"):
            if key in schema and fits(schema, schema[key]):
                return schema[key]
    value = None
    for _ in range(ATTEMPTS):
        value = build(schema, rng, prefer_examples)
        if fits(schema, value):
            return value
    return value


def build(schema: Any, rng: random.Random, examples: bool = True, depth: int = 0) -> Any:
    """A value made to satisfy an inlined ``schema``, keyword by keyword (checked by the caller)."""
    if not isinstance(schema, dict) or depth > MAX_DEPTH * 2:
        return None if isinstance(schema, dict) and schema.get("nullable") else "value"
    if examples and "example" in schema and fits(schema, schema["example"]):
        return schema["example"]
    if "allOf" in schema:
        return build(merge_all_of(schema), rng, examples, depth + 1)
    for key in ("oneOf", "anyOf"):
        if key in schema and schema[key]:
            return _one_of(schema, key, rng, examples, depth)
    if "enum" in schema and schema["enum"]:
        choices = [value for value in schema["enum"] if value is not None] or schema["enum"]
        return rng.choice(choices)
    kind = schema.get("type") or ("object" if "properties" in schema else "array" if "items" in schema else "string")
    return _BUILDERS.get(kind, _string)(schema, rng, examples, depth)


def merge_all_of(schema: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {key: value for key, value in schema.items() if key != "allOf"}
    for part in schema["allOf"]:
        part = merge_all_of(part) if isinstance(part, dict) and "allOf" in part else part
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties":
                merged["properties"] = {**value, **merged.get("properties", {})}
            elif key == "required":
                merged["required"] = sorted({*merged.get("required", []), *value})
            elif key in ("minimum", "minLength", "minItems"):
                merged[key] = max(value, merged.get(key, value))
            elif key in ("maximum", "maxLength", "maxItems"):
                merged[key] = min(value, merged.get(key, value))
            else:
                merged.setdefault(key, value)
    return merged


def _one_of(schema: dict[str, Any], key: str, rng: random.Random, examples: bool, depth: int) -> Any:
    branches = list(schema[key])
    start = rng.randrange(len(branches))
    rest = {name: value for name, value in schema.items() if name != key}
    value = None
    for offset in range(len(branches)):
        branch = branches[(start + offset) % len(branches)]
        candidate = {**rest, **branch} if isinstance(branch, dict) else branch
        value = build(candidate, rng, examples, depth + 1)
        matches = sum(fits(other, value) for other in branches)
        if matches == 1 or key == "anyOf" and matches:
            return value
    return value


def _object(schema: dict[str, Any], rng: random.Random, examples: bool, depth: int) -> Any:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    value = {}
    for name, sub in properties.items():
        if isinstance(sub, dict) and sub.get("writeOnly") and name not in required:
            continue
        if name in required or depth < 3:
            value[name] = build(sub, rng, examples, depth + 1)
    for name in required - set(value):
        value[name] = "value"
    extra = schema.get("additionalProperties")
    while len(value) < schema.get("minProperties", 0):
        value[f"key{len(value)}"] = build(extra if isinstance(extra, dict) else {}, rng, examples, depth + 1)
    return value


def _array(schema: dict[str, Any], rng: random.Random, examples: bool, depth: int) -> Any:
    low = schema.get("minItems", 0)
    high = schema.get("maxItems", max(low, 2))
    count = max(low, min(high, 1 if depth > 2 else 2))
    items: list[Any] = []
    for _ in range(count * 4):
        if len(items) == count:
            break
        item = build(schema.get("items", {}), rng, examples and not items, depth + 1)
        if not schema.get("uniqueItems") or item not in items:
            items.append(item)
    return items


def _bounds(schema: dict[str, Any], integer: bool) -> tuple[float, float]:
    low = schema.get("minimum", -1000 if schema.get("maximum", 0) < 0 else 0)
    high = schema.get("maximum", low + 1000)
    step = 1 if integer else 0.001
    if schema.get("exclusiveMinimum") is True:
        low += step
    if schema.get("exclusiveMaximum") is True:
        high -= step
    return low, max(low, high)


def _integer(schema: dict[str, Any], rng: random.Random, examples: bool, depth: int) -> Any:
    low, high = _bounds(schema, True)
    low, high = math.ceil(low), math.floor(high)
    multiple = schema.get("multipleOf")
    if isinstance(multiple, int) and multiple > 0:
        first = -(-low // multiple) * multiple
        return first if first <= high else low
    return rng.randint(low, max(low, min(high, low + 1000)))


def _number(schema: dict[str, Any], rng: random.Random, examples: bool, depth: int) -> Any:
    low, high = _bounds(schema, False)
    multiple = schema.get("multipleOf")
    if isinstance(multiple, (int, float)) and multiple > 0:
        return math.ceil(low / multiple) * multiple
    return round(rng.uniform(low, min(high, low + 1000)), 3)


def _boolean(schema: dict[str, Any], rng: random.Random, examples: bool, depth: int) -> Any:
    return rng.choice([True, False])


def _string(schema: dict[str, Any], rng: random.Random, examples: bool, depth: int) -> Any:
    low, high = schema.get("minLength", 1), schema.get("maxLength")
    fmt, pattern = schema.get("format"), schema.get("pattern")

    def fitting(text: str) -> bool:
        return len(text) >= schema.get("minLength", 0) and (high is None or len(text) <= high) and (
            pattern is None or _matches(pattern, text)) and (fmt is None or _CHECKER.conforms(text, fmt))

    if fmt in FORMATS:  # a formatted value that also matches the pattern beats a pattern's random one
        for _ in range(ATTEMPTS if pattern else 1):
            text = FORMATS[fmt](rng)
            if fitting(text):
                return text
    if pattern is not None:
        for _ in range(ATTEMPTS * 25 if fmt else ATTEMPTS):  # a pattern's digits rarely make a valid date
            try:
                text = rstr.Rstr(rng).xeger(pattern)
            except Exception:  # noqa: BLE001 - a pattern rstr cannot read
                break
            if fitting(text):
                return text
    length = max(low, min(8, high if high is not None else 8))
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return True


_BUILDERS = {"object": _object, "array": _array, "integer": _integer, "number": _number, "boolean": _boolean,
             "string": _string}
