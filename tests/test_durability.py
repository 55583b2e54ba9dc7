"""Group commit and failing disks, in process: a write is answered only once an fsync covers it,
one fsync serves a whole group, and a group that cannot be made durable is undone as a whole
(``Store.flush`` raises ``StorageUnavailable``, nothing it wrote is seen again, writing resumes once
the disk does). The disk fails where the operating system would: ``tests/disk_faults.py``."""

from __future__ import annotations

import asyncio
import errno
import json

import pytest

from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.storage import COMPACT_AFTER, StorageUnavailable
from specmock.store import Store
from tests.conftest import BEARER, make_client
from tests.disk_faults import Disk
from tests.test_store import crashed_copy, durable

CREATE = "/api/v4/content_requests"
BODY = {"content_request": {"name": "n", "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}


def stored_ids(path, tmp_path) -> list[int]:
    """The ids a restart after a kill -9 would find (the files copied while the store is open)."""
    again = Store.file(crashed_copy(path, tmp_path))
    try:
        return sorted(record["id"] for record in again.find("t"))
    finally:
        again.close()


async def writers(store: Store, ids: range, *more) -> list[BaseException | None]:
    """One task per id (and per coroutine in ``more``), each inserting its record and waiting for it
    as the engine does, all in the same turn of the event loop; how each ended."""

    async def one(record_id: int) -> None:
        store.insert("t", {"id": record_id})
        await store.flush()

    return await asyncio.gather(*(one(record_id) for record_id in ids), *more, return_exceptions=True)


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "db.json"
    store = Store.file(path)
    yield path, store
    store.close()


def test_flush_returns_at_once_when_nothing_is_pending(store):
    asyncio.run(asyncio.wait_for(store.flush(), 1))
    store.insert("t", {"id": 1})
    asyncio.run(asyncio.wait_for(store.flush(), 5))
    asyncio.run(asyncio.wait_for(store.flush(), 1))


def test_a_write_reaches_the_journal_only_when_somebody_waits_for_it(db, tmp_path):
    path, store = db
    store.insert("t", {"id": 1})
    assert stored_ids(path, tmp_path) == []  # queued in memory, not yet on disk: not acknowledged either
    durable(store)
    assert stored_ids(path, tmp_path) == [1]


def test_one_fsync_serves_every_write_of_a_turn_of_the_event_loop(db, tmp_path):
    path, store = db
    assert asyncio.run(writers(store, range(1, 65))) == [None] * 64
    stats = store._storage.stats
    assert (stats.writes, stats.fsyncs, stats.answered) == (64, 1, 64)
    assert stored_ids(path, tmp_path) == list(range(1, 65))


def test_a_read_waits_for_the_writes_it_may_show(db, tmp_path):
    path, store = db

    async def scenario() -> list[int]:
        store.insert("t", {"id": 1})  # a request that has not reached its flush yet
        reader = asyncio.ensure_future(store.flush())  # another request, reading: waits for that write
        await reader
        return stored_ids(path, tmp_path)

    assert asyncio.run(scenario()) == [1]


def test_a_request_spanning_several_writes_reaches_the_journal_in_one_line(db):
    path, store = db
    store.insert("t", {"id": 1})
    store.update("t", 1, {"name": "renamed"})
    store.insert("u", {"id": "a"})
    durable(store)
    lines = path.with_name("db.json.journal").read_bytes().splitlines()
    assert len(lines) == 1 and [table for table, _ in json.loads(lines[0])] == ["t", "t", "u"]


def test_a_group_ends_where_a_request_ends(db, tmp_path):
    path, store = db

    async def scenario() -> None:
        store.insert("t", {"id": 1})
        waiter = asyncio.ensure_future(store.flush())  # request 1 is done and waits
        await asyncio.sleep(0)
        store.insert("t", {"id": 2})  # request 2 has written, but has not finished when the writer starts
        await waiter
        assert stored_ids(path, tmp_path) == [1]
        await store.flush()

    asyncio.run(scenario())
    assert stored_ids(path, tmp_path) == [1, 2]


@pytest.mark.parametrize("call, code", [("fdatasync", errno.EIO), ("fdatasync", errno.ENOSPC),
                                        ("write", errno.ENOSPC), ("write", errno.EROFS)])
def test_a_group_that_cannot_be_made_durable_is_undone_whole(db, tmp_path, monkeypatch, call, code):
    path, store = db
    store.insert("t", {"id": 1, "name": "kept"})
    durable(store)
    journal = path.with_name("db.json.journal")
    before = journal.read_bytes()
    disk = Disk(monkeypatch, tmp_path).fail(call, code, partial=call == "write")

    async def change_then_remove() -> None:  # another request of the same group
        store.update("t", 1, {"name": "changed by a failed request"})
        store.remove("t", 1)
        await store.flush()

    outcomes = asyncio.run(writers(store, range(2, 10), change_then_remove()))
    assert all(isinstance(outcome, StorageUnavailable) for outcome in outcomes), outcomes
    assert "cannot write the database" in str(outcomes[0]) and str(path) in str(outcomes[0])
    assert store.find("t") == [{"id": 1, "name": "kept"}]  # nothing of the group is seen
    assert journal.read_bytes() == before  # cut back to the last durable point
    disk.heal()
    assert asyncio.run(writers(store, range(10, 12))) == [None, None]  # the disk is back: no restart needed
    assert stored_ids(path, tmp_path) == [1, 10, 11]
    assert store.next_id("t") == 12


def test_after_a_failed_fsync_the_journal_is_reopened_not_trusted(db, tmp_path, monkeypatch):
    path, store = db
    disk = Disk(monkeypatch, tmp_path).fail("fdatasync", errno.EIO)
    assert isinstance(asyncio.run(writers(store, range(1, 2)))[0], StorageUnavailable)
    opened = list(disk.opened)
    assert opened and opened[-1] == str(path.with_name("db.json.journal"))  # a new descriptor at once
    disk.heal()
    assert asyncio.run(writers(store, range(2, 3))) == [None]
    assert stored_ids(path, tmp_path) == [2]


def test_a_journal_that_cannot_be_cut_back_at_once_is_cut_back_before_the_next_write(db, tmp_path, monkeypatch,
                                                                                      caplog):
    path, store = db
    disk = Disk(monkeypatch, tmp_path).fail("fdatasync", errno.EIO)
    disk.fail("ftruncate", errno.EIO)
    assert isinstance(asyncio.run(writers(store, range(1, 2)))[0], StorageUnavailable)
    assert "could not cut" in caplog.text and path.with_name("db.json.journal").read_bytes()  # still there
    disk.heal()
    assert asyncio.run(writers(store, range(2, 3))) == [None]
    assert stored_ids(path, tmp_path) == [2]  # the failed write did not come back


def test_writes_while_the_disk_fails_keep_failing_and_reads_keep_working(db, tmp_path, monkeypatch):
    path, store = db
    store.insert("t", {"id": 1})
    durable(store)
    Disk(monkeypatch, tmp_path).fail("write", errno.ENOSPC)
    for record_id in (2, 3):
        assert isinstance(asyncio.run(writers(store, range(record_id, record_id + 1)))[0], StorageUnavailable)
    asyncio.run(asyncio.wait_for(store.flush(), 1))  # a read: nothing pending, answered at once
    assert store.find("t") == [{"id": 1}]


@pytest.mark.parametrize("call", ["replace", "fsync"])
def test_a_failed_compaction_loses_and_unacknowledges_nothing(db, tmp_path, monkeypatch, call):
    path, store = db
    disk = Disk(monkeypatch, tmp_path).fail(call, errno.ENOSPC if call == "replace" else errno.EIO, only=".tmp")
    outcomes = asyncio.run(writers(store, range(1, COMPACT_AFTER + 20)))  # a fold is due on the way, and fails
    assert outcomes == [None] * (COMPACT_AFTER + 19)
    assert disk.calls[call] >= 1 and not list(tmp_path.glob(".db.json*.tmp"))
    assert stored_ids(path, tmp_path) == list(range(1, COMPACT_AFTER + 20))
    disk.heal()
    store.close()
    assert len(json.loads(path.read_text())["t"]) == COMPACT_AFTER + 19  # folded at close once it can
    assert path.with_name("db.json.journal").read_bytes() == b""


def test_a_reset_that_cannot_be_written_changes_nothing(db, tmp_path, monkeypatch):
    path, store = db
    store.insert("t", {"id": 1})
    durable(store)
    disk = Disk(monkeypatch, tmp_path).fail("replace", errno.EROFS)
    with pytest.raises(StorageUnavailable):
        store.replace_all({"other": [{"id": "x"}]})
    assert store.tables() == ["t"] and store.find("t") == [{"id": 1}]
    disk.heal()
    store.replace_all({"other": [{"id": "x"}]})
    assert stored_ids(path, tmp_path) == [] and store.tables() == ["other"]


def test_a_fold_that_fails_at_close_keeps_everything_in_the_journal(tmp_path, monkeypatch, caplog):
    path = tmp_path / "db.json"
    store = Store.file(path)
    store.insert("t", {"id": 1})
    durable(store)
    disk = Disk(monkeypatch, tmp_path).fail("replace", errno.ENOSPC)
    store.close()
    assert "could not fold the journal" in caplog.text
    disk.heal()
    again = Store.file(path)
    assert again.find("t") == [{"id": 1}]
    again.close()


def test_full_disk_answers_507_and_the_request_is_not_applied(tmp_path, monkeypatch):
    store = Store.file(tmp_path / "db.json")
    settings = Settings()
    create_app(settings, store)  # seeds the empty store
    headers = {"Authentication": BEARER}
    with make_client(settings, store) as client:
        before = client.get(CREATE, params={"pending": "true"}, headers=headers).json()["meta"]["total_count"]
        disk = Disk(monkeypatch, tmp_path).fail("write", errno.ENOSPC)
        refused = client.post(CREATE, json=BODY, headers=headers)
        assert refused.status_code == 507, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert "No space left on device" in refused.json()["detail"]
        listed = client.get(CREATE, params={"pending": "true"}, headers=headers)  # reads keep working
        assert listed.status_code == 200 and listed.json()["meta"]["total_count"] == before
        disk.heal()
        created = client.post(CREATE, json=BODY, headers=headers)
        assert created.status_code == 201
        assert client.get(CREATE, params={"pending": "true"}, headers=headers).json()["meta"]["total_count"] \
            == before + 1
    store.close()
