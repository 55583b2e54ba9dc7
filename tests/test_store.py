"""The store's interface, on the memory and the file backend alike."""

from __future__ import annotations

import asyncio
import errno
import json
import threading

import hypothesis
import pytest
from hypothesis import strategies as st

from specmock.sorted_index import Ordering
from specmock.storage import COMPACT_AFTER, JournaledJSONStorage, StorageCorrupted, StorageUnavailable
from specmock.store import Store
from tests.disk_faults import Disk


def test_insert_then_get_by_id_and_indexed_field(store):
    store.insert("things", {"id": 1, "token": "abc", "name": "one"})
    assert store.get("things", 1) == {"id": 1, "token": "abc", "name": "one"}
    assert store.get_by("things", "token", "abc")["name"] == "one"
    assert store.get("things", 2) is None and store.get_by("things", "token", "zzz") is None
    assert store.has("things", 1) and not store.has("things", 2) and not store.has("other", 1)


def test_returned_records_are_copies(store):
    record = store.insert("things", {"id": "a", "tags": ["x"]})
    record["tags"].append("y")
    store.get("things", "a")["tags"].append("z")
    assert store.get("things", "a")["tags"] == ["x"]


def test_insert_answers_what_a_later_get_reads(store):
    given = {"id": "a", "pair": (1, 2), "nested": {"x": [1]}}
    record = store.insert("things", given)
    assert record == store.get("things", "a") == {"id": "a", "pair": [1, 2], "nested": {"x": [1]}}
    given["nested"]["x"].append(2)
    assert store.get("things", "a")["nested"] == {"x": [1]}


def test_peek_reads_the_stored_record_without_copying(store):
    store.insert("things", {"id": "a", "name": "one"})
    assert store.peek("things", "a") == {"id": "a", "name": "one"}
    assert store.peek("things", "a") is store.peek("things", "a")
    assert store.peek("things", "b") is None and store.peek("other", "a") is None


def test_duplicate_or_missing_id_is_refused_and_stores_nothing(store):
    store.insert("things", {"id": 1})
    with pytest.raises(ValueError):
        store.insert_many("things", [{"id": 2}, {"id": 1}])
    with pytest.raises(ValueError):
        store.insert("things", {"name": "no id"})
    assert store.count("things") == 1


def test_update_find_remove(store):
    store.insert_many("things", [{"id": i, "token": f"t{i}", "even": i % 2 == 0} for i in range(1, 6)])
    assert store.update("things", 3, {"name": "three"})["name"] == "three"
    assert [r["id"] for r in store.find("things", lambda r: r["even"])] == [2, 4]
    assert store.remove("things", 2) is True and store.remove("things", 2) is False
    assert store.get_by("things", "token", "t2") is None
    assert store.count("things") == 4
    store.insert("things", {"id": 2, "token": "t2"})  # an id and a token set free can be used again
    assert store.get_by("things", "token", "t2")["id"] == 2 and store.get_by("things", "token", "t3")["id"] == 3


def test_next_id_continues_after_loaded_ids(store):
    store.insert_many("things", [{"id": 7}, {"id": 3}])
    assert store.next_id("things") == 8
    assert store.next_id("others") == 1


def test_replace_all_resets_everything(store):
    store.insert("things", {"id": 1, "token": "a"})
    store.replace_all({"others": [{"id": "x"}]})
    assert store.tables() == ["others"]
    assert store.get_by("things", "token", "a") is None


def test_inserts_after_a_reset_keep_every_record(store):
    store.insert_many("things", [{"id": n} for n in range(1, 4)])
    store.replace_all({"things": [{"id": n} for n in range(10, 15)]})
    store.insert("things", {"id": 99})  # a new document id, not one of the reset records'
    assert sorted(record["id"] for record in store.find("things")) == [10, 11, 12, 13, 14, 99]


def test_a_reset_with_a_missing_or_duplicate_id_changes_nothing(store):
    store.insert("things", {"id": 1})
    for data in ({"things": [{"id": 2}, {"id": 2}]}, {"things": [{"name": "no id"}]}):
        with pytest.raises(ValueError):
            store.replace_all(data)
    assert store.find("things") == [{"id": 1}]


def test_concurrent_inserts_lose_nothing(store):
    def work(worker: int) -> None:
        for n in range(50):
            store.insert("things", {"id": f"{worker}-{n}"})

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.count("things") == 400
    assert len(store.find("things")) == 400


def test_file_store_survives_reopen(tmp_path):
    path = tmp_path / "db.json"
    first = Store.file(path)
    first.insert("content_requests", {"id": 1, "token": "abcd", "name": "kept"})
    first.close()
    again = Store.file(path)
    assert again.get_by("content_requests", "token", "abcd")["name"] == "kept"
    assert again.next_id("content_requests") == 2
    assert json.loads(path.read_text())["content_requests"]


