"""TinyDB storages: the two-method interface (``read``, ``write``) behind the store, plus an
optional third, ``write_changes``, through which a write costs what it changes, not what is stored.

``JournaledJSONStorage`` keeps TinyDB's JSON file format. The file itself is only ever replaced
atomically (a temporary file in the same directory, flushed and fsynced, renamed over the old one,
the directory fsynced), so a crash leaves the old or the new snapshot, never a torn one. Between
snapshots each write appends the documents it changed to a journal beside the file
(``<file>.journal``, one JSON line per write) and fsyncs it before the write is acknowledged.
Opening the storage replays the journal over the snapshot; a final line cut short by a crash
belongs to a write that was never acknowledged and is dropped. When the journal holds as many
entries as the snapshot has documents (at least ``COMPACT_AFTER``), and on close, the journal is
folded into a new snapshot: writes stay O(1) amortised, and after a clean stop the file alone holds
everything.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import MemoryStorage, Storage

__all__ = ["COMPACT_AFTER", "JournaledJSONStorage", "MemoryStorage", "StorageCorrupted"]

Tables = dict[str, dict[str, Any]]
COMPACT_AFTER = 1000


class StorageCorrupted(Exception):
    """The database file or its journal exists but cannot be read as TinyDB data."""


class JournaledJSONStorage(Storage):
    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._data: Tables | None = None
        self._journal = None
        self._entries = 0

    # -- the TinyDB interface ----------------------------------------------------------------------

    def read(self) -> Tables | None:
        """The live tables (loaded once: snapshot plus journal)."""
        if self._data is None:
            self._data = _load_snapshot(self.path)
            self._entries = self._replay(self._data)
            if not self.path.exists():
                self._snapshot()  # the file exists from the start, as TinyDB's own storage does
        return self._data

    def write(self, data: Tables) -> None:
        """Replace everything: a new snapshot, an empty journal."""
        self._data = data
        self._snapshot()

    def write_changes(self, table: str, changed: dict[str, Any]) -> None:
        """Persist the documents of ``table`` that changed (doc id -> document, or None when removed)."""
        if not changed:
            return
        journal = self._open_journal()
        journal.write(orjson.dumps([table, changed]) + b"\n")  # one line: a write is replayed whole or not at all
        journal.flush()
        os.fsync(journal.fileno())
        self._entries += len(changed)
        if self._entries >= max(COMPACT_AFTER, sum(len(docs) for docs in (self._data or {}).values())):
            self._snapshot()

    def close(self) -> None:
        if self._data is not None and self._entries:
            self._snapshot()
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # -- internals ---------------------------------------------------------------------------------

    def _open_journal(self) -> Any:
        if self._journal is None:
            created = not self.journal_path.exists()
            self._journal = open(self.journal_path, "ab")  # noqa: SIM115  (kept open; closed in close())
            if created:
                _fsync_directory(self.path.parent)  # the new journal's directory entry survives power loss
        return self._journal

    def _snapshot(self) -> None:
        _atomic_write(self.path, orjson.dumps(self._data or {}))
        # The snapshot holds every journal entry: only now may the journal be emptied.
        journal = self._open_journal()
        journal.truncate(0)
        journal.flush()
        os.fsync(journal.fileno())
        self._entries = 0

    def _replay(self, data: Tables) -> int:
        try:
            raw = self.journal_path.read_bytes()
        except FileNotFoundError:
            return 0
        *complete, tail = raw.split(b"\n")
        entries = 0
        for number, line in enumerate(complete, 1):
            try:
                table, changed = orjson.loads(line)
                for doc_id, doc in changed.items():
                    _apply(data, table, doc_id, doc)
            except (orjson.JSONDecodeError, ValueError, TypeError, AttributeError) as exc:
                raise StorageCorrupted(f"{self.journal_path}: line {number} is not a journal entry") from exc
            entries += len(changed)
        if tail:
            # A write cut short by a crash was never acknowledged: drop it so appends start clean.
            with open(self.journal_path, "r+b") as handle:
                handle.truncate(sum(len(line) + 1 for line in complete))
        return entries


def _apply(data: Tables, table: str, doc_id: str, doc: dict[str, Any] | None) -> None:
    if doc is None:
        data.get(table, {}).pop(doc_id, None)
    else:
        data.setdefault(table, {})[doc_id] = doc


def _load_snapshot(path: Path) -> Tables:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    if not raw.strip():
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise StorageCorrupted(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(table, dict) for table in data.values()):
        raise StorageCorrupted(f"{path} does not hold a TinyDB document")
    return data


def _atomic_write(path: Path, payload: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
