"""Reliability of the real ``specmock serve`` process with ``--db``: many parallel clients lose and
duplicate nothing; SIGKILL in the middle of write bursts, and in the middle of a group commit of many
writers, loses no acknowledged write and half-applies nothing; a restart on the same file serves the
same data; SIGTERM under load answers what it received, folds the journal and exits 0; a really full
disk refuses writes with 507, keeps reads, and takes writes again once it has room. Plus a short run
of ``bench/soak.py``."""

from __future__ import annotations

import asyncio
import http.client
import json
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from specmock.server import GRACEFUL_STOP_SECONDS
from tests.conftest import free_port
from tests.mounts import fill, mounted_tmpfs
from tests.server_process import ROOT, ServerProcess

pytestmark = pytest.mark.slow

CREATE = "/api/v4/content_requests"
SEEDED = 5  # content requests in fixtures/content_requests.json


def body(name: str) -> dict:
    return {"content_request": {"name": name, "recipient": "r", "prompt": "p", "expiration_date": "2099/01/01"}}


def listing(url: str, headers: dict[str, str]) -> list[dict]:
    """Every content request the caller holds (pending or not), every page, as the API lists them."""
    items: list[dict] = []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        for pending in ("true", "false"):
            page = 1
            while True:
                response = http.get(CREATE, params={"pending": pending, "per_page": 100, "page": page})
                assert response.status_code == 200, response.text
                answer = response.json()
                items += answer["content_requests"]
                if page * 100 >= answer["meta"]["total_count"]:
                    break
                page += 1
    return items


def file_records(db: Path) -> list[dict]:
    """The content requests in the ``--db`` file itself (complete after a clean stop)."""
    return list(json.loads(db.read_bytes())["content_requests"].values())


# -- parallel clients --------------------------------------------------------------------------

CLIENTS, CREATES = 8, 250


@dataclass
class Ledger:
    """What the server acknowledged: per user, the records it holds (id -> record)."""

    held: dict[str, dict[int, dict]] = field(default_factory=dict)
    created: list[dict] = field(default_factory=list)
    deleted: list[dict] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, response: httpx.Response, status: int) -> bool:
        self.requests += 1
        if response.status_code != status:
            self.unexpected.append(f"{response.request.method} {response.request.url.path}: "
                                   f"{response.status_code} {response.text[:200]}")
            return False
        return True


async def parallel_client(url: str, number: int, own: str, shared: str, ledger: Ledger) -> None:
    """``CREATES`` creates (every fourth one as the user all clients share), with lists, reads by
    token, renames by id and deletes by token of this client's own acknowledged records in between."""
    mine: list[tuple[str, dict]] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        for step in range(CREATES):
            user = shared if step % 4 == 0 else own
            headers = {"Authentication": f"Bearer {user}"}
            response = await http.post(CREATE, json=body(f"c{number}-{step}"), headers=headers)
            if ledger.check(response, 201):
                record = response.json()
                ledger.created.append(record)
                ledger.held.setdefault(user, {})[record["id"]] = record
                mine.append((user, record))
            if step % 3 == 0:
                page = await http.get(CREATE, params={"pending": "true", "per_page": 10},
                                      headers={"Authentication": f"Bearer {own}"})
                if ledger.check(page, 200):
                    strangers = [item["name"] for item in page.json()["content_requests"]
                                 if not item["name"].startswith(f"c{number}-")]
                    if strangers:
                        ledger.unexpected.append(f"client {number} listed {strangers}")
            if step % 5 == 1 and mine:
                user, record = mine[-1]
                renamed = await http.put(f"{CREATE}/{record['id']}", json={"content_request": {
                    "name": record["name"] + " renamed"}}, headers={"Authentication": f"Bearer {user}"})
                if ledger.check(renamed, 200):
                    record.update(renamed.json())
            if step % 7 == 2 and mine:
                user, record = mine.pop(0)
                gone = await http.delete(f"{CREATE}/{record['token']}", headers={"Authentication": f"Bearer {user}"})
                if ledger.check(gone, 200):
                    ledger.held[user].pop(record["id"])
                    ledger.deleted.append(record)
            if step % 11 == 3 and mine:
                user, record = mine[-1]
                read = await http.get(f"{CREATE}/{record['token']}")
                if ledger.check(read, 200) and read.json()["name"] != record["name"]:
                    ledger.unexpected.append(f"read {record['token']}: {read.json()['name']} != {record['name']}")


