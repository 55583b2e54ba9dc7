"""The items a contract's examples show for a resource: a generic resource without fixtures starts
with them (the read answer's examples, the list answer's items, the create answer's example), each
once by identifier. Items of a nested resource take their parent ids from the path parameters'
examples; without those they are left out."""

from __future__ import annotations

import typing as t

from specmock.behaviours.records import clone
from specmock.behaviours.shaping import Shaper
from specmock.contract.model import Contract, Document
from specmock.contract.resources import Resource
from specmock.contract.schemas import json_media


def _answer_examples(document: Document, operation: t.Any) -> list[t.Any]:
    status = operation.success_status()
    response = operation.responses().get(str(status)) if status else None
    found = json_media((response or {}).get("content"))
    if not found:
        return []
    media = found[1]
    examples = [media["example"]] if "example" in media else []
    examples += [document.resolve(value).get("value") for value in (media.get("examples") or {}).values()]
    schema = media.get("schema")
    if not examples and isinstance(schema, dict):
        resolved = document.resolve(schema)
        if "example" in resolved:
            examples.append(resolved["example"])
    return [example for example in examples if example is not None]


def _items_of(example: t.Any, at: tuple[str, ...]) -> list[t.Any]:
    node = example
    for part in at:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, list) else []


def example_items(document: Document, contract: Contract, resource: Resource, shaper: Shaper
                  ) -> list[tuple[list[t.Any], dict[str, t.Any]]]:
    """(parent ids, item) for every item the examples show."""
    scope = _example_scope(contract, resource)
    if scope is None:
        return []
    found: dict[t.Any, dict[str, t.Any]] = {}
    for action in ("read", "list", "create"):
        key = resource.operations.get(action)
        if key is None:
            continue
        operation = contract.operations[key]
        for example in _answer_examples(document, operation):
            if action == "list":
                candidates = example if isinstance(example, list) else _items_of(example, resource.list_shape.items)
            else:
                wrapper = resource.wrappers.get(key)
                candidates = [example.get(wrapper[0]) if wrapper and isinstance(example, dict) else example]
            for item in candidates:
                if isinstance(item, dict) and item.get(resource.id_property) is not None:
                    found.setdefault(item[resource.id_property], clone(item))
    return [(scope, item) for item in found.values()]


def _example_scope(contract: Contract, resource: Resource) -> list[t.Any] | None:
    if not resource.parents:
        return []
    values: dict[str, t.Any] = {}
    for key in resource.operations.values():
        for param in contract.operations[key].parameters():
            if param["in"] == "path" and param["name"] in resource.parents:
                example = param.get("example", param.get("schema", {}).get("example"))
                if example is not None:
                    values[param["name"]] = example
    if set(values) != set(resource.parents):
        return None
    return [values[name] for name in resource.parents]
