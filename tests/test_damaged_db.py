"""``specmock serve --db`` on files it cannot trust, through the real command line: a torn final
journal line is dropped with a warning; any other damage refuses to start with one paragraph naming
the file, the place and the ways out (exit status 2, never a traceback), and ``--db-recover`` starts
from what is sound, with the damaged file moved aside. One server per file: a second one is refused,
a killed one's lock does not outlive it. A read-only disk refuses to start the same way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from specmock.engine.app import create_app
from specmock.settings import Settings
from specmock.store import Store
from tests.conftest import free_port
from tests.mounts import mounted_tmpfs
from tests.server_process import ROOT, ServerProcess

CREATE = "/api/v4/content_requests"


def serve(db: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``specmock serve --db`` expected to refuse: it must exit by itself."""
    return subprocess.run([sys.executable, "-m", "specmock", "serve", "--port", str(free_port()), "--db", str(db),
                           *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)


def assert_refused(done: subprocess.CompletedProcess[str], *fragments: str) -> str:
    message = done.stderr.strip()
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    assert message.startswith("specmock serve: ") and "\n" not in message, message  # one paragraph
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


@pytest.fixture
def seeded(tmp_path) -> Path:
    """A database as a first start leaves it: the fixtures, folded into the file."""
    db = tmp_path / "db.json"
    store = Store.file(db)
    create_app(Settings(), store)  # seeds the empty store
    store.close()
    return db


def journal_of(db: Path) -> Path:
    return db.with_name(db.name + ".journal")


def content_request(db: Path, number: int) -> dict:
    """A content request for the demo user like the seeded ones, with id and token of its own."""
    first = next(iter(json.loads(db.read_bytes())["content_requests"].values()))
    return {**first, "id": 1000 + number, "token": f"{number:016x}", "name": f"journaled {number}"}


def journal_line(db: Path, number: int) -> bytes:
    return json.dumps([["content_requests", {str(1000 + number): content_request(db, number)}]]).encode() + b"\n"


def found(url: str, number: int) -> bool:
    return httpx.get(f"{url}{CREATE}/{number:016x}").status_code == 200


@pytest.mark.parametrize("content, where, what", [
    (b"{not json", "at line 1, column 2 (byte 1)", "not valid JSON"),
    (b"", "at byte 0", "the file is empty"),
    (b"\x00\x9f\x92\x96\xff binary", "at line 1, column 1 (byte 0)", "not valid JSON"),
    (b"[1, 2, 3]", "at byte 0", "it holds an array, not TinyDB's object of tables"),
    (b'{"content_requests": [1]}', "at table 'content_requests'", "not an object of documents"),
    (b'{"t": {"1": {"name": "no id"}}}', "at table 't', document '1'", "the record has no id"),
])
def test_a_damaged_file_refuses_to_start_and_names_the_place(tmp_path, content, where, what):
    db = tmp_path / "db.json"
    db.write_bytes(content)
    assert_refused(serve(db), f"the database {db} is damaged {where}", what, "--db naming another file",
                   "--db-recover", "db.json.damaged-")
    assert db.read_bytes() == content and sorted(p.name for p in tmp_path.iterdir()) == ["db.json", "db.json.lock"]


def test_with_reload_a_damaged_file_is_refused_before_the_watcher_starts(tmp_path):
    # --reload builds the app in a worker process of its own; the database is checked first, so the
    # command ends with the message (no banner claiming it serves, no watcher waiting, no warning).
    db = tmp_path / "db.json"
    db.write_bytes(b'{"broken": ')
    done = serve(db, "--reload")
    assert_refused(done, f"the database {db} is damaged", "--db-recover")
    assert "serving on" not in done.stdout and db.read_bytes() == b'{"broken": '


def test_a_journal_line_that_is_not_an_entry_refuses_to_start(seeded):
    good = journal_line(seeded, 1)
    journal_of(seeded).write_bytes(good + b"garbage\n" + journal_line(seeded, 3))
    assert_refused(serve(seeded), f"the database {journal_of(seeded)} is damaged at line 2 (byte {len(good)})",
                   "not a journal entry", "the file and the 1 line of the journal before the damage", "--db-recover",
                   "db.json.journal.damaged-<time>")


def test_a_torn_final_journal_line_is_dropped_with_a_warning(seeded):
    journal_of(seeded).write_bytes(journal_line(seeded, 1) + journal_line(seeded, 2)[:40])
    with ServerProcess(free_port(), "--db", str(seeded)) as server:
        assert found(server.url, 1) and not found(server.url, 2)
    assert f"dropped the last line of {journal_of(seeded)} (40 bytes at byte" in server.output
    assert "Traceback" not in server.output


def test_recovery_keeps_the_sound_journal_lines_and_moves_the_journal_aside(seeded):
    damaged = journal_line(seeded, 1) + b'["content_requests", 7]\n' + journal_line(seeded, 3)
    journal_of(seeded).write_bytes(damaged)
    with ServerProcess(free_port(), "--db", str(seeded), "--db-recover") as server:
        assert found(server.url, 1) and not found(server.url, 3)
    aside = list(seeded.parent.glob("db.json.journal.damaged-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == damaged, "kept as it was, for inspection"
    assert f"moved the damaged {journal_of(seeded)} aside to {aside[0]}; kept the 1 line before the damage" \
        in server.output
    assert "journaled 1" in seeded.read_text()  # the file itself now holds what was kept
    with ServerProcess(free_port(), "--db", str(seeded)) as again:  # and starts without the option
        assert found(again.url, 1)


def test_recovery_of_a_damaged_file_moves_it_aside_and_starts_from_the_fixtures(tmp_path):
    db = tmp_path / "db.json"
    db.write_bytes(b'{"content_requests": {"1": ')
    with ServerProcess(free_port(), "--db", str(db), "--db-recover") as server:
        answer = httpx.get(f"{server.url}{CREATE}", params={"pending": "true"},
                           headers={"Authentication": "Bearer TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION"})
        assert answer.status_code == 200 and answer.json()["meta"]["total_count"] == 3  # seeded again
    aside = list(tmp_path.glob("db.json.damaged-*"))
    assert f"moved the damaged {db} aside to {aside[0]}; starting from the 0 lines of its journal" in server.output
    assert len(aside) == 1 and aside[0].read_bytes() == b'{"content_requests": {"1": '


def test_recovery_of_a_damaged_file_and_journal_keeps_both_aside(tmp_path):
    db = tmp_path / "db.json"
    db.write_bytes(b"garbage")
    journal_of(db).write_bytes(b'[["t", {"1": {"id": 1}}]]\nmore garbage\n')
    with ServerProcess(free_port(), "--db", str(db), "--db-recover"):
        pass
    assert [p.read_bytes() for p in sorted(tmp_path.glob("db.json*.damaged-*"))] == [
        b"garbage", b'[["t", {"1": {"id": 1}}]]\nmore garbage\n']
    assert json.loads(db.read_bytes()) == {"t": {"1": {"id": 1}}}  # the sound line, and no fixtures over it


def test_a_second_server_on_the_same_file_is_refused(seeded):
    with ServerProcess(free_port(), "--db", str(seeded)) as first:
        assert_refused(serve(seeded), f"the database {seeded} is in use by another specmock server "
                                      f"(process {first.process.pid}", "--db naming another file")
        assert httpx.get(f"{first.url}/").status_code == 200  # the first one carries on


def test_a_killed_servers_lock_does_not_block_the_next_start(seeded):
    first = ServerProcess(free_port(), "--db", str(seeded)).start()
    first.kill()
    first.stop()
    with ServerProcess(free_port(), "--db", str(seeded)) as second:
        assert httpx.get(f"{second.url}/").status_code == 200


def test_a_read_only_disk_refuses_to_start(tmp_path):
    with mounted_tmpfs("size=1m,ro") as disk:
        assert_refused(serve(disk / "db.json"), f"cannot open the database {disk / 'db.json'}: Read-only file system")