@pytest.mark.parametrize("fold", [False, True])
def test_integers_beyond_64_bits_are_read_back_as_integers(tmp_path, fold):
    """From the journal (no fold yet) and from the snapshot: an id of 30 digits still finds its
    record after a restart, and later ids follow on from it."""
    path = tmp_path / "db.json"
    big = 10**29
    first = Store.file(path)
    first.insert("things", {"id": big, "count": 10**22, "name": "big"})
    durable(first)
    if fold:
        first.close()
    again = Store.file(path if fold else crashed_copy(path, tmp_path))  # the snapshot, or the journal
    assert again.get("things", big) == {"id": big, "count": 10**22, "name": "big"}
    assert again.next_id("things") == big + 1


def test_snapshots_leave_no_temporary_files(tmp_path):
    storage = JournaledJSONStorage(tmp_path / "db.json")
    for n in range(5):
        storage.write({"t": {str(n): {"id": n}}})
    storage.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.json", "db.json.journal", "db.json.lock"]
    assert JournaledJSONStorage(tmp_path / "db.json").read() == {"t": {"4": {"id": 4}}}


def durable(store: Store) -> None:
    """What the engine does before it answers: wait until every write so far is durable."""
    asyncio.run(store.flush())


def crashed_copy(path, tmp_path):
    """The files as a kill -9 would leave them: copied while the store is still open."""
    target = tmp_path / "after-crash"
    target.mkdir(exist_ok=True)
    for name in (path.name, path.name + ".journal"):
        if (path.parent / name).exists():
            (target / name).write_bytes((path.parent / name).read_bytes())
    return target / path.name


def test_acknowledged_writes_survive_a_crash_without_close(tmp_path):
    path = tmp_path / "db.json"
    store = Store.file(path)
    store.insert("content_requests", {"id": 1, "token": "a" * 16, "name": "first"})
    store.update("content_requests", 1, {"name": "renamed"})
    store.insert("content_requests", {"id": 2, "token": "b" * 16, "name": "second"})
    store.remove("content_requests", 2)
    durable(store)
    again = Store.file(crashed_copy(path, tmp_path))
    assert again.find("content_requests") == [{"id": 1, "token": "a" * 16, "name": "renamed"}]
    store.close()


def test_a_write_cut_short_by_a_crash_is_dropped_and_appends_continue(tmp_path):
    path = tmp_path / "db.json"
    store = Store.file(path)
    store.insert("t", {"id": 1})
    store.close()
    journal = path.with_name("db.json.journal")
    journal.write_bytes(b'["t", {"2": {"id": 2}}]\n["t", {"3": {"id"')  # the second write never finished
    again = Store.file(path)
    assert [r["id"] for r in again.find("t")] == [1, 2]
    again.insert("t", {"id": 4})
    durable(again)
    assert [r["id"] for r in Store.file(crashed_copy(path, tmp_path)).find("t")] == [1, 2, 4]
    again.close()


def test_corrupted_journal_line_is_reported(tmp_path):
    path = tmp_path / "db.json"
    path.with_name("db.json.journal").write_bytes(b'garbage\n["t", {"1": {"id": 1}}]\n')
    with pytest.raises(StorageCorrupted):
        JournaledJSONStorage(path).read()


def test_journal_is_folded_into_the_snapshot(tmp_path):
    path = tmp_path / "db.json"
    store = Store.file(path)
    for n in range(1, COMPACT_AFTER + 2):
        store.insert("t", {"id": n})
    durable(store)
    assert len(json.loads(path.read_text())["t"]) >= COMPACT_AFTER  # compacted once on the way
    store.close()
    assert len(json.loads(path.read_text())["t"]) == COMPACT_AFTER + 1  # and on close
    assert path.with_name("db.json.journal").read_bytes() == b""


def test_the_journal_is_folded_again_each_time_it_holds_as_many_documents_as_the_file(tmp_path):
    path = tmp_path / "db.json"
    store = Store.file(path)
    for n in range(1, 3 * COMPACT_AFTER + 2):
        store.insert("t", {"id": n})
        if n % 100 == 0:
            durable(store)
    durable(store)
    assert len(json.loads(path.read_text())["t"]) == 2 * COMPACT_AFTER  # folded at 1,000 and at 2,000
    store.close()


def test_write_cost_does_not_rewrite_the_snapshot(tmp_path):
    path = tmp_path / "db.json"
    store = Store.file(path)
    store.insert_many("t", [{"id": n} for n in range(1, 501)])
    before = path.stat().st_mtime_ns, path.stat().st_size
    store.insert("t", {"id": 501})
    store.update("t", 3, {"x": 1})
    assert (path.stat().st_mtime_ns, path.stat().st_size) == before
    store.close()


