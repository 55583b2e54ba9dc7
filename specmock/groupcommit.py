"""Group commit: the journal's writer, on a thread of its own.

Writes are queued (``append``) by whoever changes the data, in memory and at once; ``flush`` waits,
without blocking the event loop, until the writer thread has made them durable. The writer is asked
once per turn of the event loop, after every request handled in that turn has queued its writes; it
takes everything queued up to the newest write somebody waits for, writes it as **one journal line**
and fsyncs once: one fsync serves every write of the turn, and of the turns that ran while the
previous fsync did. A line is written whole and acknowledged only after its fsync, and it ends where
a request ends, so after a crash a request's writes are there completely or not at all (a torn
final line is dropped at the next start).

Snapshots (a compaction, the store's reset, the fold on close) go through the same queue, so lines
and snapshots reach the disk in the order they were made: the queued lines before a snapshot are
made durable first, then the file is replaced, then the journal emptied.

When writing or fsyncing fails (a full or read-only disk, an I/O error) the writes not yet durable
are failed as a group: every waiter gets ``CommitFailed``, the journal is cut back to its last
durable length and reopened (after a failed fsync the kernel may have dropped the dirty pages and
cleared the error: retrying the fsync would prove nothing), and the thread writes nothing until the
owner has undone those writes in memory and called ``discard``. Writes queued later succeed again
as soon as the disk does. A failed compaction loses nothing: the journal still holds every write.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from specmock.durable import atomic_write, fsync_directory, truncate, write_all

logger = logging.getLogger("specmock.storage")


class CommitFailed(Exception):
    """The writes a caller waited for could not be made durable (``error`` says why)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Snapshot:
    """A whole-file replacement queued after write number ``seq``."""

    seq: int
    payload: bytes
    done: threading.Event | None = None  # for a caller that waits for it
    error: OSError | None = None


@dataclass
class _Entry:
    seq: int
    line: bytes


@dataclass
class Stats:
    fsyncs: int = 0  # journal lines written and fsynced
    writes: int = 0  # the writes they held
    answered: int = 0  # flushes they released (requests answered)
    snapshots: int = 0
    failures: int = 0


