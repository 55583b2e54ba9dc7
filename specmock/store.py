"""The store: TinyDB behind one narrow interface, safe for concurrent requests.

Every record carries its own ``id``. Reads and writes take one lock (handlers run in threads and
on the event loop at once; TinyDB is not thread-safe). Lookups by ``id`` and by the indexed
fields (``token``) use in-memory indexes instead of scanning. Tables are TinyDB tables whose
writes touch only the documents they change (``ChangeTable``), so a write costs the same with a
thousand records as with a hundred thousand. A write is acknowledged only after the storage
accepted it, and with ``JournaledJSONStorage`` that means it is on disk.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.table import Table

from specmock.storage import JournaledJSONStorage, MemoryStorage

Record = dict[str, Any]
INDEXED_FIELDS = ("token",)


class _Changes(MutableMapping):
    """A table's raw documents seen through TinyDB's int document ids, noting what an update touches."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.changed: dict[str, Any] = {}

    def __getitem__(self, doc_id: int) -> Any:
        doc = self.raw[str(doc_id)]
        self.changed[str(doc_id)] = doc  # handed out for in-place updates
        return doc

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        self.raw[str(doc_id)] = self.changed[str(doc_id)] = doc

    def __delitem__(self, doc_id: int) -> None:
        del self.raw[str(doc_id)]
        self.changed[str(doc_id)] = None

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(doc_id) for doc_id in self.raw)

    def __len__(self) -> int:
        return len(self.raw)


class ChangeTable(Table):
    """A TinyDB table that updates its documents in place and persists only the changed ones
    (through the storage's ``write_changes`` when it has one) instead of rebuilding the table."""

    def _update_table(self, updater: Callable[[dict[int, Any]], None]) -> None:
        tables = self._storage.read()
        if tables is None:
            tables = {}
            self._storage.write(tables)
        changes = _Changes(tables.setdefault(self.name, {}))
        updater(changes)  # type: ignore[arg-type]
        write_changes = getattr(self._storage, "write_changes", None)
        if write_changes is None:
            self._storage.write(tables)
        else:
            write_changes(self.name, changes.changed)
        self.clear_cache()

    def raw_documents(self) -> Iterable[dict[str, Any]]:
        """The stored documents themselves, in insertion order: read them, never change them."""
        return self._read_table().values()

    def raw_document(self, doc_id: int) -> dict[str, Any] | None:
        """One stored document itself (no Document wrapper): read it, never change it."""
        return self._read_table().get(str(doc_id))


class _TinyDB(TinyDB):
    table_class = ChangeTable