def test_corrupted_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "db.json"
    path.write_text("{not json")
    with pytest.raises(StorageCorrupted):
        JournaledJSONStorage(path).read()
    assert path.read_text() == "{not json"


def test_new_uuids_are_version_4_uuids_as_uuid_writes_them():
    import uuid

    from specmock.store import new_uuid

    made = [new_uuid() for _ in range(500)]
    assert len(set(made)) == 500
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text and parsed.version == 4 and parsed.variant == uuid.RFC_4122


# -- sorted indexes --------------------------------------------------------------------------------

BY_COLOUR = Ordering("by colour, then size", lambda record: record.get("colour"),
                     lambda record: (record["size"], record["id"]))


def expected_group(store, colour):
    """What ``ordered`` must hold: a scan, filtered and sorted."""
    records = store.scan("t", lambda record: record.get("colour") == colour)
    return sorted(records, key=lambda record: (record["size"], record["id"]))


def test_a_sorted_index_follows_inserts_updates_removals_and_resets(store):
    store.insert_many("t", [{"id": n, "colour": "red" if n % 2 else "blue", "size": (n * 7) % 5} for n in range(1, 9)])
    assert list(store.ordered("t", BY_COLOUR, "red")) == expected_group(store, "red")  # built from the data
    store.insert("t", {"id": 9, "colour": "red", "size": 0})  # sorts before the others
    store.update("t", 1, {"colour": "blue"})  # moves to another group
    store.update("t", 3, {"size": 9})  # moves within its group
    store.remove("t", 5)
    for colour in ("red", "blue", "green"):
        ordered = store.ordered("t", BY_COLOUR, colour)
        assert list(ordered) == expected_group(store, colour)
        assert len(ordered) == len(expected_group(store, colour))
        assert ordered[1:3] == expected_group(store, colour)[1:3]
    store.replace_all({"t": [{"id": 1, "colour": "red", "size": 1}]})
    assert list(store.ordered("t", BY_COLOUR, "red")) == [{"id": 1, "colour": "red", "size": 1}]
    assert list(store.ordered("t", BY_COLOUR, "blue")) == []


@hypothesis.given(st.lists(st.tuples(st.sampled_from(["insert", "update", "remove"]), st.integers(1, 12),
                                     st.sampled_from(["red", "blue", None]), st.integers(0, 3)), max_size=40))
def test_a_sorted_index_always_equals_the_filtered_sorted_scan(operations):
    store = Store.memory()
    store.ordered("t", BY_COLOUR, "red")  # kept from the start
    for action, number, colour, size in operations:
        fields = {"colour": colour, "size": size}
        if action == "insert" and not store.has("t", number):
            store.insert("t", {"id": number, **fields})
        elif action == "update" and store.has("t", number):
            store.update("t", number, fields)
        elif action == "remove":
            store.remove("t", number)
    for colour in ("red", "blue", None):
        assert list(store.ordered("t", BY_COLOUR, colour)) == expected_group(store, colour)


def test_records_an_ordering_cannot_compare_leave_the_table_without_that_index(store):
    store.insert_many("t", [{"id": 1, "colour": "red", "size": 1}, {"id": 2, "colour": "red", "size": 2}])
    assert len(store.ordered("t", BY_COLOUR, "red")) == 2
    store.insert("t", {"id": 3, "colour": "red", "size": "large"})  # text among numbers
    assert store.ordered("t", BY_COLOUR, "red") is None  # callers scan instead
    assert store.get("t", 3)["size"] == "large"  # the write itself went through
    store.insert("t", {"id": 4, "colour": "red"})  # nothing to order by: still no index, no error
    store.replace_all({"t": [{"id": 1, "colour": "red", "size": 1}]})
    assert len(store.ordered("t", BY_COLOUR, "red")) == 1  # built again from the data after a reset
    store.replace_all({"t": [{"id": 1, "colour": "red"}]})
    assert store.ordered("t", BY_COLOUR, "red") is None  # a table it cannot be built for


def test_a_sorted_index_follows_a_write_group_that_was_undone(tmp_path, monkeypatch):
    store = Store.file(tmp_path / "db.json")
    store.insert("t", {"id": 1, "colour": "red", "size": 1})
    asyncio.run(store.flush())
    assert len(store.ordered("t", BY_COLOUR, "red")) == 1
    disk = Disk(monkeypatch, tmp_path).fail("fdatasync", errno.EIO)
    store.insert("t", {"id": 2, "colour": "red", "size": 2})
    store.update("t", 1, {"colour": "blue"})
    with pytest.raises(StorageUnavailable):
        asyncio.run(store.flush())
    disk.heal()
    assert list(store.ordered("t", BY_COLOUR, "red")) == [{"id": 1, "colour": "red", "size": 1}]
    assert list(store.ordered("t", BY_COLOUR, "blue")) == []
    store.close()
