"""The rules of the generic resource behaviour, as small pure functions: which status an action
answers, identifiers, the fields the server sets, merge patch, list filters, order and paging, and
the shape of a list answer. ``specmock.behaviours.resource`` applies them to the store."""

from __future__ import annotations

import base64
import binascii
import copy
import re
import typing as t
from datetime import UTC, datetime
from urllib.parse import urlencode

import orjson

from specmock.contract.model import Operation
from specmock.contract.resources import Link, ListShape, Paging, Resource
from specmock.contract.schemas import flat
from specmock.store import new_uuid

CREATED = ("created_at", "createdAt", "created", "creation_date", "creationDate", "date_created", "dateCreated",
           "inserted_at", "insertedAt")
UPDATED = ("updated_at", "updatedAt", "modified_at", "modifiedAt", "last_modified", "lastModified", "updated",
           "modified", "date_modified", "dateModified")
SORT = ("sort", "sort_by", "sortBy", "order_by", "orderBy")
DIRECTION = ("order", "sort_to", "sortTo", "direction", "sort_order", "sortOrder", "dir")
PREFERRED_STATUS = {"create": 201, "delete": 204}


def clone(value: t.Any) -> t.Any:
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return copy.deepcopy(value)


def success_status(operation: Operation, action: str) -> int:
    """201 for a create and 204 for a delete when the contract declares them, else its lowest 2xx."""
    declared = {int(code) for code in operation.spec.get("responses", {}) if str(code).isdigit()}
    preferred = PREFERRED_STATUS.get(action, 200)
    if preferred in declared:
        return preferred
    successes = sorted(code for code in declared if 200 <= code < 300)
    return successes[0] if successes else 200


# -- identifiers and new items -------------------------------------------------------------------


