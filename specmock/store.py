"""The store: TinyDB behind one narrow interface, safe for concurrent requests.

Every record carries its own ``id``. Reads and writes take one lock (handlers run in threads and
on the event loop at once; TinyDB is not thread-safe). Lookups by ``id`` and by the indexed
fields (``token``) use in-memory indexes instead of scanning. Tables are TinyDB tables whose
writes touch only the documents they change (``ChangeTable``), so a write costs the same with a
thousand records as with a hundred thousand.

A write changes the data in memory at once; ``await flush()`` returns when every write made so far
is durable (at once in memory), and an answer goes out only after it. With ``JournaledJSONStorage``
writes become durable in groups; a group that cannot (full or read-only disk) is undone here, so
that what the failed requests changed is never seen, and ``flush`` raises ``StorageUnavailable``.
"""

from __future__ import annotations

import copy
import os
import threading
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from specmock.sorted_index import Ordered, Ordering, SortedIndex
from specmock.storage import JournaledJSONStorage, MemoryStorage, StorageUnavailable

Record = dict[str, Any]
INDEXED_FIELDS = ("token",)


class _Changes(MutableMapping):
    """A table's raw documents seen through TinyDB's int document ids, noting what an update touches
    and what it replaced (so that the update can be undone)."""

    def __init__(self, tables: dict[str, dict[str, Any]], name: str) -> None:
        self.tables = tables
        self.name = name
        self.created = name not in tables
        self.raw = tables.setdefault(name, {})
        self.changed: dict[str, Any] = {}
        self.before: dict[str, Any] = {}  # doc id -> the document before (None: there was none)

    def __getitem__(self, doc_id: int) -> Any:
        key = str(doc_id)
        doc = self.raw[key]
        if key not in self.before:
            self.before[key] = dict(doc)  # TinyDB's updates replace top-level fields of the document handed out
        self.changed[key] = doc  # handed out for in-place updates
        return doc

    def __setitem__(self, doc_id: int, doc: Any) -> None:
        key = str(doc_id)
        self.before.setdefault(key, self.raw.get(key))
        self.raw[key] = self.changed[key] = doc

    def __delitem__(self, doc_id: int) -> None:
        key = str(doc_id)
        self.before.setdefault(key, self.raw[key])
        del self.raw[key]
        self.changed[key] = None

    def undo(self) -> None:
        """Put back every document as it was before this update."""
        for key, doc in self.before.items():
            if doc is None:
                self.raw.pop(key, None)
            else:
                self.raw[key] = doc
        if self.created and not self.raw:
            self.tables.pop(self.name, None)

    def __contains__(self, doc_id: object) -> bool:
        return str(doc_id) in self.raw

    def __iter__(self) -> Iterator[int]:
        return (int(doc_id) for doc_id in self.raw)

    def __len__(self) -> int:
        return len(self.raw)