async def watch_file(db: Path, stop: asyncio.Event) -> int:
    """Parse the ``--db`` file over and over while the clients run; how many times it parsed."""
    parsed = 0
    while not stop.is_set():
        json.loads(db.read_bytes())  # replaced atomically: never torn, never empty
        parsed += 1
        await asyncio.sleep(0.05)
    return parsed


async def run_clients(url: str, db: Path, users: list[str], shared: str, ledger: Ledger) -> int:
    stop = asyncio.Event()
    watcher = asyncio.create_task(watch_file(db, stop))
    await asyncio.gather(*(parallel_client(url, number, users[number], shared, ledger) for number in range(CLIENTS)))
    stop.set()
    return await watcher


def test_parallel_clients_lose_nothing_and_duplicate_nothing(tmp_path):
    db = tmp_path / "db.json"
    run = uuid.uuid4().hex[:8]
    users = [f"client-{number}-{run}" for number in range(CLIENTS)]
    shared = f"shared-{run}"
    ledger = Ledger()
    with ServerProcess(free_port(), "--db", str(db)) as server:
        started = time.perf_counter()
        parses = asyncio.run(run_clients(server.url, db, users, shared, ledger))
        elapsed = time.perf_counter() - started
        assert ledger.unexpected == []
        assert len(ledger.created) == CLIENTS * CREATES

        before = {user: listing(server.url, {"Authentication": f"Bearer {user}"}) for user in [*users, shared]}
        for user, records in before.items():
            assert {item["id"]: item for item in records} == ledger.held.get(user, {}), user
        stored = [item for records in before.values() for item in records]
        assert len({item["id"] for item in stored}) == len(stored), "every id once"
        assert len({item["token"] for item in stored}) == len(stored), "every token once"
        created_ids = [record["id"] for record in ledger.created]
        created_tokens = [record["token"] for record in ledger.created]
        assert len(set(created_ids)) == len(created_ids) and len(set(created_tokens)) == len(created_tokens)
        assert len(stored) == len(ledger.created) - len(ledger.deleted)
        for record in ledger.deleted[:50]:
            assert httpx.get(f"{server.url}{CREATE}/{record['token']}").status_code == 404
        assert parses > 0
    assert "Unhandled error" not in server.output

    in_file = file_records(db)
    assert len(in_file) == SEEDED + len(stored)
    assert {record["id"]: record["name"] for record in in_file if record["id"] > SEEDED} == {
        item["id"]: item["name"] for item in stored}

    with ServerProcess(free_port(), "--db", str(db)) as again:
        after = {user: listing(again.url, {"Authentication": f"Bearer {user}"}) for user in before}
        assert after == before, "a restart on the same --db serves the same content"
        newest = httpx.post(f"{again.url}{CREATE}", json=body("after the restart"),
                            headers={"Authentication": f"Bearer {shared}"}).json()
        assert newest["id"] > max(created_ids) and newest["token"] not in set(created_tokens)

    print(f"\nconcurrency: {CLIENTS} clients x {CREATES} creates, {ledger.requests} requests in {elapsed:.1f} s "
          f"({ledger.requests / elapsed:.0f} req/s); {len(ledger.created)} creates acknowledged, "
          f"{len(ledger.deleted)} deleted, {len(stored)} stored = {len(ledger.created)} - {len(ledger.deleted)}; "
          f"the db file parsed {parses} times during the run")


# -- SIGKILL during write bursts ---------------------------------------------------------------

WRITERS = 8
KILL_AFTER = (200, 400, 600)  # acknowledged writes of each burst before its SIGKILL


@dataclass
class Writer:
    """One writer's user and what the server acknowledged to it."""

    user: str
    held: dict[str, dict] = field(default_factory=dict)  # token -> {"id", "name"}
    in_flight: tuple[str, str | None, str | None] | None = None  # (op, token, name) when the kill came