class Store:
    def __init__(self, db: TinyDB) -> None:
        self._db = db
        self._lock = threading.RLock()
        self._ids: dict[str, dict[Any, int]] = {}
        self._index: dict[tuple[str, str], dict[Any, int]] = {}
        self._counters: dict[str, int] = {}
        self._rebuild_indexes()

    @classmethod
    def memory(cls) -> Store:
        return cls(_TinyDB(storage=MemoryStorage))

    @classmethod
    def file(cls, path: str | Path) -> Store:
        return cls(_TinyDB(path, storage=JournaledJSONStorage))

    def locked(self):
        """Hold the store's lock across a read-check-write sequence (the lock is re-entrant)."""
        return self._lock

    # -- reads -------------------------------------------------------------------------------------

    def get(self, table: str, record_id: Any) -> Record | None:
        with self._lock:
            record = self.peek(table, record_id)
            return None if record is None else clone(record)

    def peek(self, table: str, record_id: Any) -> Record | None:
        """The stored record itself, not copied (as ``scan`` hands them out): read it, never change
        it, and copy what must outlive the request. For lookups that need a field or two."""
        with self._lock:
            doc_id = self._ids.get(table, {}).get(record_id)
            return None if doc_id is None else self._db.table(table).raw_document(doc_id)

    def has(self, table: str, record_id: Any) -> bool:
        with self._lock:
            return record_id in self._ids.get(table, {})

    def get_by(self, table: str, field: str, value: Any) -> Record | None:
        """The record whose indexed ``field`` equals ``value``."""
        with self._lock:
            doc_id = self._index.get((table, field), {}).get(value)
            return None if doc_id is None else clone(self._db.table(table).raw_document(doc_id))

    def find(self, table: str, predicate: Callable[[Record], bool] | None = None) -> list[Record]:
        """Copies of the records ``predicate`` accepts (all of them without one)."""
        with self._lock:
            return [clone(record) for record in self.scan(table, predicate)]

    def scan(self, table: str, predicate: Callable[[Record], bool] | None = None) -> list[Record]:
        """The stored records ``predicate`` accepts, not copied: read them, never change them, and
        copy what must outlive the lock. Use it to filter large tables cheaply."""
        with self._lock:
            records = self._db.table(table).raw_documents()
            return list(records) if predicate is None else [record for record in records if predicate(record)]

    def count(self, table: str) -> int:
        with self._lock:
            return len(self._ids.get(table, {}))

    def tables(self) -> list[str]:
        with self._lock:
            return sorted(self._db.tables())

    def dump(self) -> dict[str, list[Record]]:
        with self._lock:
            return {name: self.find(name) for name in self.tables()}

    # -- writes ------------------------------------------------------------------------------------

    def next_id(self, table: str) -> int:
        """The next integer id of a table whose ids are integers (1, 2, ...)."""
        with self._lock:
            self._counters[table] = self._counters.get(table, 0) + 1
            return self._counters[table]

    def insert(self, table: str, record: Record) -> Record:
        return self.insert_many(table, [record])[0]

    def insert_many(self, table: str, records: Iterable[Record]) -> list[Record]:
        """Store copies of ``records``; the records returned are the stored ones as a later ``get``
        reads them (equal to what was given, once through JSON), the caller's to change."""
        given = list(records)
        stored = clone(given)
        with self._lock:
            ids = self._ids.setdefault(table, {})
            for record in stored:
                if record.get("id") is None or record["id"] in ids:
                    raise ValueError(f"{table}: missing or duplicate id {record.get('id')!r}")
            doc_ids = self._db.table(table).insert_multiple(stored)
            for record, doc_id in zip(stored, doc_ids, strict=True):
                self._indexed(table, record, doc_id)
        return given if stored == given else clone(stored)

    def update(self, table: str, record_id: Any, changes: Record) -> Record:
        with self._lock:
            doc_id = self._ids[table][record_id]
            for field in INDEXED_FIELDS:
                if field in changes:
                    raise ValueError(f"{table}: indexed field {field!r} cannot change")
            self._db.table(table).update(changes, doc_ids=[doc_id])
            return clone(self._db.table(table).raw_document(doc_id))

    def remove(self, table: str, record_id: Any) -> bool:
        with self._lock:
            doc_id = self._ids.get(table, {}).pop(record_id, None)
            if doc_id is None:
                return False
            record = self._db.table(table).raw_document(doc_id) or {}
            for field in INDEXED_FIELDS:
                index = self._index.get((table, field), {})
                if field in record and index.get(record[field]) == doc_id:
                    del index[record[field]]
            self._db.table(table).remove(doc_ids=[doc_id])
            return True

    def replace_all(self, data: dict[str, list[Record]]) -> None:
        """Drop everything and load ``data`` (table name -> records) in one write per table."""
        with self._lock:
            self._db.drop_tables()
            self._ids.clear()
            self._index.clear()
            self._counters.clear()
            for table, records in data.items():
                if records:
                    self.insert_many(table, records)

    async def flush(self) -> None:
        """Returns once every write made so far is durable (each write is, as soon as it returns)."""

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- indexes -----------------------------------------------------------------------------------

    def _indexed(self, table: str, record: Record, doc_id: int) -> None:
        self._ids.setdefault(table, {})[record["id"]] = doc_id
        if isinstance(record["id"], int):
            self._counters[table] = max(self._counters.get(table, 0), record["id"])
        for field in INDEXED_FIELDS:
            if field in record:
                self._index.setdefault((table, field), {})[record[field]] = doc_id

    def _rebuild_indexes(self) -> None:
        for table in self._db.tables():
            for doc in self._db.table(table).all():
                self._indexed(table, doc, doc.doc_id)


def clone(value: Any) -> Any:
    """A deep copy of JSON data: an orjson round trip, several times faster than ``copy.deepcopy``
    (which remains the fallback for what orjson refuses, such as lone surrogates)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return copy.deepcopy(value)
