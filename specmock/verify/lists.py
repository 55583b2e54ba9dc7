"""Reading a resource's list the way the contract says it is paged (``Resource.paging`` and
``Resource.list_shape``): which queries to list with, one page, a bounded walk, finding one item."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from specmock.contract.model import Operation
from specmock.contract.resources import Link, Paging, Resource
from specmock.contract.schemas import flat
from specmock.verify.bodies import valid
from specmock.verify.context import Exchange, Identity, RunContext

MAX_COMBINATIONS = 4
MAX_VALUES = 4
MAX_SIZE_SEARCH = 1000  # page sizes tried on either side of the one wanted


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
    exchange: Exchange
    items: list[Any] | None
    total: int | None
    body: Any = None
    keys: list[str | None] = field(default_factory=list)


def page_query(paging: Paging, index: int, size: int | None, cursor: Any = None, step: int | None = None
               ) -> dict[str, Any]:
    """The paging parameters of page ``index`` (from 0) of ``size`` items (not sent when None; an
    offset then steps by ``step``, the page size the server chose)."""
    query: dict[str, Any] = {}
    if size is not None and paging.size:
        query[paging.size] = size
    if paging.cursor:
        if cursor is not None:
            query[paging.cursor] = cursor
    elif paging.page:
        query[paging.page] = index + 1
    elif paging.offset:
        query[paging.offset] = index * (size or step or paging.default_size)
    return query


def fetch_page(ctx: RunContext, resource: Resource, op: Operation, who: Identity, parents: dict[str, Any],
               query: dict[str, Any], index: int, size: int | None, cursor: Any = None, step: int | None = None
               ) -> Page:
    exchange = ctx.send(op, who, parents, {**query, **page_query(resource.paging, index, size, cursor, step)})
    body = exchange.json() if exchange.ok else None
    items = items_of(body, resource)
    return Page(index, exchange, items, total_of(body, resource), body,
                [key_of(item, resource) for item in items or []])


@dataclass
class PageSizes:
    """The page sizes a list's size parameter allows, by its schema (type, enum, minimum, maximum,
    multipleOf...): a check asks only for sizes the contract lets a client ask for."""

    schema: dict[str, Any] | None  # None: the list takes no page size (the server chooses it)
    required: bool = False

    def allows(self, size: int) -> bool:
        if self.schema is None:
            return False
        return valid(self.schema, str(size) if self.schema.get("type") == "string" else size)

    def fit(self, wanted: int, at_least: bool = False) -> int | None:
        """The allowed size nearest ``wanted``: the largest up to it (unless ``at_least``), else the
        smallest above it; None when the contract allows none (nearby)."""
        if self.schema is None:
            return None
        wanted = max(1, wanted)
        enum = self.schema.get("enum")
        if isinstance(enum, list):
            candidates = sorted({int(value) for value in enum if _whole(value) and int(value) >= 1})
            below = [size for size in candidates if size <= wanted and not at_least and self.allows(size)]
            above = [size for size in candidates if size >= wanted and self.allows(size)]
            return below[-1] if below else above[0] if above else None
        below = () if at_least else range(wanted, max(0, wanted - MAX_SIZE_SEARCH), -1)
        for size in [*below, *range(wanted + (not at_least), wanted + MAX_SIZE_SEARCH)]:
            if self.allows(size):
                return size
        return None


def _whole(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int) or isinstance(value, float) and value.is_integer():
        return True
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10


def page_sizes(op: Operation, paging: Paging, document: Any) -> PageSizes:
    """The page sizes the list operation ``op`` allows a client to ask for."""
    param = next((p for p in op.parameters() if p["in"] == "query" and p["name"] == paging.size), None) \
        if paging.size else None
    if param is None:
        return PageSizes(None)
    return PageSizes(flat(document, param.get("schema", {})), bool(param.get("required")))


def largest_size(sizes: PageSizes, paging: Paging) -> int | None:
    """The largest page size to read a whole list with: the contract's maximum, else its default
    page size, or the nearest size it allows (None: the server's own page size)."""
    return sizes.fit(paging.max_size or paging.default_size)


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
    sizes = page_sizes(op, resource.paging, ctx.document)
    size = largest_size(sizes, resource.paging)
    if size is None and sizes.required:
        return Search(complete=False)
    for query in base:
        cursor, read, learnt = None, 0, None
        for index in range(max_pages):
            # Without a size of its own, the size learnt from the first page places an offset.
            page = fetch_page(ctx, resource, op, who, parents, query, index, size, cursor, learnt)
            result.exchanges.append(page.exchange)
            if page.items is None:
                result.refused = result.refused or not page.exchange.ok
                result.complete = False
                break
            hit = next((item for item in page.items if names_item(item, resource, key)), None)
            if hit is not None:
                result.found = hit
                return result
            read += len(page.items)
            learnt = len(page.items) if learnt is None else learnt  # the server's page size, when none is asked
            cursor = link_of(page.body, resource.list_shape.next)
            if _last(page, resource, size or learnt or 1, read, cursor):
                break
        else:
            result.complete = False
    return result


def _last(page: Page, resource: Resource, size: int, read: int, cursor: Any) -> bool:
    items = page.items or []
    if resource.paging.style == "none":
        return True
    if resource.paging.cursor:
        return cursor is None
    if page.total is not None:
        return read >= page.total
    return len(items) < size