@dataclass
class Burst:
    acknowledged: int = 0
    killed: bool = False


async def write(url: str, writer: Writer, burst: Burst, kill_after: int, server: ServerProcess,
                rng: random.Random) -> None:
    headers = {"Authentication": f"Bearer {writer.user}"}
    async with httpx.AsyncClient(base_url=url, timeout=30, headers=headers) as http:
        while not burst.killed:
            roll = rng.random()
            op = "create" if roll < 0.6 or not writer.held else ("update" if roll < 0.8 else "delete")
            token = None if op == "create" else rng.choice(sorted(writer.held))
            name = None if op == "delete" else f"{writer.user} {uuid.uuid4().hex[:8]}"
            writer.in_flight = (op, token, name)
            try:
                if op == "create":
                    response = await http.post(CREATE, json=body(name))
                elif op == "update":
                    response = await http.put(f"{CREATE}/{writer.held[token]['id']}",
                                              json={"content_request": {"name": name}})
                else:
                    response = await http.delete(f"{CREATE}/{writer.held[token]['id']}")
            except httpx.TransportError:
                return  # the server died with this request in flight: its outcome is unknown
            assert response.status_code == (201 if op == "create" else 200), response.text
            writer.in_flight = None
            if op == "create":
                writer.held[response.json()["token"]] = {"id": response.json()["id"], "name": name}
            elif op == "update":
                writer.held[token]["name"] = name
            else:
                del writer.held[token]
            burst.acknowledged += 1
            if burst.acknowledged >= kill_after and not burst.killed:
                burst.killed = True
                server.kill()  # SIGKILL while the other writers' requests are in flight


async def run_burst(url: str, writers: list[Writer], kill_after: int, server: ServerProcess, seed: int) -> Burst:
    burst = Burst()
    await asyncio.gather(*(write(url, writer, burst, kill_after, server, random.Random(seed + number))
                           for number, writer in enumerate(writers)))
    return burst


def reconcile(url: str, writer: Writer) -> int:
    """Check what a restarted server holds for ``writer`` against what was acknowledged to it, and
    adopt the outcome of the one request that was in flight at the kill. The acknowledged writes found."""
    found = {item["token"]: item for item in listing(url, {"Authentication": f"Bearer {writer.user}"})}
    op, token, name = writer.in_flight or (None, None, None)
    extra = set(found) - set(writer.held)
    if op == "create" and extra:
        assert len(extra) == 1 and found[next(iter(extra))]["name"] == name, "only the create in flight may appear"
        token = extra.pop()
        writer.held[token] = {"id": found[token]["id"], "name": name}
    assert not extra, f"records nobody created: {extra}"
    for held_token, record in list(writer.held.items()):
        if held_token == token and op == "delete" and held_token not in found:
            del writer.held[held_token]  # the delete in flight was applied
            continue
        assert held_token in found, f"acknowledged record {record} lost"
        assert found[held_token]["id"] == record["id"]
        if held_token == token and op == "update" and found[held_token]["name"] == name:
            record["name"] = name  # the update in flight was applied
        assert found[held_token]["name"] == record["name"], "an acknowledged update was lost"
    writer.in_flight = None
    return len(writer.held)


def test_sigkill_during_write_bursts_keeps_every_acknowledged_write(tmp_path):
    db = tmp_path / "db.json"
    run = uuid.uuid4().hex[:8]
    writers = [Writer(f"writer-{number}-{run}") for number in range(WRITERS)]
    figures = []
    for number, kill_after in enumerate(KILL_AFTER):
        server = ServerProcess(free_port(), "--db", str(db)).start()
        try:
            if number:
                held = sum(reconcile(server.url, writer) for writer in writers)
                figures[-1] += f", {held} records held found after the restart"
            in_flight = 0
            burst = asyncio.run(run_burst(server.url, writers, kill_after, server, seed=number * 100))
            in_flight = sum(writer.in_flight is not None for writer in writers)
        finally:
            server.stop()
        assert burst.killed and server.process.returncode == -9
        json.loads(db.read_bytes())  # the file itself is whole after the kill
        figures.append(f"burst {number + 1}: {burst.acknowledged} writes acknowledged before SIGKILL, "
                       f"{in_flight} in flight")
    with ServerProcess(free_port(), "--db", str(db)) as server:
        held = sum(reconcile(server.url, writer) for writer in writers)
        figures[-1] += f", {held} records held found after the restart"
        assert len(listing(server.url, {"Authentication": "Bearer TOKEN_FETCHED_FROM_SERVER_DURING_REGISTRATION"})) \
            == SEEDED
    assert "Unhandled error" not in server.output
    print("\ncrash: " + "; ".join(figures))


