"""TinyDB storages: the two-method interface (``read``, ``write``) behind the store, plus
``write_changes``, through which a write costs what it changes, not what is stored, and ``flush``.

``JournaledJSONStorage`` keeps TinyDB's JSON file format. The file itself is only ever replaced
atomically (``specmock.durable.atomic_write``), so a crash leaves the old or the new snapshot, never a
torn one. Between snapshots each write appends the documents it changed to a journal beside the
file (``<file>.journal``); writes are made durable in groups, one fsync for all the writes that
arrived meanwhile, on a thread of their own (``specmock.groupcommit``). ``flush`` returns once every
write made so far is durable: answer a request only after it. A group that cannot be made durable
(full or read-only disk, I/O error) fails as a whole: ``flush`` raises ``StorageUnavailable`` and
``undo`` puts back in memory what those writes changed, as if they had never been made.

Opening the storage takes the file's lock (one writer per file, ``specmock.locking``) and replays
the journal over the snapshot (``specmock.recovery``: a torn final line is dropped, other damage
refuses to open unless ``recover``). When the journal holds as many documents as the snapshot (at
least ``COMPACT_AFTER``), and on close, it is folded into a new snapshot: writes stay O(1)
amortised, and after a clean stop the file alone holds everything.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tinydb.storages import MemoryStorage, Storage

from specmock import recovery
from specmock.durable import atomic_write
from specmock.groupcommit import CommitFailed, GroupCommit, Stats, describe
from specmock.jsonio import dumps
from specmock.locking import FileLock, LockHeld

__all__ = ["COMPACT_AFTER", "JournaledJSONStorage", "MemoryStorage", "StorageCorrupted", "StorageError",
           "StorageLocked", "StorageUnavailable"]

logger = logging.getLogger("specmock.storage")
Tables = dict[str, dict[str, Any]]
COMPACT_AFTER = 1000


class StorageError(Exception):
    """The database cannot be used as asked; the message says why and what to do, for a person."""


class StorageCorrupted(StorageError):
    """The database file or its journal exists but does not read as the data specmock writes."""


class StorageLocked(StorageError):
    """Another process has the database open."""


class StorageUnavailable(StorageError):
    """Writes cannot be made durable (full or read-only disk, I/O error); those writes were undone."""


class JournaledJSONStorage(Storage):
    def __init__(self, path: str | os.PathLike[str], *, recover: bool = False, **_: Any) -> None:
        self.path = Path(path)
        self.journal_path = self.path.with_name(self.path.name + ".journal")
        self._lock = FileLock(self.path.with_name(self.path.name + ".lock"))
        self._commit: GroupCommit | None = None
        self._undo: deque[tuple[int, Callable[[], None]]] = deque()  # writes not yet durable, oldest first
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except LockHeld as held:
            raise StorageLocked(
                f"the database {self.path} is in use by another specmock server (process {held.holder or 'unknown'},"
                f" lock {held.path}). One server writes a database at a time: stop that one, or start this one "
                "with --db naming another file.") from None
        except OSError as error:
            raise _unavailable(self.path, error, "cannot open") from None
        try:
            self._data, self._entries, journal_length = self._open(recover)
            self._fold_after = _fold_after(self._data)
            self._commit = GroupCommit(self.journal_path, self.path, journal_length)
        except BaseException:
            self._lock.release()
            raise

    def _open(self, recover: bool) -> tuple[Tables, int, int]:
        """(data, journal documents since the snapshot, sound journal length)"""
        try:
            loaded = recovery.load(self.path, self.journal_path)
            if loaded.damage is not None and not recover:
                raise StorageCorrupted(recovery.refusal(loaded))
            if loaded.damage is not None:
                recovery.recover(self.path, self.journal_path, loaded)
            if loaded.torn:
                recovery.drop_torn_line(self.journal_path, loaded)
            if not loaded.snapshot_exists:
                atomic_write(self.path, dumps(loaded.data))  # the file exists from the start
        except OSError as error:
            raise _unavailable(self.path, error, "cannot open") from None
        for note in loaded.notes:
            logger.warning("specmock: %s", note)
        return loaded.data, loaded.entries, loaded.sound_length

    # -- the TinyDB interface ----------------------------------------------------------------------

    def read(self) -> Tables:
        """The live tables (snapshot plus journal, loaded once)."""
        return self._data

    def write(self, data: Tables) -> None:
        """Replace everything (the store's reset): durable when this returns; on failure nothing
        changed and ``StorageUnavailable`` is raised."""
        commit = self._open_commit()
        try:
            if self._entries or self._undo:
                # Fold first: then the journal is empty, and no line of the old data can ever be
                # replayed over the new one, whatever fails next.
                commit.snapshot(dumps(self._data), wait=True)
                self._entries = 0
            commit.snapshot(dumps(data), wait=True)
        except CommitFailed as failed:
            raise _unavailable(self.path, failed.error, "cannot write") from None
        self._data = data
        self._undo.clear()
        self._fold_after = _fold_after(data)

    def write_changes(self, table: str, changed: dict[str, Any], undo: Callable[[], None]) -> None:
        """Queue the documents of ``table`` that changed (doc id -> document, or None when removed);
        ``undo`` puts back what they replaced, should they fail to become durable."""
        commit = self._open_commit()
        while self._undo and self._undo[0][0] <= commit.settled:
            self._undo.popleft()
        line = dumps([table, changed])  # before anything is queued: a write that cannot be encoded fails alone
        self._undo.append((commit.append(line), undo))
        self._entries += len(changed)
        if self._entries >= self._fold_after:
            commit.snapshot(dumps(self._data), wait=False)
            self._entries = 0
            self._fold_after = _fold_after(self._data)

    async def flush(self) -> None:
        """Return once every write made so far is durable; else ``StorageUnavailable`` (call ``undo``)."""
        try:
            await self._open_commit().flush()
        except CommitFailed as failed:
            raise _unavailable(self.path, failed.error, "cannot write") from None

    def undo(self) -> bool:
        """After a failed flush: put back in memory every write that is not durable, newest first, and
        let writing resume. False when there was nothing to undo (another caller did it)."""
        commit = self._commit
        if commit is None or commit.failure is None:
            return False
        durable = commit.discard()
        while self._undo and self._undo[-1][0] > durable:
            self._undo.pop()[1]()
        self._undo.clear()
        return True

    def close(self) -> None:
        """Fold the journal into the file (the file alone then holds everything) and let go of it."""
        if self._commit is None:
            return
        commit, self._commit = self._commit, None
        try:
            if self._entries and commit.failure is None:
                commit.snapshot(dumps(self._data), wait=True)
        except CommitFailed as failed:
            logger.warning("specmock: could not fold the journal into %s at close (%s); the journal keeps "
                           "every acknowledged write and is replayed at the next start", self.path,
                           describe(failed.error))
        finally:
            commit.close()
            self._lock.release()
        stats = commit.stats
        logger.info("specmock: %s: %d writes in %d fsyncs (%.1f per fsync), %d answers released, %d snapshots, "
                    "%d failed groups", self.path, stats.writes, stats.fsyncs, stats.writes / max(stats.fsyncs, 1),
                    stats.answered, stats.snapshots, stats.failures)

    @property
    def stats(self) -> Stats:
        """Counts of the group commit: writes, fsyncs, answers released, snapshots, failed groups."""
        return self._open_commit().stats

    def _open_commit(self) -> GroupCommit:
        if self._commit is None:
            raise StorageUnavailable(f"the database {self.path} is closed")
        return self._commit


def _fold_after(data: Tables) -> int:
    """Journal documents after which to fold: as many as the snapshot holds (at least COMPACT_AFTER)."""
    return max(COMPACT_AFTER, sum(len(docs) for docs in data.values()))


def _unavailable(path: Path, error: OSError, doing: str) -> StorageUnavailable:
    return StorageUnavailable(f"{doing} the database {path}: {describe(error)}")
