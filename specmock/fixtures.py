"""Seed data: what the store holds after a start or ``/__admin/reset``.

Each document's fixtures file (``--fixtures DIR`` gives ``DIR/<document>.json``; otherwise the
document's ``x-specmock.fixtures``) maps table names to lists of records. Tables named like a
resource the generic behaviour serves (``pets``) hold that resource's items as the API shows them;
any other table is a domain handler's, its records stored as they are (each with an ``id``). A
generic resource without fixtures starts with the items the contract's examples show.

Tables of the same name in several files are merged; a record may appear in several files only if
it is identical in each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from specmock import jsonio
from specmock.behaviours import Behaviours
from specmock.behaviours.examples import example_items
from specmock.behaviours.resource import table_of
from specmock.contract.loading import SpecError
from specmock.contract.model import Contract, Document
from specmock.contract.resources import Resource

Tables = dict[str, list[dict[str, Any]]]
MAX_FIXTURE_BYTES = 64 * 1024 * 1024


class FixtureError(SpecError):
    """A fixture file is unreadable, not JSON, or contradicts another."""


def fixture_file(document: Document, directory: Path | None) -> Path | None:
    if directory is not None:
        path = directory / f"{document.name}.json"
        return path if path.exists() else None
    return document.manifest.fixtures


def read_fixture_file(path: Path) -> dict[str, list[Any]]:
    try:
        if path.stat().st_size > MAX_FIXTURE_BYTES:
            raise FixtureError(f"{path}: larger than {MAX_FIXTURE_BYTES} bytes")
        data = jsonio.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise FixtureError(f"{path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(records, list) for records in data.values()):
        raise FixtureError(f"{path}: expected an object mapping table names to lists of records")
    return data


def seed_tables(contract: Contract, behaviours: Behaviours, directory: Path | None,
                owners: dict[str, str] | None = None) -> Tables:
    """Every table's seed records, ready for ``Store.replace_all``; the items of owned resources
    belong to ``owners[<document>]`` (its demo caller) unless a fixture item names its ``_owner``."""
    owners = owners or {}
    served = _generic_resources(contract, behaviours)
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    seeded: set[str] = set()
    for document in contract.documents.values():
        path = fixture_file(document, directory)
        data = read_fixture_file(path) if path is not None else {}
        for name, records in data.items():
            resource = served.get((document.name, name))
            if resource is not None:
                rows = [_stored(resource, item, path, owner=owners.get(document.name)) for item in records]
                seeded.add(table_of(resource))
                table = table_of(resource)
            else:
                rows, table = records, name
            _merge(tables.setdefault(table, {}), rows, table, path)
    for resource in served.values():
        if table_of(resource) not in seeded:
            document = contract.documents[resource.document]
            rows = [_stored(resource, item, document.path, scope, owners.get(document.name))
                    for scope, item in example_items(document, contract, resource, behaviours.shapers[document.name])]
            _merge(tables.setdefault(table_of(resource), {}), rows, table_of(resource), document.path)
    return {table: list(records.values()) for table, records in tables.items()}


def _generic_resources(contract: Contract, behaviours: Behaviours) -> dict[tuple[str, str], Resource]:
    return {(resource.document, resource.name): resource for resource in behaviours.resources.values()
            if any(behaviours.kind(contract.operations[key]) == "resource" for key in resource.operations.values())}


def _stored(resource: Resource, item: Any, path: Path | None, scope: list[Any] | None = None,
            owner: str | None = None) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get(resource.id_property) is None:
        raise FixtureError(f"{path}: every {resource.name} item needs its {resource.id_property!r}")
    item = dict(item)
    parents = item.pop("_parents", None) or {}
    if scope is None:
        scope = [parents.get(name, item.get(name)) for name in resource.parents]
    owner = item.pop("_owner", owner) if resource.owner else item.pop("_owner", None)
    if isinstance(resource.owner, str) and resource.owner in item:
        owner = str(item[resource.owner])
    return {"id": item[resource.id_property], "scope": scope, "owner": owner, "data": item}


def _merge(merged: dict[Any, dict[str, Any]], records: list[Any], table: str, path: Path | None) -> None:
    for record in records:
        if not isinstance(record, dict) or "id" not in record:
            raise FixtureError(f"{path}: every record of {table!r} needs an 'id'")
        known = merged.setdefault(record["id"], record)
        if known != record:
            raise FixtureError(f"{path}: {table} record {record['id']!r} differs from another fixture file's")
