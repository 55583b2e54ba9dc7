"""The served contract at run time: the bundled specs of the mounted APIs and the questions the
engine asks of them (which headers a response declares, what a documented response looks like,
which methods a path allows)."""

from __future__ import annotations

import copy
import functools
import importlib
import random
import re
from dataclasses import dataclass
from typing import Any

from connexion.context import context
from starlette.responses import Response
from starlette.routing import compile_path

from specmock.auth import Caller
from specmock.jsonio import dumps
from specmock.problems import BadRequest
from specmock.rules.examples import generate
from specmock.spec import api_named, load_spec, operations

# Who calls when nobody says (auth off, or a public operation): the users of the documents' examples.
DEMO_CALLERS = {
    "provider_requests": Caller("token", "ce597adb-e7f1-4e9b-aa5a-95e2bf829714"),
    "image_requests": Caller("token", "0e4f3c5a-9b1d-4c2e-8f6a-7d5b3a1c9e20"),
    "sharing_images": Caller("token", "355b5f11-f1ae-4212-824a-af77dc8f4bbf"),
    "downloads": Caller("token", "54d37a83-041d-4ab0-bc96-7162f3c57fc8"),
    "content_requests": Caller("bearer", "TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION"),
}
_SET_BY_SERVER = {"content-type", "content-length", "www-authenticate", "content-disposition"}


@dataclass(frozen=True)
class Operation:
    api: str
    method: str
    path: str
    spec: dict[str, Any]


def _prefixed(spec: dict[str, Any], api: str) -> dict[str, Any]:
    """``spec`` with every component except security schemes renamed ``<api>__<name>``."""

    def rename(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/"):
                _, _, kind, name = ref.split("/", 3)
                if kind != "securitySchemes":
                    node["$ref"] = f"#/components/{kind}/{api}__{name}"
            for value in node.values():
                rename(value)
        elif isinstance(node, list):
            for item in node:
                rename(item)

    rename(spec)
    spec["components"] = {
        kind: section if kind == "securitySchemes" else {f"{api}__{name}": value for name, value in section.items()}
        for kind, section in spec.get("components", {}).items()
    }
    return spec


def without_security(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with every security requirement removed (``--auth off``)."""
    spec.pop("security", None)
    for _, _, op in operations(spec):
        op["security"] = []
    return spec


class Contract:
    def __init__(self, apis: tuple[str, ...], auth: str = "lenient") -> None:
        self.specs = {name: load_spec(api_named(name).path) for name in apis}
        if auth == "off":
            self.specs = {name: without_security(spec) for name, spec in self.specs.items()}
        self.operations = {
            op["operationId"]: Operation(name, method, path, op)
            for name, spec in self.specs.items()
            for method, path, op in operations(spec)
        }
        self._headers = {op_id: self._declared_headers(op) for op_id, op in self.operations.items()}
        self._routes = self._compile_routes()

    def routing_specs(self) -> list[dict[str, Any]]:
        """One spec per base path, merging the APIs that share it.

        Connexion routes only the first of several APIs mounted on the same base path, so the
        APIs under ``/api/v1`` are handed to it as one document. Each API's components are
        renamed ``<api>__<name>`` so that equal names of different APIs cannot clash.
        """
        merged: dict[str, dict[str, Any]] = {}
        for name, spec in self.specs.items():
            base = self.base_path(name)
            target = merged.setdefault(base, {
                "openapi": spec["openapi"], "info": {"title": f"specmock {base}", "version": "1"},
                "servers": [{"url": base}], "paths": {}, "components": {},
            })
            renamed = _prefixed(copy.deepcopy(spec), name)
            target["paths"].update(renamed["paths"])
            for kind, section in renamed.get("components", {}).items():
                target["components"].setdefault(kind, {}).update(section)
        return list(merged.values())

    def handler_for(self, operation_id: str) -> Any:
        """The handler function of an operation, answering JSON unless it builds its own response."""
        op = self.operations[operation_id]
        function = getattr(importlib.import_module(api_named(op.api).handler_module), operation_id)

        # Declared async so Connexion calls it on the event loop: handlers are short, in-memory work
        # (the store's lock keeps them consistent), and a thread hop per request would cost more.
        # A (data, status) answer is serialised here, straight into the response Connexion sends on.
        @functools.wraps(function)
        async def answer(*args: Any, **kwargs: Any) -> Any:
            try:
                result = function(*args, **kwargs)
            finally:
                await context["store"].flush()  # no answer before the writes it may show are durable
            if isinstance(result, tuple) and len(result) == 2:
                data, status = result
                return Response(b"" if data is None else dumps(data), status, media_type="application/json")
            return result

        return answer

    def base_path(self, api: str) -> str:
        return self.specs[api]["servers"][0]["url"]

    def resolve(self, api: str, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: Any = self.specs[api]
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    def demo_caller(self, operation_id: str) -> Caller:
        return DEMO_CALLERS[self.operations[operation_id].api]

    # -- response headers ----------------------------------------------------------------------

    def _declared_headers(self, op: Operation) -> dict[int, dict[str, Any]]:
        declared: dict[int, dict[str, Any]] = {}
        for status, response in op.spec["responses"].items():
            headers = self.resolve(op.api, response).get("headers", {})
            values = {
                name.lower(): self.resolve(op.api, header).get("example", "")
                for name, header in headers.items()
                if name.lower() not in _SET_BY_SERVER
            }
            if values and status.isdigit():
                declared[int(status)] = values
        return declared

    def response_headers(self, operation_id: str) -> dict[int, dict[str, Any]]:
        return self._headers.get(operation_id, {})

    # -- documented responses (Prefer) ---------------------------------------------------------

    def documented_response(
        self, operation_id: str, code: str | None, example: str | None, dynamic: bool
    ) -> tuple[int, str, Any]:
        """(status, media type, body) of a documented response of the operation."""
        op = self.operations[operation_id]
        responses = op.spec["responses"]
        if code is None:
            code = next(status for status in responses if status.startswith("2"))
        if code not in responses:
            raise BadRequest.for_field(
                "header.Prefer", "code", f"code={code} is not documented here; documented: {', '.join(responses)}"
            )
        response = self.resolve(op.api, responses[code])
        content = response.get("content") or {}
        if not content:
            return int(code), "application/json", None
        media_type, media = next(iter(content.items()))
        examples = {name: self.resolve(op.api, value)["value"] for name, value in media.get("examples", {}).items()}
        if example is not None:
            if example not in examples:
                known = ", ".join(examples) or "none"
                raise BadRequest.for_field("header.Prefer", "example", f"no example named {example!r}; known: {known}")
            return int(code), media_type, examples[example]
        if not dynamic:
            if "example" in media:
                return int(code), media_type, media["example"]
            if examples:
                return int(code), media_type, next(iter(examples.values()))
        body = generate(media.get("schema", {}), lambda ref: self.resolve(op.api, {"$ref": ref}), random.Random())
        return int(code), media_type, body

    # -- routing facts -------------------------------------------------------------------------

    def _compile_routes(self) -> list[tuple[re.Pattern[str], list[str]]]:
        by_path: dict[str, set[str]] = {}
        for op in self.operations.values():
            by_path.setdefault(self.base_path(op.api) + op.path, set()).add(op.method.upper())
        return [(compile_path(path)[0], sorted(methods)) for path, methods in by_path.items()]

    def allowed_methods(self, path: str) -> list[str]:
        for regex, methods in self._routes:
            if regex.match(path):
                return methods
        return []