class ChangeTable(Table):
    """A TinyDB table that updates its documents in place and persists only the changed ones
    (through the storage's ``write_changes`` when it has one) instead of rebuilding the table. An
    update that fails (in TinyDB or in the storage) is undone: it changed nothing."""

    def _update_table(self, updater: Callable[[dict[int, Any]], None]) -> None:
        tables = self._storage.read()
        if tables is None:
            tables = {}
            self._storage.write(tables)
        changes = _Changes(tables, self.name)
        try:
            updater(changes)  # type: ignore[arg-type]
            write_changes = getattr(self._storage, "write_changes", None)
            if write_changes is None:
                self._storage.write(tables)
            elif changes.changed:
                write_changes(self.name, changes.changed, changes.undo)
        except BaseException:
            changes.undo()
            raise
        finally:
            self.clear_cache()

    def raw_items(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """(doc id, stored document) pairs: read them, never change them."""
        return self._read_table().items()

    def raw_documents(self) -> Iterable[dict[str, Any]]:
        """The stored documents themselves, in insertion order: read them, never change them."""
        return self._read_table().values()

    def raw_document(self, doc_id: int) -> dict[str, Any] | None:
        """One stored document itself (no Document wrapper): read it, never change it."""
        return self._read_table().get(str(doc_id))


class _TinyDB(TinyDB):
    table_class = ChangeTable


class Store:
    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._flush = getattr(storage, "flush", None)
        self._lock = threading.RLock()
        self._ids: dict[str, dict[Any, int]] = {}
        self._index: dict[tuple[str, str], dict[Any, int]] = {}
        self._counters: dict[str, int] = {}
        self._sorted: dict[str, dict[str, SortedIndex]] = {}  # table -> ordering name -> index
        self._unsortable: set[tuple[str, str]] = set()  # (table, ordering name): a record it cannot place
        self._reopen()

    @classmethod
    def memory(cls) -> Store:
        return cls(MemoryStorage())

    @classmethod
    def file(cls, path: str | Path, *, recover: bool = False) -> Store:
        """The store of a database file (see ``JournaledJSONStorage``); ``recover`` opens a damaged one
        by setting the damage aside."""
        return cls(JournaledJSONStorage(path, recover=recover))

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
            record = self.peek_by(table, field, value)
            return None if record is None else clone(record)

    def peek_by(self, table: str, field: str, value: Any) -> Record | None:
        """``get_by``'s record itself, not copied (as ``peek``): for a field or two, or whether it exists."""
        with self._lock:
            doc_id = self._index.get((table, field), {}).get(value)
            return None if doc_id is None else self._db.table(table).raw_document(doc_id)

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

    def ordered(self, table: str, ordering: Ordering, group: Any) -> Ordered | None:
        """The stored records of ``group`` in ``ordering``'s order, from an index the store keeps from
        the first call on (built then from the data): read them, never change them, while holding
        ``locked()``. None when the records' order keys cannot be compared: scan instead."""
        with self._lock:
            indexes = self._sorted.setdefault(table, {})
            index = indexes.get(ordering.name)
            if index is None or index.ordering != ordering:
                if (table, ordering.name) in self._unsortable:
                    return None
                index = SortedIndex(ordering)
                try:
                    for doc_id, doc in self._db.table(table).raw_items():
                        index.add(doc, int(doc_id))
                except Exception:  # noqa: BLE001 - as in _each_sorted
                    self._unsortable.add((table, ordering.name))
                    return None
                indexes[ordering.name] = index
            return Ordered(index.entries(group), self._db.table(table).raw_document)

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
            before = dict(self._db.table(table).raw_document(doc_id) or {}) if self._sorted.get(table) else None
            self._db.table(table).update(changes, doc_ids=[doc_id])
            after = self._db.table(table).raw_document(doc_id)
            if before is not None:
                self._sort_out(table, before, doc_id)
                self._sort_in(table, after, doc_id)
            return clone(after)

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
            self._sort_out(table, record, doc_id)
            return True

    def replace_all(self, data: dict[str, list[Record]]) -> None:
        """Drop everything and load ``data`` (table name -> records) in one write: durable when this
        returns (a snapshot of its own), or nothing changed and ``StorageUnavailable`` is raised."""
        tables: dict[str, dict[str, Any]] = {}
        for table, records in data.items():
            stored = clone(list(records))
            ids = [record.get("id") for record in stored]
            if None in ids or len(set(ids)) != len(ids):
                raise ValueError(f"{table}: missing or duplicate id")
            if stored:
                tables[table] = {str(number): record for number, record in enumerate(stored, 1)}
        with self._lock:
            self._undo_failed()
            try:
                self._storage.write(tables)
            except StorageUnavailable:
                self._undo_failed()
                raise
            self._counters.clear()
            self._reopen()

    async def flush(self) -> None:
        """Return once every write made so far is durable: at once when none is pending, and always
        for the memory store. Answer a request (a read too: it may show another request's write) only
        after this returned. Raises ``StorageUnavailable`` when the writes cannot be made durable;
        they are then undone, every write not yet durable with them, and nothing they changed is
        seen again. Await it in the same event-loop step as the handler ran: a write undone in
        between would otherwise go unnoticed by a caller that read it."""
        if self._flush is None:
            return
        try:
            await self._flush()
        except StorageUnavailable:
            with self._lock:
                self._undo_failed()
            raise

    def close(self) -> None:
        with self._lock:
            self._undo_failed()
            self._db.close()

    # -- indexes -----------------------------------------------------------------------------------

    def _undo_failed(self) -> None:
        """Once per failed group: the storage puts back what its writes changed, the indexes follow."""
        undo = getattr(self._storage, "undo", None)
        if undo is not None and undo():
            self._reopen()

    def _reopen(self) -> None:
        """TinyDB anew over the storage (its tables cache the next document id: after a reset or an
        undo that number must come from the data) and the indexes rebuilt from the data."""
        storage = self._storage
        self._db = _TinyDB(storage=lambda: storage)
        self._ids.clear()
        self._index.clear()
        self._sorted.clear()  # built again from the data when next asked for
        self._unsortable.clear()
        for table in self._db.tables():
            for doc_id, doc in self._db.table(table).raw_items():
                self._indexed(table, doc, int(doc_id))

    def _indexed(self, table: str, record: Record, doc_id: int) -> None:
        self._ids.setdefault(table, {})[record["id"]] = doc_id
        if isinstance(record["id"], int):
            self._counters[table] = max(self._counters.get(table, 0), record["id"])
        for field in INDEXED_FIELDS:
            if field in record:
                self._index.setdefault((table, field), {})[record[field]] = doc_id
        self._sort_in(table, record, doc_id)

    def _sort_in(self, table: str, record: Record, doc_id: int) -> None:
        """``record`` added to the table's sorted indexes."""
        self._each_sorted(table, lambda index: index.add(record, doc_id))

    def _sort_out(self, table: str, record: Record, doc_id: int) -> None:
        """``record`` (as it was stored) taken out of the table's sorted indexes."""
        self._each_sorted(table, lambda index: index.discard(record, doc_id))

    def _each_sorted(self, table: str, change: Callable[[SortedIndex], None]) -> None:
        indexes = self._sorted.get(table)
        for name, index in list(indexes.items()) if indexes else ():
            try:
                change(index)
            except Exception:  # noqa: BLE001 - a record the ordering cannot place (TypeError, KeyError)
                del indexes[name]  # the index is only a shortcut: without it, lists scan (until a reset)
                self._unsortable.add((table, name))


def clone(value: Any) -> Any:
    """A deep copy of JSON data: an orjson round trip, several times faster than ``copy.deepcopy``
    (which remains the fallback for what orjson refuses, such as lone surrogates)."""
    try:
        return orjson.loads(orjson.dumps(value))
    except TypeError:
        return copy.deepcopy(value)


def new_uuid() -> str:
    """A version 4 UUID as text, as ``str(uuid.uuid4())`` writes it (the same 122 random bits from
    ``os.urandom``, the same lower-case 8-4-4-4-12 spelling), without building a ``uuid.UUID``
    object: a request that makes several ids spent more on the objects than on the randomness."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # version 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    text = raw.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
