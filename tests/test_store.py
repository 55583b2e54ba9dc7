"""The store's interface, on the memory and the file backend alike."""

from __future__ import annotations

import json
import threading

import pytest

from specmock.storage import AtomicJSONStorage, StorageCorrupted
from specmock.store import Store


def test_insert_then_get_by_id_and_indexed_field(store):
    store.insert("things", {"id": 1, "token": "abc", "name": "one"})
    assert store.get("things", 1) == {"id": 1, "token": "abc", "name": "one"}
    assert store.get_by("things", "token", "abc")["name"] == "one"
    assert store.get("things", 2) is None and store.get_by("things", "token", "zzz") is None


def test_returned_records_are_copies(store):
    record = store.insert("things", {"id": "a", "tags": ["x"]})
    record["tags"].append("y")
    store.get("things", "a")["tags"].append("z")
    assert store.get("things", "a")["tags"] == ["x"]


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


def test_next_id_continues_after_loaded_ids(store):
    store.insert_many("things", [{"id": 7}, {"id": 3}])
    assert store.next_id("things") == 8
    assert store.next_id("others") == 1


def test_replace_all_resets_everything(store):
    store.insert("things", {"id": 1, "token": "a"})
    store.replace_all({"others": [{"id": "x"}]})
    assert store.tables() == ["others"]
    assert store.get_by("things", "token", "a") is None


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


def test_atomic_storage_leaves_no_temporary_files(tmp_path):
    storage = AtomicJSONStorage(tmp_path / "db.json")
    for n in range(5):
        storage.write({"t": {str(n): {"id": n}}})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["db.json"]
    assert storage.read() == {"t": {"4": {"id": 4}}}


def test_corrupted_file_is_reported_not_overwritten(tmp_path):
    path = tmp_path / "db.json"
    path.write_text("{not json")
    with pytest.raises(StorageCorrupted):
        AtomicJSONStorage(path).read()
    assert path.read_text() == "{not json"
