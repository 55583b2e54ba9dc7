"""Data that fits a schema, for responses asked for with ``Prefer: dynamic=true`` or documented
without an example."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import rstr

_FORMATS = {
    "uuid": lambda rng: str(uuid.UUID(int=rng.getrandbits(128), version=4)),
    "date-time": lambda rng: (datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8)))
    .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    "date": lambda rng: (datetime(2020, 1, 1) + timedelta(days=rng.randrange(3000))).date().isoformat(),
    "email": lambda rng: f"user{rng.randrange(10**6)}@example.com",
    "uri": lambda rng: f"https://example.com/{rng.randrange(10**6)}",
    "uri-reference": lambda rng: f"/items/{rng.randrange(10**6)}",
}


def generate(schema: dict[str, Any], resolve, rng: random.Random | None = None) -> Any:
    """A value valid against ``schema``; ``resolve`` turns a ``$ref`` into its schema."""
    rng = rng or random.Random()
    if "$ref" in schema:
        return generate(resolve(schema["$ref"]), resolve, rng)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part = resolve(part["$ref"]) if "$ref" in part else part
            for key, value in part.items():
                if key == "properties":
                    merged.setdefault("properties", {}).update(value)
                elif key == "required":
                    merged["required"] = sorted({*merged.get("required", []), *value})
                else:
                    merged.setdefault(key, value)
        rest = {key: value for key, value in schema.items() if key != "allOf"}
        return generate({**merged, **rest}, resolve, rng)
    if "oneOf" in schema or "anyOf" in schema:
        return generate(rng.choice(schema.get("oneOf") or schema["anyOf"]), resolve, rng)
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "example" in schema:
        return schema["example"]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: generate(sub, resolve, rng) for name, sub in properties.items()}
    if kind == "array":
        count = max(schema.get("minItems", 1), min(2, schema.get("maxItems", 2)))
        return [generate(schema.get("items", {}), resolve, rng) for _ in range(count)]
    if kind == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 1000)
        return rng.randint(low, max(low, min(high, low + 1000)))
    if kind == "number":
        low, high = schema.get("minimum", 0.0), schema.get("maximum", 1000.0)
        return round(rng.uniform(low, high), 3)
    if kind == "boolean":
        return rng.choice([True, False])
    if "pattern" in schema:
        return rstr.Rstr(rng).xeger(schema["pattern"])
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]](rng)
    length = max(schema.get("minLength", 1), min(8, schema.get("maxLength", 8)))
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(length))
