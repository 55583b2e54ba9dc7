"""Shaping data by a response schema, so that every answer the mock gives validates against its
contract: what fits is kept as it is, properties the schema does not allow (``additionalProperties:
false``) and write-only ones are left out, and a value that does not fit (or a required one that is
missing) is generated from its schema.

Checks are compiled once per schema (``specmock.schema_check``: jsonschema_rs answers "valid?", so
an answer that already fits, the usual case, costs a few microseconds)."""

from __future__ import annotations

import random
from typing import Any

from connexion.json_schema import Draft4ResponseValidator

from specmock.behaviours.generate import generate, inline, merge_all_of
from specmock.contract.model import Document
from specmock.schema_check import check_for


class Shaper:
    """Shapes values by the schemas of one document (inlined and compiled on first use)."""

    def __init__(self, document: Document, seed: int = 0) -> None:
        self.document = document
        self.rng = random.Random(seed)
        self._inlined: dict[int, tuple[Any, dict[str, Any]]] = {}

    def schema(self, schema: Any) -> dict[str, Any]:
        """The standalone (inlined) form of one of the document's schemas, kept for the app's life."""
        cached = self._inlined.get(id(schema))
        if cached is None or cached[0] is not schema:
            cached = self._inlined[id(schema)] = (schema, inline(self.document, schema))
        return cached[1]

    def fits(self, schema: dict[str, Any], value: Any) -> bool:
        return self.violation(schema, value) is None

    def violation(self, schema: dict[str, Any], value: Any) -> Any:
        """The first rule of ``schema`` (inlined) that ``value`` breaks, as jsonschema names it; else None."""
        return next(iter(check_for(schema, Draft4ResponseValidator, check_formats=True).iter_errors(value)), None)

    def shape(self, schema: Any, value: Any) -> Any:
        """``value`` made valid against ``schema`` (one of the document's schemas)."""
        inlined = self.schema(schema)
        if self.fits(inlined, value):  # the response validator also refuses write-only properties
            return value
        return self._shape(inlined, value, 0)

    def generated(self, schema: Any) -> Any:
        return generate(self.document, self.schema(schema), self.rng)

    def _shape(self, schema: dict[str, Any], value: Any, depth: int) -> Any:
        if "allOf" in schema:
            schema = merge_all_of(schema)
        if value is None and schema.get("nullable"):
            return None
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        if kind == "object" and isinstance(value, dict) and depth < 16 and "oneOf" not in schema \
                and "anyOf" not in schema:
            return self._object(schema, value, depth)
        if kind == "array" and isinstance(value, list) and depth < 16 and isinstance(schema.get("items"), dict):
            items = [self._shape(schema["items"], item, depth + 1) for item in value]
            if schema.get("maxItems") is not None:
                items = items[: schema["maxItems"]]
            if self.fits(schema, items):
                return items
        elif self.fits(schema, value):
            return value
        return generate(self.document, schema, self.rng)

    def _object(self, schema: dict[str, Any], value: dict[str, Any], depth: int) -> Any:
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        shaped: dict[str, Any] = {}
        for name, item in value.items():
            if name in properties:
                sub = properties[name]
                if isinstance(sub, dict) and sub.get("writeOnly"):
                    continue
                shaped[name] = self._shape(sub, item, depth + 1) if isinstance(sub, dict) else item
            elif extra is True:
                shaped[name] = item
            elif isinstance(extra, dict):
                shaped[name] = self._shape(extra, item, depth + 1)
        for name in schema.get("required", []):
            if name not in shaped:
                shaped[name] = generate(self.document, properties.get(name, {}), self.rng)
        if self.fits(schema, shaped):
            return shaped
        return generate(self.document, schema, self.rng)