def test_sigkill_in_the_middle_of_a_group_keeps_every_acknowledged_write(tmp_path):
    """32 writers at once: each fsync covers many of them, so the kill falls inside a group."""
    db = tmp_path / "db.json"
    run = uuid.uuid4().hex[:8]
    writers = [Writer(f"grouped-{number}-{run}") for number in range(32)]
    server = ServerProcess(free_port(), "--db", str(db)).start()
    try:
        burst = asyncio.run(run_burst(server.url, writers, 250, server, seed=1000))
    finally:
        server.stop()
    assert burst.killed and server.process.returncode == -9
    in_flight = sum(writer.in_flight is not None for writer in writers)
    with ServerProcess(free_port(), "--db", str(db)) as again:
        held = sum(reconcile(again.url, writer) for writer in writers)
    assert "Unhandled error" not in again.output
    print(f"\ngroup crash: {burst.acknowledged} writes acknowledged, {in_flight} in flight at the kill, {held} "
          "records held found after the restart")


# -- SIGTERM under load ------------------------------------------------------------------------


@dataclass
class Outcomes:
    answered: list[dict] = field(default_factory=list)  # full 201 answers
    refused: list[str] = field(default_factory=list)  # names of requests that met a connection error
    broken: list[str] = field(default_factory=list)  # anything else: a half answer, a wrong status


def keep_creating(port: int, client: int, outcomes: Outcomes, lock: threading.Lock) -> None:
    """Creates over a keep-alive connection until the server is gone; each one's outcome."""
    headers = {"Authentication": f"Bearer stopping-{client}", "Content-Type": "application/json"}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for step in range(100_000):
        name = f"stop {client}-{step}"
        try:
            connection.request("POST", CREATE, json.dumps(body(name)), headers)
            response = connection.getresponse()
            payload = response.read()
        except (ConnectionError, http.client.RemoteDisconnected) as error:
            with lock:
                outcomes.refused.append(name)
            connection.close()
            if isinstance(error, ConnectionRefusedError):
                return
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        except Exception as error:  # noqa: BLE001  (a half answer: IncompleteRead, a bad status line)
            with lock:
                outcomes.broken.append(f"{name}: {error!r}")
            return
        with lock:
            if response.status == 201 and json.loads(payload)["name"] == name:
                outcomes.answered.append(json.loads(payload))
            else:
                outcomes.broken.append(f"{name}: {response.status} {payload[:200]!r}")
        if response.getheader("connection", "").lower() == "close":
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)


def test_sigterm_under_load_answers_what_it_received_folds_the_journal_and_exits_0(tmp_path):
    db = tmp_path / "db.json"
    outcomes, lock = Outcomes(), threading.Lock()
    server = ServerProcess(free_port(), "--db", str(db)).start()
    clients = [threading.Thread(target=keep_creating, args=(server.port, number, outcomes, lock))
               for number in range(8)]
    try:
        for client in clients:
            client.start()
        while len(outcomes.answered) < 200 and not outcomes.broken:
            time.sleep(0.01)
        signalled = time.perf_counter()
        server.process.send_signal(signal.SIGTERM)
        status = server.process.wait(GRACEFUL_STOP_SECONDS + 20)
        stopped = time.perf_counter() - signalled
    finally:
        output = server.stop()
        for client in clients:
            client.join(60)
    assert outcomes.broken == []
    assert status == 0, output
    assert stopped < GRACEFUL_STOP_SECONDS + 5
    assert db.with_name("db.json.journal").read_bytes() == b"", "folded: the file alone holds everything"
    in_file = {record["name"] for record in file_records(db)}
    assert {record["name"] for record in outcomes.answered} <= in_file, "every answered create is kept"
    assert not in_file & set(outcomes.refused), "a request that met a connection error was never read"
    assert "Traceback" not in output
    print(f"\nSIGTERM under load: {len(outcomes.answered)} answered, {len(outcomes.refused)} refused, "
          f"exit {status} after {stopped:.2f} s")


