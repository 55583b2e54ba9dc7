"""Resources inferred from a contract document's paths: which operations create, list, read,
replace, merge and delete the same things, what identifies one, who owns it, how its collection is
paged and where the items, the total and the neighbour links sit in a list answer.

The mock's generic behaviour (``specmock.behaviours.resource``) serves these resources, and
``specmock verify`` derives its ownership, paging and read-your-writes checks from them: one set of
rules, so the mock and the harness cannot drift apart. The rules, in order (the README mirrors them):

1. A **collection path** ends in a literal segment (``/pets``, ``/users/{userId}/repos``); its
   **item path** is the collection path plus one parameter (``/pets/{petId}``). A collection path is a
   resource when it has an item path, when its GET answers a list, or when its POST takes an object
   body and answers an object with an identifier that is not its parent's (``POST /orders/{id}/cancel``
   answering the order is an action, not a resource).
2. Actions: POST collection = create, GET collection = list, GET item = read, PUT item = replace,
   PATCH item = merge, DELETE item = delete. Any other operation keeps its documented answer.
3. The **identifier** is the item path's parameter: the item property of that name, else ``id``,
   else ``<singular>Id`` / ``<singular>_id``. Its kind comes from the parameter's schema: integer ids
   are a sequence (1, 2, ...), ``format: uuid`` ids are random UUIDs, other strings random tokens.
4. The **parents** of a nested resource are its collection path's parameters: items are stored per
   parent, and a parent that is itself a resource must exist.
5. An **owner** exists when the item schema has a read-only ``owner``, ``owner_id`` or ``ownerId``
   property and the operations need a credential: items then belong to their creator and another
   caller sees none of them (404). A resource whose items are owned but do not show their owner says
   so with the hint ``owner: true``; ``owner: <property>`` names the property that shows it.
6. **Paging** parameters of the list: ``page`` with ``per_page``/``page_size``/``pageSize``/``size``/
   ``limit``; ``offset`` (or ``skip``) with ``limit``; ``cursor`` (or ``after``, ``page_token``) with
   a size; ``limit`` alone. The page size defaults to the parameter's default, else its maximum,
   else 20.
7. A list answer is an array, or an object holding the array (the first array of objects, preferring
   ``data``, ``items``, ``results``, ``records``, the resource's name), a **total**
   (``total``, ``total_count``, ``totalCount``, ``count``, ...) and **next/previous** links (URLs, page
   numbers or cursors by their schema), at the top or in ``meta``/``pagination``/``links``.
8. An item answer is the item, or an object **wrapping** it (``{data: {...}}``): the one property
   whose schema holds the identifier.
9. The **path key** is the item property that fills the item path's parameter: the one the create
   answer's ``links`` pass to an operation on the item path (``ref: $response.body#/token``), else
   the identifier. Lists, reads and changes of one item are matched by it.

A contract overrides what inference cannot know with ``x-specmock-resource`` on the collection
path item: ``false`` (not a resource), or ``{name, id, owner}`` (``name`` and ``id`` strings,
``owner`` a property name or ``true``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from specmock.contract.loading import SpecError
from specmock.contract.model import Contract, Document, Operation
from specmock.contract.schemas import flat, kind, properties, request_schema, response_schema, same

Path_ = tuple[str, ...]  # a path into a JSON answer: ("meta", "total_count"); () is the answer itself

PAGE = ("page", "page_number", "pageNumber")
SIZE = ("per_page", "perPage", "page_size", "pageSize", "size", "limit", "count", "max")
OFFSET = ("offset", "skip", "start")
CURSOR = ("cursor", "after", "page_token", "pageToken", "next_token", "nextToken", "starting_after")
ITEM_ARRAYS = ("data", "items", "results", "records", "content", "elements", "entries", "rows")
TOTALS = ("total", "total_count", "totalCount", "count", "total_items", "totalItems", "totalElements",
          "total_results", "totalResults", "totalSize")
NEXT = ("next", "next_page", "nextPage", "next_cursor", "nextCursor", "next_page_token", "nextPageToken")
PREVIOUS = ("previous", "prev", "previous_page", "previousPage", "prev_page", "prevPage", "previous_cursor",
            "prevCursor")
HOLDERS = ("meta", "pagination", "paging", "page_info", "pageInfo", "links", "_links")
OWNERS = ("owner", "owner_id", "ownerId")
DEFAULT_PAGE_SIZE = 20


@dataclass(frozen=True)
class Paging:
    """How a list operation is paged: the query parameter names it takes (None where absent)."""

    page: str | None = None
    size: str | None = None
    offset: str | None = None
    cursor: str | None = None
    default_size: int = DEFAULT_PAGE_SIZE
    max_size: int | None = None

    @property
    def style(self) -> str:
        if self.cursor:
            return "cursor"
        if self.page:
            return "page"
        if self.offset:
            return "offset"
        return "size" if self.size else "none"


@dataclass(frozen=True)
class Link:
    """Where a neighbour link sits in a list answer and what it holds: ``url``, ``page`` or ``cursor``."""

    at: Path_
    holds: str


@dataclass(frozen=True)
class ListShape:
    items: Path_ = ()
    total: Path_ | None = None
    next: Link | None = None
    previous: Link | None = None
    echo: dict[str, Path_] = field(default_factory=dict)  # paging parameter -> where the answer repeats it


@dataclass(frozen=True)
class Resource:
    document: str
    name: str
    collection: str
    item: str | None
    id_param: str | None
    id_property: str
    id_kind: str  # integer | uuid | string
    id_schema: dict[str, Any]
    parents: tuple[str, ...]
    owner: str | bool | None  # the property showing the owner, True when owned but not shown, None: not owned
    operations: dict[str, str]  # action -> operation key
    item_schema: dict[str, Any] | None
    paging: Paging = Paging()
    list_shape: ListShape = ListShape()
    wrappers: dict[str, Path_] = field(default_factory=dict)  # operation key -> where its answer holds the item
    parent_resource: str | None = None
    path_key: str | None = None  # the item property the create's links put in the item path (rule 9)

    def action_of(self, key: str) -> str | None:
        return next((action for action, op in self.operations.items() if op == key), None)

    @property
    def key(self) -> str:
        """The item property whose value goes into the item path."""
        return self.path_key or self.id_property


ACTIONS = {("post", False): "create", ("get", False): "list", ("get", True): "read", ("put", True): "replace",
           ("patch", True): "merge", ("delete", True): "delete"}
_PARAM = re.compile(r"^\{[^{}]+\}$")


def _segments(path: str) -> list[str]:
    return [part for part in path.strip("/").split("/") if part]


def _is_param(segment: str) -> bool:
    return bool(_PARAM.match(segment))


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("ses") or word.endswith("xes"):
        return word[:-2]
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def infer(contract: Contract) -> dict[str, Resource]:
    """Every resource of every document, by ``<document>.<name>``."""
    found: dict[str, Resource] = {}
    for document in contract.documents.values():
        for resource in infer_document(contract, document):
            found[f"{document.name}.{resource.name}"] = resource
    return found


def infer_document(contract: Contract, document: Document) -> list[Resource]:
    ops = [op for op in contract.operations.values() if op.document is document]
    by_path: dict[str, dict[str, Operation]] = {}
    for op in ops:
        by_path.setdefault(op.path, {})[op.method] = op
    collections = {path for path in by_path if _segments(path) and not _is_param(_segments(path)[-1])}
    collections |= {"/" + "/".join(_segments(path)[:-1]) for path in by_path
                    if len(_segments(path)) > 1 and _is_param(_segments(path)[-1])
                    and not _is_param(_segments(path)[-2])}
    resources = []
    for collection in sorted(collections, key=lambda p: len(_segments(p))):
        resource = _resource(document, collection, by_path, resources)
        if resource is not None:
            resources.append(resource)
    return resources


def _hint(document: Document, path: str) -> Any:
    item = document.spec.get("paths", {}).get(path, {})
    hint = item.get("x-specmock-resource", {}) if isinstance(item, dict) else {}
    where = f"{document.path}: paths.{path}.x-specmock-resource"
    if hint is not False and not isinstance(hint, dict):
        raise SpecError(f"{where} must be false or an object")
    if isinstance(hint, dict):
        for name in ("name", "id"):
            if name in hint and not (isinstance(hint[name], str) and hint[name]):
                raise SpecError(f"{where}.{name} must be a non-empty string")
        owner = hint.get("owner")
        if owner is not None and not (owner is True or owner is False or isinstance(owner, str) and owner):
            raise SpecError(f"{where}.owner must be true, false or a property name")
    return hint


def _item_path(collection: str, by_path: dict[str, dict[str, Operation]]) -> str | None:
    depth = len(_segments(collection))
    return next((path for path in sorted(by_path) if path.startswith(collection.rstrip("/") + "/")
                 and len(_segments(path)) == depth + 1 and _is_param(_segments(path)[-1])), None)


def _resource(document: Document, collection: str, by_path: dict[str, dict[str, Operation]],
              known: list[Resource]) -> Resource | None:
    hint = _hint(document, collection)
    if hint is False:
        return None
    item = _item_path(collection, by_path)
    id_param = _segments(item)[-1][1:-1] if item else None
    operations = {ACTIONS[(method, False)]: op for method, op in by_path.get(collection, {}).items()
                  if (method, False) in ACTIONS}
    if item:
        operations |= {ACTIONS[(method, True)]: op for method, op in by_path.get(item, {}).items()
                       if (method, True) in ACTIONS}
    parent = _parent_of(collection, known)
    item_schema = _item_schema(document, operations, id_param)
    if not hint and not item and not _lists(document, operations.get("list")) \
            and not _creates(document, operations.get("create"), item_schema, parent):
        return None
    if not operations:
        return None
    name = hint.get("name") if hint.get("name") else ".".join(
        segment for segment in _segments(collection) if not _is_param(segment))
    id_property = hint.get("id") or _id_property(document, item_schema, id_param, _segments(collection)[-1])
    id_schema = _id_schema(document, operations, item, id_param, item_schema, id_property)
    owner = hint["owner"] or None if "owner" in hint else _owner(document, item_schema, operations)
    list_op = operations.get("list")
    return Resource(
        document=document.name, name=name, collection=collection, item=item, id_param=id_param,
        id_property=id_property, id_kind=_id_kind(document, id_schema), id_schema=id_schema,
        parents=tuple(segment[1:-1] for segment in _segments(collection) if _is_param(segment)),
        owner=owner, operations={action: op.key for action, op in operations.items()},
        item_schema=item_schema, paging=_paging(list_op) if list_op else Paging(),
        list_shape=_list_shape(document, list_op, item_schema, name) if list_op else ListShape(),
        wrappers={op.key: path for op in operations.values() if op.method != "delete"
                  for path in [_wrapper(document, op, item_schema, id_property)] if path},
        parent_resource=parent.name if parent else None,
        path_key=_path_key(document, operations.get("create"), item, id_param, by_path),
    )


def _parent_of(collection: str, known: list[Resource]) -> Resource | None:
    segments = _segments(collection)
    if len(segments) < 3 or not _is_param(segments[-2]):
        return None
    prefix = "/" + "/".join(segments[:-1])
    return next((resource for resource in known if resource.item == prefix), None)


# -- schemas -----------------------------------------------------------------------------------


def _success(op: Operation | None) -> dict[str, Any] | None:
    if op is None:
        return None
    status = op.success_status()
    return op.responses().get(str(status)) if status else None


def _has_id(document: Document, schema: Any, id_param: str | None) -> bool:
    names = properties(document, schema)
    return bool(names) and (id_param in names or "id" in names or any(
        name.lower().endswith(("id", "_id")) for name in names))


def _unwrap(document: Document, schema: Any, id_param: str | None) -> Any:
    """The item inside an answer: the answer itself when it has an identifier, else the one
    object-valued property that has one (a wrapper such as ``{data: {...}}``)."""
    if schema is None or kind(document, schema) != "object":
        return None
    if _has_id(document, schema, id_param):
        return schema
    inner = [value for value in flat(document, schema).get("properties", {}).values()
             if kind(document, value) == "object" and _has_id(document, value, id_param)]
    return inner[0] if len(inner) == 1 else schema


def _list_items_schema(document: Document, op: Operation | None) -> Any:
    schema = response_schema(document, _success(op))
    if schema is None:
        return None
    if kind(document, schema) == "array":
        return flat(document, schema).get("items")
    at = _items_path(document, schema, "")
    if at is None:
        return None
    node = schema
    for part in at:
        node = properties(document, node)[part]
    return flat(document, node).get("items")


def _item_schema(document: Document, operations: dict[str, Operation], id_param: str | None) -> Any:
    for action in ("read", "create", "replace", "merge"):
        schema = _unwrap(document, response_schema(document, _success(operations.get(action))), id_param)
        if schema is not None:
            return schema
    items = _list_items_schema(document, operations.get("list"))
    return items if items is not None and kind(document, items) == "object" else None


def _lists(document: Document, op: Operation | None) -> bool:
    items = _list_items_schema(document, op)
    return items is not None and kind(document, items) in ("object", None)


def _creates(document: Document, op: Operation | None, item_schema: Any, parent: Resource | None) -> bool:
    if op is None or item_schema is None:
        return False
    body = request_schema(document, op.spec)
    if body is None or kind(document, body[1]) != "object":
        return False
    return not (parent and parent.item_schema is not None and same(document, item_schema, parent.item_schema))


def _id_property(document: Document, item_schema: Any, id_param: str | None, collection_word: str) -> str:
    names = properties(document, item_schema) if item_schema is not None else {}
    singular = _singular(collection_word)
    for candidate in (id_param, "id", f"{singular}Id", f"{singular}_id"):
        if candidate and candidate in names:
            return candidate
    return id_param or "id"


def _id_schema(document: Document, operations: dict[str, Operation], item: str | None, id_param: str | None,
               item_schema: Any, id_property: str) -> dict[str, Any]:
    for action in ("read", "replace", "merge", "delete"):
        op = operations.get(action)
        if op is not None:
            param = next((p for p in op.parameters() if p["in"] == "path" and p["name"] == id_param), None)
            if param is not None:
                return flat(document, param.get("schema", {}))
    prop = properties(document, item_schema).get(id_property) if item_schema is not None else None
    return prop or {"type": "integer"}


def _id_kind(document: Document, schema: dict[str, Any]) -> str:
    if kind(document, schema) == "integer":
        return "integer"
    return "uuid" if schema.get("format") == "uuid" else "string"


def _owner(document: Document, item_schema: Any, operations: dict[str, Operation]) -> str | None:
    if item_schema is None or not any(op.security() and {} not in op.security() for op in operations.values()):
        return None
    names = properties(document, item_schema)
    return next((name for name in OWNERS if name in names and names[name].get("readOnly")), None)


def _path_key(document: Document, create: Operation | None, item: str | None, id_param: str | None,
              by_path: dict[str, dict[str, Operation]]) -> str | None:
    """The create answer's property that its ``links`` pass as the item path's parameter."""
    if create is None or item is None or id_param is None:
        return None
    on_item = {op.operation_id for op in by_path.get(item, {}).values()}
    for link in document.resolve(_success(create) or {}).get("links", {}).values():
        link = document.resolve(link)
        if not isinstance(link, dict) or link.get("operationId") not in on_item:
            continue
        value = (link.get("parameters") or {}).get(id_param)
        if isinstance(value, str) and value.startswith("$response.body#/"):
            return value.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~") or None
    return None


def _wrapper(document: Document, op: Operation, item_schema: Any, id_property: str) -> Path_ | None:
    schema = response_schema(document, _success(op))
    if schema is None or item_schema is None or op.method == "get" and not op.path.endswith("}"):
        return None
    if kind(document, schema) != "object" or id_property in properties(document, schema):
        return None
    for name, value in properties(document, schema).items():
        if kind(document, value) == "object" and id_property in properties(document, value):
            return (name,)
    return None


# -- paging --------------------------------------------------------------------------------------


def _paging(op: Operation) -> Paging:
    query = {p["name"]: p for p in op.parameters() if p["in"] == "query"}

    def first(names: tuple[str, ...]) -> str | None:
        return next((name for name in names if name in query), None)

    page, offset, cursor = first(PAGE), first(OFFSET), first(CURSOR)
    size = first(SIZE)
    schema = flat(op.document, query[size].get("schema", {})) if size else {}
    maximum = schema.get("maximum") if isinstance(schema.get("maximum"), int) else None
    default = schema.get("default") if isinstance(schema.get("default"), int) and schema["default"] > 0 else None
    return Paging(page=page, size=size, offset=offset if not page else None, cursor=cursor,
                  default_size=default or maximum or DEFAULT_PAGE_SIZE, max_size=maximum)


def _items_path(document: Document, schema: Any, name: str, depth: int = 0) -> Path_ | None:
    props = properties(document, schema)
    arrays = [prop for prop, value in props.items() if kind(document, value) == "array"
              and kind(document, flat(document, value).get("items")) in ("object", None)]
    for preferred in (*ITEM_ARRAYS, name.rsplit(".", 1)[-1]):
        if preferred in arrays:
            return (preferred,)
    if arrays:
        return (arrays[0],)
    if depth == 0:
        for prop, value in props.items():
            if kind(document, value) == "object":
                inner = _items_path(document, value, name, depth + 1)
                if inner is not None:
                    return (prop, *inner)
    return None


def _find(document: Document, schema: Any, names: tuple[str, ...], depth: int = 0
          ) -> tuple[Path_, dict[str, Any]] | None:
    props = properties(document, schema)
    for candidate in names:
        if candidate in props:
            return (candidate,), props[candidate]
    if depth == 0:
        for holder in HOLDERS:
            if holder in props and kind(document, props[holder]) == "object":
                found = _find(document, props[holder], names, depth + 1)
                if found:
                    return (holder, *found[0]), found[1]
    return None


def _link(document: Document, found: tuple[Path_, dict[str, Any]] | None) -> Link | None:
    if found is None:
        return None
    at, schema = found
    if kind(document, schema) == "integer":
        return Link(at, "page")
    if "cursor" in at[-1].lower() or "token" in at[-1].lower():
        return Link(at, "cursor")
    if kind(document, schema) == "object":  # {"href": ...} link objects
        return Link((*at, "href"), "url") if "href" in properties(document, schema) else None
    return Link(at, "url") if kind(document, schema) in ("string", None) else None


def _list_shape(document: Document, op: Operation, item_schema: Any, name: str) -> ListShape:
    schema = response_schema(document, _success(op))
    if schema is None or kind(document, schema) != "object":
        return ListShape()
    items = _items_path(document, schema, name) or ()
    total = _find(document, schema, TOTALS)
    paging = _paging(op)
    echo = {}
    for param in (paging.page, paging.size, paging.offset):
        found = _find(document, schema, (param,)) if param else None
        if found and kind(document, found[1]) == "integer":
            echo[param] = found[0]
    total_at = total[0] if total and kind(document, total[1]) == "integer" and total[0] != items else None
    return ListShape(items=items, total=total_at, next=_link(document, _find(document, schema, NEXT)),
                     previous=_link(document, _find(document, schema, PREVIOUS)), echo=echo)
