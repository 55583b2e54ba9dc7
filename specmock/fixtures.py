"""Seed data: one JSON file per API under the fixtures directory, each mapping table -> records.

Tables with the same name in several files (the image library, the platform's users and albums)
are merged; a record may appear in several files only if it is identical in each.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson


class FixtureError(Exception):
    """A fixture file is unreadable, not JSON, or contradicts another."""


def load_fixtures(directory: Path, apis: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, dict[Any, dict[str, Any]]] = {}
    for api in apis:
        path = directory / f"{api}.json"
        if not path.exists():
            continue
        try:
            data = orjson.loads(path.read_bytes())
        except (OSError, orjson.JSONDecodeError) as exc:
            raise FixtureError(f"{path}: {exc}") from exc
        if not isinstance(data, dict):
            raise FixtureError(f"{path}: expected an object mapping table names to lists of records")
        for table, records in data.items():
            merged = tables.setdefault(table, {})
            for record in records:
                if not isinstance(record, dict) or "id" not in record:
                    raise FixtureError(f"{path}: every record of {table!r} needs an 'id'")
                known = merged.setdefault(record["id"], record)
                if known != record:
                    raise FixtureError(f"{path}: {table} record {record['id']!r} differs from another fixture file's")
    return {table: list(records.values()) for table, records in tables.items()}
