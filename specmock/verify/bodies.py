"""Request bodies for the requests a check makes itself: the contract's own examples of the
operation's body first, else a value built from its schema with a fixed seed; only bodies valid
against the schema (a check that sent an invalid body would learn nothing)."""

from __future__ import annotations

import random
from typing import Any

from jsonschema import Draft4Validator

from specmock.contract.model import Document, Operation
from specmock.contract.schemas import request_schema

SEED = 20261122


def _examples(document: Document, op: Operation, media_type: str) -> list[Any]:
    body = document.resolve(op.spec.get("requestBody") or {})
    media = (body.get("content") or {}).get(media_type) or {}
    found = [media["example"]] if "example" in media else []
    found += [document.resolve(example).get("value") for example in (media.get("examples") or {}).values()
              if isinstance(document.resolve(example), dict) and "value" in document.resolve(example)]
    schema = document.resolve(media.get("schema") or {})
    if "example" in schema:
        found.append(schema["example"])
    return found


def valid(schema: dict[str, Any], value: Any) -> bool:
    try:
        return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER).is_valid(value)
    except Exception:  # noqa: BLE001 - a schema the validator cannot read: the value is not known valid
        return False


def bodies(document: Document, op: Operation, limit: int = 2) -> list[Any]:
    """Up to ``limit`` valid bodies for ``op`` (none when it takes no body or none can be made)."""
    found = request_schema(document, op.spec)
    if found is None:
        return []
    from specmock.verify.context import quiet_import

    generated = quiet_import("specmock.behaviours.generate")
    media_type, raw = found
    schema = generated.inline(document, raw)
    candidates = _examples(document, op, media_type)
    rng = random.Random(SEED)
    candidates += [generated.generate(document, raw, rng) for _ in range(limit)]
    chosen: list[Any] = []
    for candidate in candidates:
        if candidate not in chosen and valid(schema, candidate):
            chosen.append(candidate)
        if len(chosen) == limit:
            break
    return chosen


def takes_body(document: Document, op: Operation) -> bool:
    return request_schema(document, op.spec) is not None