class GroupCommit:
    def __init__(self, journal: Path, snapshot: Path, journal_length: int) -> None:
        self._journal = journal
        self._snapshot = snapshot
        self._length = journal_length  # the journal's durable length: every byte before it is fsynced
        self._fd: int | None = None
        self._dirty = False  # the journal may hold bytes after ``_length`` (a failed write)
        self._mutex = threading.Lock()
        self._wake = threading.Condition(self._mutex)
        self._queue: list[_Entry | _Snapshot] = []
        self.appended = 0  # number of the newest queued write
        self.settled = 0  # every write up to this number is durable (or was discarded after a failure)
        self._requested = 0  # the newest write the writer was asked for
        self._wanted = 0  # the newest write somebody waits for (asked for at the end of the loop's turn)
        self._kicks: set[asyncio.AbstractEventLoop] = set()
        self.failure: OSError | None = None
        self._waiters: dict[asyncio.AbstractEventLoop, list[tuple[int, asyncio.Future[None]]]] = {}
        self._closing = False
        self.stats = Stats()
        self._thread = threading.Thread(target=self._run, name=f"group commit {journal.name}", daemon=True)
        self._thread.start()

    # -- the owner's side --------------------------------------------------------------------------

    def append(self, line: bytes) -> int:
        """Queue one write (a JSON text); its number."""
        with self._mutex:
            self.appended += 1
            self._queue.append(_Entry(self.appended, line))
            return self.appended

    def snapshot(self, payload: bytes, *, wait: bool) -> None:
        """Queue a replacement of the file by ``payload`` (taken after every write queued so far); with
        ``wait``, return once it is durable or raise ``CommitFailed``."""
        with self._mutex:
            if wait and self.failure is not None:
                raise CommitFailed(self.failure)
            item = _Snapshot(self.appended, payload, threading.Event() if wait else None)
            self._queue.append(item)
            if wait:
                self._requested = self.appended
            self._wake.notify()
        if item.done is not None:
            item.done.wait()
            if item.error is not None:
                raise CommitFailed(item.error)

    async def flush(self) -> None:
        """Return once every write queued so far is durable; raise ``CommitFailed`` if they cannot be."""
        target = self.appended
        if target <= self.settled:
            return
        future = asyncio.get_running_loop().create_future()
        with self._mutex:
            if self.failure is not None:
                raise CommitFailed(self.failure)
            if target <= self.settled:
                return
            if self._closing:
                raise CommitFailed(OSError(errno.ESHUTDOWN, "the store is closed"))
            loop = future.get_loop()
            self._waiters.setdefault(loop, []).append((target, future))
            self._wanted = max(self._wanted, target)
            if loop not in self._kicks:
                # The writer starts at the end of this turn of the event loop: every request handled
                # in the same turn joins the group (bench/durability.py: ~12 writes per fsync under 32
                # connections, against ~1.5 when each flush woke the writer at once).
                self._kicks.add(loop)
                loop.call_soon(self._kick, loop)
        await future

    def _kick(self, loop: asyncio.AbstractEventLoop) -> None:
        with self._mutex:
            self._kicks.discard(loop)
            if self._wanted > self._requested:
                self._requested = self._wanted
                self._wake.notify()

    def discard(self) -> int:
        """After a failure, once the owner has undone them: forget the writes not durable; the number
        of the last durable write. Writing resumes with the next write."""
        with self._mutex:
            durable = self.settled
            self._queue.clear()
            self.settled = self._requested = self._wanted = self.appended
            self.failure = None
            return durable

    def close(self) -> None:
        """Write what is queued (unless a failure stopped the writer), then stop the thread."""
        with self._mutex:
            self._closing = True
            self._requested = self.appended
            self._wake.notify()
        self._thread.join()
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    # -- the writer thread -------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._mutex:
                while not self._due():
                    if self._closing:
                        return
                    self._wake.wait()
                taken = next((index for index, item in enumerate(self._queue) if item.seq > self._requested),
                             len(self._queue))
                batch, self._queue = self._queue[:taken], self._queue[taken:]
            try:
                self._write(batch)
            except Exception as error:  # a bug, not the disk: fail the group rather than hang its waiters
                logger.exception("specmock: the journal writer failed")
                self._fail(OSError(errno.EIO, f"the journal writer failed: {error!r}"), batch)

    def _due(self) -> bool:
        return self.failure is None and bool(self._queue) and self._queue[0].seq <= self._requested

    def _write(self, batch: list[_Entry | _Snapshot]) -> None:
        lines: list[_Entry] = []
        try:
            for item in batch:
                if isinstance(item, _Entry):
                    lines.append(item)
                    continue
                self._append(lines)
                lines = []
                self._replace(item)
            self._append(lines)
        except OSError as error:
            self._fail(error, batch)

    def _append(self, lines: list[_Entry]) -> None:
        if self._dirty:
            self._cut_back()
        if not lines:
            return
        data = b"[" + b",".join(entry.line for entry in lines) + b"]\n"
        fd = self._open()
        self._dirty = True
        write_all(fd, data)
        os.fdatasync(fd)
        self._dirty = False
        self._length += len(data)
        self.stats.fsyncs += 1
        self.stats.writes += len(lines)
        self._settle(lines[-1].seq)

    def _replace(self, item: _Snapshot) -> None:
        try:
            atomic_write(self._snapshot, item.payload)
            # The file now holds every journal line: only now may the journal be emptied. (If this
            # fails, the lines stay: replaying them over the new file changes nothing.)
            truncate(self._open(), 0)
            self._length = 0
            self.stats.snapshots += 1
        except OSError as error:
            if item.done is None:
                logger.warning("specmock: could not fold the journal into %s (%s); nothing is lost, the journal "
                               "keeps every write and the fold is tried again later", self._snapshot, describe(error))
            item.error = error
        self._settle(item.seq)
        if item.done is not None:
            item.done.set()

    def _open(self) -> int:
        if self._fd is None:
            created = not self._journal.exists()
            self._fd = os.open(self._journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            if created:
                fsync_directory(self._journal.parent)
        return self._fd

    def _cut_back(self) -> None:
        """Drop what a failed write left after the durable length, on a descriptor opened anew."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        truncate(self._open(), self._length)
        self._dirty = False

    def _settle(self, seq: int) -> None:
        with self._mutex:
            self.settled = max(self.settled, seq)
            due: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
            for loop, waiting in list(self._waiters.items()):
                due[loop] = [future for target, future in waiting if target <= self.settled]
                waiting[:] = [(target, future) for target, future in waiting if target > self.settled]
                if not waiting:
                    del self._waiters[loop]
            self.stats.answered += sum(map(len, due.values()))
        for loop, futures in due.items():
            if futures:
                _release(loop, futures, None)

    def _fail(self, error: OSError, batch: list[_Entry | _Snapshot]) -> None:
        self.stats.failures += 1
        self._dirty = True
        try:
            self._cut_back()  # at once: a failed write must not come back at the next start
        except OSError as cut:
            logger.warning("specmock: could not cut %s back to its last durable length (%s); the next write "
                           "tries again, and until then a restart may bring back the writes that failed",
                           self._journal, describe(cut))
        with self._mutex:
            self.failure = error
            waiters, self._waiters = self._waiters, {}
            snapshots = [item for item in (*batch, *self._queue) if isinstance(item, _Snapshot)]
            self._queue = [item for item in self._queue if not isinstance(item, _Snapshot)]
        for loop, waiting in waiters.items():
            _release(loop, [future for _, future in waiting], error)
        for item in snapshots:
            if item.done is not None and not item.done.is_set():
                item.error = error
                item.done.set()


def _release(loop: asyncio.AbstractEventLoop, futures: list[asyncio.Future[None]], error: OSError | None) -> None:
    def release() -> None:
        for future in futures:
            if not future.done():
                if error is None:
                    future.set_result(None)
                else:
                    future.set_exception(CommitFailed(error))

    with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits any more
        loop.call_soon_threadsafe(release)


def describe(error: OSError) -> str:
    """``No space left on device (/data/db.json.journal)``: the reason, and the file when known."""
    reason = error.strerror or str(error)
    return f"{reason} ({error.filename})" if error.filename else reason
