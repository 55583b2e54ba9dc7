"""Documented answers: what the contract shows for a response (its example, a named example, or
data generated from its schema). The behaviour of operations that are neither a domain handler's
nor a resource's, and what ``Prefer: code=``, ``example=`` and ``dynamic=true`` ask for anywhere."""

from __future__ import annotations

import typing as t

from specmock.behaviours.base import Call, Result
from specmock.behaviours.records import clone
from specmock.behaviours.shaping import Shaper
from specmock.contract.model import Operation
from specmock.contract.schemas import json_media
from specmock.problems import BadRequest


class Documented:
    def __init__(self, operation: Operation, shaper: Shaper, item: t.Callable[[Call], t.Any] | None = None) -> None:
        self.operation = operation
        self.document = operation.document
        self.shaper = shaper
        # For an action under a resource's item (POST /orders/{id}/cancel): the item's lookup, a 404
        # naming the item when it does not exist.
        self.item = item

    def __call__(self, call: Call) -> Result:
        if self.item is not None:
            self.item(call)
        status, media_type, body = self.response(None, None, False)
        if media_type is None or json_media({media_type: {}}):
            return body, status
        return body, status, {"Content-Type": media_type}

    def response(self, code: str | None, example: str | None, dynamic: bool) -> tuple[int, str | None, t.Any]:
        """(status, media type, body) of a documented response: the lowest 2xx unless ``code`` names one."""
        responses = self.operation.spec.get("responses", {})
        if code is None:
            code = next((status for status in sorted(map(str, responses)) if status.startswith("2")), None)
            if code is None:
                code = "default" if "default" in responses else "200"
        if code not in {str(status) for status in responses}:
            raise BadRequest.for_field("header.Prefer", "code",
                                       f"code={code} is not documented here; documented: "
                                       f"{', '.join(map(str, responses))}")
        status = 200 if code == "default" else int(code)
        response = self.document.resolve(responses.get(code, responses.get(int(code) if code.isdigit() else code)))
        content = response.get("content") or {}
        if not content:
            return status, None, None
        media_type, media = next(iter(content.items()))
        found = json_media(content)
        if found:
            media_type, media = found
        examples = {name: self.document.resolve(value).get("value")
                    for name, value in media.get("examples", {}).items()}
        if example is not None:
            if example not in examples:
                known = ", ".join(examples) or "none"
                raise BadRequest.for_field("header.Prefer", "example", f"no example named {example!r}; known: {known}")
            return status, media_type, clone(examples[example])
        schema = media.get("schema")
        if not dynamic:
            if "example" in media:
                return status, media_type, clone(media["example"])
            if examples:
                return status, media_type, clone(next(iter(examples.values())))
        if schema is None:
            return status, media_type, None
        if json_media({media_type: {}}) is None:
            return status, media_type, b""
        if dynamic:
            return status, media_type, _dynamic(self.shaper, schema)
        return status, media_type, self.shaper.generated(schema)


def _dynamic(shaper: Shaper, schema: t.Any) -> t.Any:
    """Data made up from the schema, ignoring its examples (``Prefer: dynamic=true``)."""
    from specmock.behaviours.generate import generate

    return generate(shaper.document, shaper.schema(schema), shaper.rng, prefer_examples=False)
