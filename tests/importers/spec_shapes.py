"""What an OpenAPI document promises, as plain sets the importer tests compare: operations,
parameters, request and response property paths (``a/[]/b``) and response header names.
Local ``$ref``s, ``allOf``/``anyOf``/``oneOf`` are followed; anything marked
``x-specmock-added: true`` (or a response described as "(added by specmock)") is left out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).resolve().parent / "samples"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
        target: Any = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def added(node: Any) -> bool:
    return isinstance(node, dict) and node.get("x-specmock-added") is True


def base_path(spec: dict[str, Any]) -> str:
    servers = spec.get("servers") or [{"url": ""}]
    return servers[0]["url"].rstrip("/")


def shape(path: str) -> str:
    """A path with its variables' names left out: ``/a/{id}`` -> ``/a/{}``."""
    return re.sub(r"\{[^}]*\}", "{}", path)


def operations(spec: dict[str, Any]) -> dict[tuple[str, str], tuple[dict, dict]]:
    """(method, shape of the path relative to the server) -> (operation, path item)."""
    found = {}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item and not added(item[method]):
                found[(method, shape(path))] = (item[method], item)
    return found


def parameters(spec: dict[str, Any], operation: dict, item: dict) -> set[tuple[str, str]]:
    """(in, name) of every parameter but the path ones (whose names the tests ignore)."""
    entries = [resolve(spec, entry) for entry in item.get("parameters", []) + operation.get("parameters", [])]
    return {(entry["in"], entry["name"]) for entry in entries if entry["in"] != "path" and not added(entry)}


def properties(spec: dict[str, Any], schema: Any, prefix: str = "", seen: frozenset = frozenset()) -> set[str]:
    """Every property path under a schema: ``name``, ``parent/child``, ``list/[]/child``."""
    if isinstance(schema, dict) and "$ref" in schema:
        if schema["$ref"] in seen:
            return set()
        seen = seen | {schema["$ref"]}
    schema = resolve(spec, schema)
    if not isinstance(schema, dict) or added(schema):
        return set()
    found: set[str] = set()
    for keyword in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(keyword, []):
            found |= properties(spec, branch, prefix, seen)
    if "items" in schema:
        found |= properties(spec, schema["items"], f"{prefix}[]/", seen)
    for name, child in schema.get("properties", {}).items():
        if not added(resolve(spec, child)):
            found.add(f"{prefix}{name}")
            found |= properties(spec, child, f"{prefix}{name}/", seen)
    return found


def request_properties(spec: dict[str, Any], operation: dict) -> set[str]:
    body = resolve(spec, operation.get("requestBody", {}))
    return {path for media in body.get("content", {}).values() for path in properties(spec, media.get("schema", {}))}


def documented_responses(spec: dict[str, Any], operation: dict) -> list[dict]:
    responses = [resolve(spec, response) for response in operation.get("responses", {}).values()]
    return [
        response
        for response in responses
        if not added(response) and not response.get("description", "").startswith("(added by specmock)")
    ]


def response_properties(spec: dict[str, Any], operation: dict) -> set[str]:
    return {
        path
        for response in documented_responses(spec, operation)
        for media in response.get("content", {}).values()
        for path in properties(spec, media.get("schema", {}))
    }


def response_headers(spec: dict[str, Any], operation: dict) -> set[str]:
    return {
        name.lower()
        for response in documented_responses(spec, operation)
        for name, header in response.get("headers", {}).items()
        if not added(resolve(spec, header))
    }


def gaps(expected: dict[str, Any], actual: dict[str, Any]) -> set[tuple[str, str, str, str]]:
    """What ``expected`` promises and ``actual`` lacks, as (method, path shape, what, name) with
    ``what`` one of operation, parameter, request, response, header."""
    found: set[tuple[str, str, str, str]] = set()
    present = operations(actual)
    for key, (operation, item) in operations(expected).items():
        if key not in present:
            found.add((*key, "operation", ""))
            continue
        other, other_item = present[key]
        pairs = parameters(expected, operation, item) - parameters(actual, other, other_item)
        found |= {(*key, "parameter", f"{where} {name}") for where, name in pairs}
        for what, collect in (
            ("request", request_properties),
            ("response", response_properties),
            ("header", response_headers),
        ):
            found |= {(*key, what, name) for name in collect(expected, operation) - collect(actual, other)}
    return found
