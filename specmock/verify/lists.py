"""Reading a resource's list the way the contract says it is paged (``Resource.paging`` and
``Resource.list_shape``): which queries to list with, one page, a bounded walk, finding one item."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

from specmock.contract.model import Operation
from specmock.contract.resources import Link, Paging, Resource
from specmock.contract.schemas import flat
from specmock.verify.context import Exchange, Identity, RunContext

MAX_COMBINATIONS = 4
MAX_VALUES = 4


def at(body: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(body, dict):
            return None
        body = body.get(part)
    return body


def items_of(body: Any, resource: Resource) -> list[Any] | None:
    found = body if isinstance(body, list) else at(body, resource.list_shape.items) if resource.list_shape.items \
        else None
    return found if isinstance(found, list) else None


def total_of(body: Any, resource: Resource) -> int | None:
    total = at(body, resource.list_shape.total) if resource.list_shape.total else None
    return total if isinstance(total, int) and not isinstance(total, bool) else None


def link_of(body: Any, link: Link | None) -> Any:
    return at(body, link.at) if link else None


def key_of(item: Any, resource: Resource) -> str | None:
    """The item's path key (rule 9), as text; None when the item shows none."""
    if not isinstance(item, dict):
        return None
    value = item.get(resource.key, item.get(resource.id_property))
    return None if value is None else str(value)


def names_item(item: Any, resource: Resource, key: str) -> bool:
    """Whether a listed item is the one ``key`` names (by its path key or its identifier)."""
    return isinstance(item, dict) and key in {str(item.get(resource.key)), str(item.get(resource.id_property))}


def unwrap(body: Any, resource: Resource, op: Operation) -> Any:
    """The item in an item answer (rule 8)."""
    path = resource.wrappers.get(op.key)
    return at(body, path) if path else body


def _values(param: dict[str, Any], document: Any) -> list[Any] | None:
    schema = flat(document, param.get("schema", {}))
    known: list[Any] = []
    if "example" in param:
        known.append(param["example"])
    known += [example.get("value") for example in (param.get("examples") or {}).values() if isinstance(example, dict)]
    for key in ("example", "default"):
        if key in schema:
            known.append(schema[key])
    known += list(schema.get("enum") or [])
    if schema.get("type") == "boolean":
        known += [True, False]
    unique = list(dict.fromkeys(json.dumps(value, sort_keys=True) for value in known if value is not None))
    return [json.loads(value) for value in unique[:MAX_VALUES]] or None


def queries(ctx: RunContext, resource: Resource, op: Operation) -> list[dict[str, Any]] | None:
    """The list queries a check reads with: the required query parameters with each value the
    contract gives them (example, default, enum; at most four combinations), optional ones left out.
    None when a required parameter has no value the contract names (a check cannot guess one)."""
    paging = _paging_names(resource.paging)
    required = [p for p in op.parameters() if p["in"] == "query" and p.get("required") and p["name"] not in paging]
    choices = []
    for param in required:
        values = _values(param, ctx.document)
        if values is None:
            return None
        choices.append([(param["name"], value) for value in values])
    return [dict(combination) for combination in itertools.islice(itertools.product(*choices), MAX_COMBINATIONS)]


def _paging_names(paging: Paging) -> set[str]:
    return {name for name in (paging.page, paging.size, paging.offset, paging.cursor) if name}


def parents_of(case: Any, resource: Resource) -> dict[str, Any]:
    given = case.path_parameters or {}
    return {name: given[name] for name in resource.parents if name in given}


@dataclass
class Page:
    index: int
    size: int | None
    exchange: Exchange
    items: list[Any] | None
    total: int | None
    body: Any = None
    keys: list[str | None] = field(default_factory=list)


def page_query(paging: Paging, index: int, size: int | None, cursor: Any = None) -> dict[str, Any]:
    """The paging parameters of page ``index`` (from 0) of ``size`` items."""
    query: dict[str, Any] = {}
    if size is not None and paging.size:
        query[paging.size] = size
    if paging.cursor:
        if cursor is not None:
            query[paging.cursor] = cursor
    elif paging.page:
        query[paging.page] = index + 1
    elif paging.offset:
        query[paging.offset] = index * (size or paging.default_size)
    return query


def fetch_page(ctx: RunContext, resource: Resource, op: Operation, who: Identity, parents: dict[str, Any],
               query: dict[str, Any], index: int, size: int | None, cursor: Any = None) -> Page:
    exchange = ctx.send(op, who, parents, {**query, **page_query(resource.paging, index, size, cursor)})
    body = exchange.json() if exchange.ok else None
    items = items_of(body, resource)
    return Page(index, size, exchange, items, total_of(body, resource), body,
                [key_of(item, resource) for item in items or []])


def size_bounds(op: Operation, paging: Paging, document: Any) -> tuple[int, int | None]:
    """The smallest and largest page size the contract allows."""
    if not paging.size:
        return paging.default_size, paging.default_size
    param = next((p for p in op.parameters() if p["in"] == "query" and p["name"] == paging.size), {})
    schema = flat(document, param.get("schema", {}))
    low = schema.get("minimum") if isinstance(schema.get("minimum"), int) else 1
    return max(1, low), paging.max_size


@dataclass
class Search:
    found: Any = None  # the listed item, when found
    complete: bool = True  # every page of every query was read
    exchanges: list[Exchange] = field(default_factory=list)
    refused: bool = False  # a list answered no 2xx


def search(ctx: RunContext, resource: Resource, who: Identity, parents: dict[str, Any], key: str,
           max_pages: int = 5) -> Search:
    """Look for the item ``key`` names in every list query of the resource, reading each one in the
    largest pages the contract allows, at most ``max_pages`` pages per query."""
    op = ctx.op(resource, "list")
    result = Search()
    base = queries(ctx, resource, op) if op else None
    if op is None or base is None:
        return Search(complete=False)
    low, high = size_bounds(op, resource.paging, ctx.document)
    size = high or resource.paging.default_size
    for query in base:
        cursor = None
        for index in range(max_pages):
            page = fetch_page(ctx, resource, op, who, parents, query, index, size, cursor)
            result.exchanges.append(page.exchange)
            if page.items is None:
                result.refused = result.refused or not page.exchange.ok
                result.complete = False
                break
            hit = next((item for item in page.items if names_item(item, resource, key)), None)
            if hit is not None:
                result.found = hit
                return result
            cursor = link_of(page.body, resource.list_shape.next)
            if _last(page, resource, size, index, cursor):
                break
        else:
            result.complete = False
    return result


def _last(page: Page, resource: Resource, size: int, index: int, cursor: Any) -> bool:
    items = page.items or []
    if resource.paging.style == "none":
        return True
    if resource.paging.cursor:
        return cursor is None
    if page.total is not None:
        return (index + 1) * size >= page.total
    return len(items) < size


def pages_needed(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))