# -- a really full disk ------------------------------------------------------------------------


def test_a_really_full_disk_refuses_writes_keeps_reads_and_recovers_without_a_restart():
    with mounted_tmpfs("size=4m") as disk:
        db = disk / "db.json"
        headers = {"Authentication": "Bearer full-disk"}
        with ServerProcess(free_port(), "--db", str(db)) as server, httpx.Client(base_url=server.url,
                                                                                  headers=headers) as http_:
            kept = [http_.post(CREATE, json=body(f"before {n}")).json()["name"] for n in range(3)]
            filler = fill(disk)
            refused, answers = [], []
            for attempt in range(200):  # the journal's last page may still take a line or two
                answer = http_.post(CREATE, json=body(f"full {attempt}"))
                answers.append(answer.status_code)
                if answer.status_code == 507:
                    refused.append(f"full {attempt}")
                    problem = answer.json()
                    assert answer.headers["content-type"] == "application/problem+json"
                    assert "No space left on device" in problem["detail"] and problem["status"] == 507
                    if len(refused) == 3:
                        break
                else:
                    assert answer.status_code == 201, answer.text
                    kept.append(f"full {attempt}")
            assert len(refused) == 3, answers
            listed = {item["name"] for item in listing(server.url, headers)}  # reads keep working
            assert listed == set(kept)
            filler.unlink()
            after = http_.post(CREATE, json=body("after"))
            assert after.status_code == 201, after.text  # no restart needed
            kept.append("after")
        with ServerProcess(free_port(), "--db", str(db)) as again:
            assert {item["name"] for item in listing(again.url, headers)} == set(kept)
    assert "Unhandled error" not in server.output + again.output


# -- the soak script ---------------------------------------------------------------------------


def test_soak_script_runs_briefly_without_errors(tmp_path):
    process = subprocess.run([sys.executable, "bench/soak.py", "--duration", "3", "--rate", "30", "--records", "20",
                              "--db", str(tmp_path / "soak.json"), "--json"],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    result = json.loads(process.stdout.splitlines()[-1])
    assert result["errors"] == 0 and result["unhandled_in_server_log"] == 0, process.stdout
    assert result["requests"] == 90 and result["records"]["per_user_exact"], process.stdout
    assert result["records"]["in_db_file"] == result["records"]["held"], process.stdout
    assert process.returncode == (0 if result["passed"] else 1)


def test_served_directly_or_through_reload_the_graceful_stop_has_the_same_timeout():
    """Both ways of serving hand uvicorn the same settings: a ``--reload`` worker, too, stops within
    GRACEFUL_STOP_SECONDS of a stop signal instead of waiting for its slowest connection."""
    import inspect

    import uvicorn

    from specmock.server import uvicorn_settings
    from specmock.settings import Settings

    settings = uvicorn_settings(Settings())
    assert settings["timeout_graceful_shutdown"] == GRACEFUL_STOP_SECONDS
    assert set(settings) <= set(inspect.signature(uvicorn.run).parameters)  # what --reload passes them to
    assert set(settings) <= set(inspect.signature(uvicorn.Config).parameters)


@pytest.mark.parametrize(("level", "logged"), [("debug", True), ("info", True), ("warning", False), ("error", False)])
def test_uvicorn_logs_each_request_only_at_a_level_that_prints_the_line(level: str, logged: bool):
    """uvicorn writes its access line at INFO: below that level the line is never printed, so the
    server is told not to build it (a call per request, ~1.5 % of a list's time in bench/profiles)."""
    from specmock.server import uvicorn_settings
    from specmock.settings import Settings

    assert uvicorn_settings(Settings(log_level=level))["access_log"] is logged