def whole_number(value: t.Any) -> t.Any:
    """A path value that names a number, as numbers are stored: a whole number that an operation's
    parameter types as a string (``"20"``) or as a number (``20.0``) is the integer 20."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,18}", value):
        return int(value)
    return int(value) if isinstance(value, float) and value.is_integer() else value


def path_id(value: t.Any, resource: Resource) -> t.Any:
    """An identifier from the path, as the item is stored."""
    return whole_number(value) if resource.id_kind == "integer" else value


def numeric_path_parameters(operations: t.Iterable[Operation]) -> set[str]:
    """The path parameters that one of ``operations`` types as a number: one URL segment names one
    thing, however each operation types it."""
    return {param["name"] for operation in operations for param in operation.parameters() if param["in"] == "path"
            and flat(operation.document, param.get("schema") or {}).get("type") in ("integer", "number")}


def given_id(body: dict[str, t.Any], resource: Resource, item_properties: dict[str, t.Any]) -> t.Any:
    """The identifier the client chose in the body, when the contract lets it choose one (a
    read-only identifier is the server's to assign, whatever a client sends)."""
    if item_properties.get(resource.id_property, {}).get("readOnly"):
        return None
    value = body.get(resource.id_property)
    return None if value is None or isinstance(value, (dict, list, bool)) else value


UNUSABLE_SEGMENTS = ("", ".", "..")


def unusable_id(identifier: t.Any, resource: Resource, shaper: t.Any) -> tuple[str, str] | None:
    """Why a client-chosen identifier could never name its item in a path, as (rule, message): it
    is not one path segment, or does not fit the item path parameter's schema. None when usable."""
    if isinstance(identifier, str) and ("/" in identifier or identifier in UNUSABLE_SEGMENTS):
        return "path", f"{identifier!r} cannot be one path segment of {resource.item} (no '/', not '', '.' or '..')"
    found = shaper.violation(shaper.schema(resource.id_schema), path_id(identifier, resource))
    if found is not None:
        return str(found.validator), f"{resource.id_param} in {resource.item} takes no {identifier!r}: {found.message}"
    return None


def new_id(resource: Resource, store: t.Any, table: str, shaper: t.Any) -> t.Any:
    if resource.id_kind == "integer":
        identifier = store.next_id(table)
        maximum = resource.id_schema.get("maximum")
        return identifier if maximum is None or identifier <= maximum else shaper.generated(resource.id_schema)
    if resource.id_kind == "uuid":
        return new_uuid()
    schema = resource.id_schema
    if "pattern" in schema or "enum" in schema or schema.get("maxLength", 32) < 32:
        for _ in range(16):
            identifier = shaper.generated({**schema, "example": None})
            if not store.has(table, identifier):
                return identifier
    return new_uuid().replace("-", "")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _stamp(schema: dict[str, t.Any]) -> str:
    moment = now()
    return moment[:10] if schema.get("format") == "date" else moment


def server_set(name: str, schema: dict[str, t.Any], request_properties: t.Collection[str]) -> bool:
    """Whether the server, not the client, sets a property: it is read-only, or requests lack it."""
    return bool(schema.get("readOnly")) or name not in request_properties


def new_item(body: dict[str, t.Any], identifier: t.Any, resource: Resource, item_properties: dict[str, t.Any],
             request_properties: dict[str, t.Any], caller: str, path_params: dict[str, t.Any], shaper: t.Any
             ) -> dict[str, t.Any]:
    """A new item: the body (with the request schema's defaults for what it left out), the
    identifier, the parent ids and owner, the time for server-set dates, the item schema's defaults,
    and a generated value for every other required property nobody sent."""
    data = _sent(body, item_properties, request_properties)
    data[resource.id_property] = identifier
    for name in resource.parents:
        if name in item_properties and name not in data:
            data[name] = path_params.get(name)
    if isinstance(resource.owner, str) and resource.owner in item_properties:
        data[resource.owner] = caller
    for name, schema in item_properties.items():
        if name in data or not server_set(name, schema, request_properties):
            continue
        if "default" in schema:
            data[name] = copy.deepcopy(schema["default"])
        elif name in CREATED or name in UPDATED or schema.get("format") in ("date-time", "date"):
            data[name] = _stamp(schema)
    for name in required_properties(resource, shaper):
        if name not in data and name in item_properties:
            data[name] = shaper.generated(item_properties[name])
    return data


def _sent(body: dict[str, t.Any], item_properties: dict[str, t.Any], request_properties: dict[str, t.Any]
          ) -> dict[str, t.Any]:
    """What a body sets: its properties but the read-only ones, and the request schema's defaults
    for what it left out."""
    data = {name: copy.deepcopy(schema["default"]) for name, schema in request_properties.items()
            if "default" in schema and name not in body}
    data.update((key, value) for key, value in body.items()
                if not (key in item_properties and item_properties[key].get("readOnly")))
    return data


def required_properties(resource: Resource, shaper: t.Any) -> list[str]:
    """The properties the item schema requires."""
    if resource.item_schema is None:
        return []
    return list(shaper.schema(resource.item_schema).get("required", []))


def changeable(item_properties: dict[str, t.Any], request_properties: dict[str, t.Any], has_body: bool
               ) -> dict[str, t.Any]:
    """The properties a replace or a merge may change: those its body schema names; every property
    but the read-only ones where that schema names none (any object)."""
    if request_properties or not has_body:
        return request_properties
    return {name: schema for name, schema in item_properties.items() if not schema.get("readOnly")}


def _kept(old: dict[str, t.Any], resource: Resource, item_properties: dict[str, t.Any],
          request_properties: t.Collection[str]) -> dict[str, t.Any]:
    """What a change never touches: the identifier, the owner, read-only and other server-set fields."""
    kept = {name: value for name, value in old.items() if name == resource.id_property or name == resource.owner
            or name in resource.parents or (name in item_properties
                                            and server_set(name, item_properties[name], request_properties))}
    for name in UPDATED:
        if name in item_properties:
            kept[name] = _stamp(item_properties[name])
    return kept


def replaced(old: dict[str, t.Any], body: dict[str, t.Any], resource: Resource, item_properties: dict[str, t.Any],
             request_properties: dict[str, t.Any], required: t.Collection[str] = ()) -> dict[str, t.Any]:
    """PUT: the body replaces the item, but for what the server sets. The request schema's defaults
    fill what the body left out, and a ``required`` property still missing keeps its value."""
    data = _sent(body, item_properties, request_properties)
    data.update(_kept(old, resource, item_properties, request_properties))
    data.update((name, old[name]) for name in required if name not in data and name in old)
    return data


def merge_patch(target: t.Any, patch: t.Any) -> t.Any:
    """RFC 7386 JSON merge patch: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def merged(old: dict[str, t.Any], patch: t.Any, resource: Resource, item_properties: dict[str, t.Any],
           request_properties: t.Collection[str]) -> dict[str, t.Any]:
    """PATCH: the body merged into the item (RFC 7386), but for what the server sets."""
    result = merge_patch(old, patch if isinstance(patch, dict) else {})
    return {**result, **_kept(old, resource, item_properties, request_properties)}


# -- lists -----------------------------------------------------------------------------------------


def _paging_names(paging: Paging) -> set[str]:
    return {name for name in (paging.page, paging.size, paging.offset, paging.cursor) if name}


def matcher(query: dict[str, t.Any], resource: Resource, item_properties: dict[str, t.Any]
            ) -> t.Callable[[dict[str, t.Any]], bool]:
    """The list filters: every query parameter that names an item property must match it."""
    skip = _paging_names(resource.paging) | set(SORT) | set(DIRECTION)
    wanted = {name: value for name, value in query.items() if name in item_properties and name not in skip}
    if not wanted:
        return lambda data: True

    def accepts(data: dict[str, t.Any]) -> bool:
        for name, value in wanted.items():
            stored = data.get(name)
            values = value if isinstance(value, list) else [value]
            if isinstance(stored, list):
                if not any(item in stored for item in values):
                    return False
            elif stored not in values and str(stored) not in [str(item) for item in values]:
                return False
        return True

    return accepts


def ordered(items: list[dict[str, t.Any]], query: dict[str, t.Any], item_properties: dict[str, t.Any]
            ) -> list[dict[str, t.Any]]:
    """Stored order (oldest first), or the order a sort parameter names (``-name`` or a direction
    parameter for descending)."""
    field = next((query[name] for name in SORT if isinstance(query.get(name), str)), None)
    if not field:
        return items
    descending = field.startswith("-")
    field = field.lstrip("+-")
    if field not in item_properties:
        return items
    direction = next((str(query[name]).lower() for name in DIRECTION if name in query), "")
    descending = descending or direction in ("desc", "descending", "-1")
    present = [item for item in items if item.get(field) is not None]
    missing = [item for item in items if item.get(field) is None]
    try:
        present.sort(key=lambda item: item[field], reverse=descending)
    except TypeError:
        present.sort(key=lambda item: str(item[field]), reverse=descending)
    return present + missing


def _whole(value: t.Any, default: int) -> int:
    """A paging parameter as a whole number; the default for what is none (a contract may type
    ``page`` as any string, and then any string is valid)."""
    if isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


def _offset_of(query: dict[str, t.Any], paging: Paging, size: int) -> int:
    if paging.cursor and query.get(paging.cursor):
        return decode_cursor(str(query[paging.cursor]))
    if paging.page:
        return (max(1, _whole(query.get(paging.page), 1)) - 1) * size
    if paging.offset:
        return max(0, _whole(query.get(paging.offset), 0))
    return 0


def page_size(query: dict[str, t.Any], paging: Paging) -> int:
    return max(1, _whole(query.get(paging.size), paging.default_size)) if paging.size else paging.default_size


def page_of(items: list[t.Any], query: dict[str, t.Any], paging: Paging) -> tuple[list[t.Any], int, int]:
    """(the items of the page, its offset, its size)."""
    if paging.style == "none":
        return items, 0, len(items) or 1
    size = page_size(query, paging)
    start = _offset_of(query, paging, size)
    return items[start: start + size], start, size


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset a cursor of this mock names; any other cursor starts at the beginning."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return 0
    return int(text[1:]) if re.fullmatch(r"o\d{1,15}", text) else 0


def _link(link: Link, paging: Paging, query: dict[str, t.Any], url: str, offset: int, size: int) -> t.Any:
    page = offset // size + 1
    if link.holds == "page":
        return page
    if link.holds == "cursor" or paging.cursor:
        return encode_cursor(offset) if link.holds == "cursor" else _url(url, query, {paging.cursor: encode_cursor(
            offset)})
    if paging.page:
        return _url(url, query, {paging.page: page, **({paging.size: size} if paging.size else {})})
    if paging.offset:
        return _url(url, query, {paging.offset: offset, **({paging.size: size} if paging.size else {})})
    return None


def _url(url: str, query: dict[str, t.Any], changes: dict[str, t.Any]) -> str:
    merged = {**{key: value for key, value in query.items() if value is not None}, **changes}
    return f"{url}?{urlencode(merged, doseq=True)}"


def _put(body: dict[str, t.Any], at: tuple[str, ...], value: t.Any) -> None:
    for part in at[:-1]:
        body = body.setdefault(part, {})
    body[at[-1]] = value


def list_answer(page: tuple[list[t.Any], int, int], total: int, resource: Resource, query: dict[str, t.Any],
                url: str, bare: bool) -> t.Any:
    """A list answer in the shape the contract declares: the array itself, or an object holding the
    page's items, the total and the links to the neighbouring pages (null where there is none)."""
    items, offset, size = page
    shape: ListShape = resource.list_shape
    if bare or not shape.items:
        return items
    body: dict[str, t.Any] = {}
    _put(body, shape.items, items)
    if shape.total:
        _put(body, shape.total, total)
    paging = resource.paging
    if shape.next:
        _put(body, shape.next.at, _link(shape.next, paging, query, url, offset + size, size)
             if offset + size < total else None)
    if shape.previous:
        _put(body, shape.previous.at, _link(shape.previous, paging, query, url, max(0, offset - size), size)
             if offset > 0 else None)
    for name, at in shape.echo.items():
        _put(body, at, offset // size + 1 if name == paging.page else size if name == paging.size else offset)
    return body
