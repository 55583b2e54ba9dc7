"""Soak test: a steady request rate against a real ``specmock serve`` for minutes; errors, latency, memory.

    python bench/soak.py [--rate 200] [--duration 300] [--db [PATH]] [--users 8] [--records 200] [--json]

Starts ``python -m specmock serve`` on a free loopback port (in memory, or with ``--db`` on a
temporary file, or on PATH when given), creates ``--records`` content requests, then sends
``--rate`` requests per second for ``--duration`` seconds after a short warm-up: creates (20 %),
lists (30 %), reads by token (20 %), updates (15 %) and deletes (15 %) of content requests, spread
over ``--users`` bearer tokens. Creates and deletes are steered so that the number of stored records
stays near ``--records``: memory that grows then grows for no reason in the data.

Requests leave on a fixed schedule (open loop, at most ``--max-in-flight`` at once); latency is
measured from sending to the complete answer. Every answer is checked: its status, and for reads and
updates the record's name; anything else, a transport error included, is an error. No two requests
in flight touch the same record, so every check is exact. At the end every user's listing must
count exactly the records it holds, and with ``--db`` the file, after a clean stop, must hold them.

The server's resident memory (``VmRSS`` in ``/proc/<pid>/status``) is sampled every
``--sample-every`` seconds; memory is flat when the mean of the last minute is within 10 % of the
mean of the first minute (for runs shorter than three minutes: the first and last third).

Exit status 0 when there were no errors, the achieved rate was within 5 % of the target and memory
was flat; 1 otherwise. Loopback only; needs the standard library and httpx.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from specmock.verify.local import free_port

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CREATE = "/api/v4/content_requests"
MIX = (("create", 20), ("list", 30), ("get", 20), ("update", 15), ("delete", 15))
FLAT_WITHIN = 0.10
RATE_WITHIN = 0.05


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=300.0, help="measured seconds (default 300)")
    parser.add_argument("--db", nargs="?", const="", default=None, metavar="PATH",
                        help="serve with --db: PATH, or a temporary file when PATH is left out")
    parser.add_argument("--users", type=int, default=8, help="bearer tokens the load is spread over (default 8)")
    parser.add_argument("--records", type=int, default=200, help="stored records to hold steady (default 200)")
    parser.add_argument("--max-in-flight", type=int, default=64, help="concurrent requests at most (default 64)")
    parser.add_argument("--sample-every", type=float, default=5.0, help="RSS sampling period in s (default 5)")
    parser.add_argument("--seed", type=int, default=20261123, help="random seed of the request mix")
    parser.add_argument("--json", action="store_true", help="also print the result as one JSON line")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.duration <= 0 or args.users < 1 or args.records < 1 or args.max_in_flight < 1:
        parser.error("--rate, --duration, --users, --records and --max-in-flight must be positive")
    return args


# -- the server ----------------------------------------------------------------------------------




class Server:
    """``python -m specmock serve`` on a free loopback port, its output in a temporary file."""

    def __init__(self, db: Path | None) -> None:
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.db = db
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115  (closed in stop())
        args = ["--host", HOST, "--port", str(self.port), *(["--db", str(db)] if db else [])]
        self.process = subprocess.Popen([sys.executable, "-m", "specmock", "serve", *args], cwd=ROOT,
                                        stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"specmock serve exited: {self.output()}")
            try:
                if httpx.get(self.url + "/", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"specmock serve did not answer within {timeout} s")

    def rss_kib(self) -> int | None:
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            return None
        return None

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()

    def stop(self) -> str:
        """A clean stop (SIGTERM, as Ctrl-C would), SIGKILL only when it hangs; the server's output."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        text = self.output()
        self.log.close()
        return text


# -- the load ------------------------------------------------------------------------------------


@dataclass
class Record:
    user: int
    id: int
    token: str
    name: str


@dataclass
class Load:
    """The records the load created and still holds, and what happened to every request."""

    users: list[dict[str, str]]
    target: int
    rng: random.Random
    records: dict[str, Record] = field(default_factory=dict)  # token -> record, none of them in flight
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    counting: bool = False
    names: int = 0

    def fresh_name(self) -> str:
        self.names += 1
        return f"soak {self.names} {uuid.uuid4().hex[:8]}"

    def choose(self) -> str:
        op = self.rng.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX])[0]
        if op in ("get", "update", "delete") and not self.records:
            return "create"
        if op == "create" and len(self.records) > self.target * 1.2:
            return "delete"
        if op == "delete" and len(self.records) < self.target * 0.8:
            return "create"
        return op

    def take(self) -> Record:
        """A stored record no other request is using; it is out of the pool until given back."""
        return self.records.pop(self.rng.choice(list(self.records)))

    def give_back(self, record: Record) -> None:
        self.records[record.token] = record

    def failed(self, op: str, what: str) -> None:
        self.errors.append(f"{op}: {what}"[:300])  # the seeding and the warm-up count too

    def timed(self, op: str, seconds: float) -> None:
        if self.counting:
            self.latencies.setdefault(op, []).append(seconds)


def content_request(name: str) -> dict[str, Any]:
    return {"content_request": {"name": name, "recipient": "soak", "prompt": "steady load",
                                "expiration_date": "2099/01/01", "time_type": "multi_use"}}


async def one_request(http: httpx.AsyncClient, load: Load, op: str) -> None:
    record: Record | None = None
    started = time.perf_counter()
    try:
        if op == "create":
            user = load.rng.randrange(len(load.users))
            name = load.fresh_name()
            response = await http.post(CREATE, json=content_request(name), headers=load.users[user])
            load.timed(op, time.perf_counter() - started)
            body = response.json() if response.status_code == 201 else None
            if body is None or body.get("name") != name:
                load.failed(op, f"{response.status_code} {response.text[:200]}")
                return
            load.give_back(Record(user, body["id"], body["token"], name))
        elif op == "list":
            user = load.rng.randrange(len(load.users))
            params = {"pending": "true", "per_page": "10", "page": str(load.rng.randint(1, 3))}
            response = await http.get(CREATE, params=params, headers=load.users[user])
            load.timed(op, time.perf_counter() - started)
            if response.status_code != 200 or not isinstance(response.json()["meta"]["total_count"], int):
                load.failed(op, f"{response.status_code} {response.text[:200]}")
        elif op == "get":
            record = load.take()
            response = await http.get(f"{CREATE}/{record.token}")
            load.timed(op, time.perf_counter() - started)
            if response.status_code != 200 or response.json().get("name") != record.name:
                load.failed(op, f"{record.token}: {response.status_code} {response.text[:200]}")
        elif op == "update":
            record = load.take()
            name = load.fresh_name()
            response = await http.put(f"{CREATE}/{record.id}", json={"content_request": {"name": name}},
                                      headers=load.users[record.user])
            load.timed(op, time.perf_counter() - started)
            if response.status_code != 200 or response.json().get("name") != name:
                load.failed(op, f"{record.id}: {response.status_code} {response.text[:200]}")
            else:
                record.name = name
        else:
            record = load.take()
            response = await http.delete(f"{CREATE}/{record.id}", headers=load.users[record.user])
            load.timed(op, time.perf_counter() - started)
            if response.status_code != 200:
                load.failed(op, f"{record.id}: {response.status_code} {response.text[:200]}")
            else:
                record = None  # deleted: not given back
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        load.failed(op, repr(exc))
    finally:
        if record is not None:
            load.give_back(record)


async def drive(http: httpx.AsyncClient, load: Load, rate: float, seconds: float, max_in_flight: int) -> dict:
    """Send requests at ``rate`` per second for ``seconds``; when they left and how late the schedule ran."""
    gate = asyncio.Semaphore(max_in_flight)
    tasks: set[asyncio.Task] = set()
    total = int(rate * seconds)
    start = time.perf_counter()
    worst_lag = 0.0

    async def guarded(op: str) -> None:
        try:
            await one_request(http, load, op)
        finally:
            gate.release()

    for number in range(total):
        due = start + number / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await gate.acquire()
        worst_lag = max(worst_lag, time.perf_counter() - due)
        task = asyncio.create_task(guarded(load.choose()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    sending = time.perf_counter() - start
    await asyncio.gather(*tasks)
    return {"requests": total, "sending_s": sending, "worst_lag_s": worst_lag}


async def sample_rss(server: Server, every: float, samples: list[tuple[float, int]], start: float) -> None:
    while True:
        rss = server.rss_kib()
        if rss is not None:
            samples.append((time.perf_counter() - start, rss))
        await asyncio.sleep(every)


async def listed_counts(http: httpx.AsyncClient, users: list[dict[str, str]]) -> list[int]:
    counts = []
    for headers in users:
        response = await http.get(CREATE, params={"pending": "true", "per_page": "1"}, headers=headers)
        counts.append(response.json()["meta"]["total_count"] if response.status_code == 200 else -1)
    return counts


async def soak(server: Server, args: argparse.Namespace) -> dict[str, Any]:
    run = uuid.uuid4().hex[:8]
    users = [{"Authentication": f"Bearer soak-{run}-{number}"} for number in range(args.users)]
    load = Load(users, args.records, random.Random(args.seed))
    limits = httpx.Limits(max_connections=args.max_in_flight, max_keepalive_connections=args.max_in_flight)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=30) as http:
        seeding = [one_request(http, load, "create") for _ in range(args.records)]
        for batch in range(0, len(seeding), 16):
            await asyncio.gather(*seeding[batch:batch + 16])
        warmup = min(10.0, max(1.0, args.duration / 10))
        await drive(http, load, args.rate, warmup, args.max_in_flight)

        load.counting = True
        samples: list[tuple[float, int]] = []
        every = min(args.sample_every, max(0.2, args.duration / 12))
        start = time.perf_counter()
        sampler = asyncio.create_task(sample_rss(server, every, samples, start))
        driven = await drive(http, load, args.rate, args.duration, args.max_in_flight)
        elapsed = time.perf_counter() - start
        sampler.cancel()
        rss = server.rss_kib()
        if rss is not None:
            samples.append((elapsed, rss))
        load.counting = False

        expected = [sum(1 for record in load.records.values() if record.user == user) for user in range(len(users))]
        counted = await listed_counts(http, users)
    return {"load": load, "driven": driven, "elapsed": elapsed, "samples": samples, "expected": expected,
            "counted": counted}


# -- the report ----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)] if ordered else float("nan")


def memory(samples: list[tuple[float, int]], duration: float) -> dict[str, Any]:
    window = min(60.0, duration / 3)
    first = [rss for at, rss in samples if at <= window]
    last = [rss for at, rss in samples if at >= duration - window]
    if not first or not last:
        return {"flat": False, "reason": "too few samples"}
    first_mib, last_mib = sum(first) / len(first) / 1024, sum(last) / len(last) / 1024
    growth = (last_mib - first_mib) / first_mib
    return {"window_s": round(window, 1), "first_mib": round(first_mib, 1), "last_mib": round(last_mib, 1),
            "growth_pct": round(100 * growth, 1), "min_mib": round(min(r for _, r in samples) / 1024, 1),
            "max_mib": round(max(r for _, r in samples) / 1024, 1), "samples": len(samples),
            "flat": abs(growth) <= FLAT_WITHIN}


def summarise(outcome: dict[str, Any], args: argparse.Namespace, db: Path | None, log: str,
              stored: int | None) -> dict[str, Any]:
    load: Load = outcome["load"]
    everything = [seconds for values in load.latencies.values() for seconds in values]
    achieved = outcome["driven"]["requests"] / outcome["elapsed"]
    ms = lambda seconds: round(1000 * seconds, 2)  # noqa: E731
    result = {
        "target_rate": args.rate, "duration_s": args.duration, "store": f"--db {db}" if db else "memory",
        "requests": outcome["driven"]["requests"], "achieved_rate": round(achieved, 1),
        "worst_schedule_lag_ms": ms(outcome["driven"]["worst_lag_s"]),
        "errors": len(load.errors), "first_errors": load.errors[:5],
        "unhandled_in_server_log": log.count("Unhandled error"),
        "latency_ms": {name: ms(percentile(everything, p)) for name, p in
                       (("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("p999", 0.999), ("max", 1.0))},
        "latency_by_op_ms": {op: {"n": len(values), "p50": ms(percentile(values, 0.5)),
                                  "p99": ms(percentile(values, 0.99))}
                             for op, values in sorted(load.latencies.items())},
        "memory": memory(outcome["samples"], outcome["elapsed"]),
        "records": {"held": sum(outcome["expected"]), "listed": sum(outcome["counted"]),
                    "per_user_exact": outcome["expected"] == outcome["counted"], "in_db_file": stored},
    }
    consistent = result["records"]["per_user_exact"] and (stored is None or stored == result["records"]["held"])
    result["passed"] = (result["errors"] == 0 and result["unhandled_in_server_log"] == 0 and consistent
                        and achieved >= args.rate * (1 - RATE_WITHIN) and result["memory"]["flat"])
    return result


def print_report(result: dict[str, Any]) -> None:
    latency, mem, records = result["latency_ms"], result["memory"], result["records"]
    print(f"soak: {result['target_rate']:g} req/s for {result['duration_s']:g} s, store {result['store']}")
    print(f"  requests {result['requests']}, achieved {result['achieved_rate']} req/s "
          f"(worst schedule lag {result['worst_schedule_lag_ms']} ms)")
    print(f"  errors {result['errors']}, unhandled errors in the server log {result['unhandled_in_server_log']}")
    for error in result["first_errors"]:
        print(f"    {error}")
    print(f"  latency ms: p50 {latency['p50']}  p90 {latency['p90']}  p99 {latency['p99']}  "
          f"p99.9 {latency['p999']}  max {latency['max']}")
    for op, figures in result["latency_by_op_ms"].items():
        print(f"    {op:7} n={figures['n']:<6} p50 {figures['p50']:<6} p99 {figures['p99']}")
    if "first_mib" in mem:
        print(f"  server RSS MiB: first {mem['window_s']:g} s {mem['first_mib']}, last {mem['window_s']:g} s "
              f"{mem['last_mib']} ({mem['growth_pct']:+.1f} %), min {mem['min_mib']}, max {mem['max_mib']}, "
              f"{mem['samples']} samples: {'flat' if mem['flat'] else 'NOT flat'} within {FLAT_WITHIN:.0%}")
    else:
        print(f"  server RSS: {mem['reason']}")
    print(f"  records held {records['held']}, listed {records['listed']} (exact per user: {records['per_user_exact']})"
          + ("" if records["in_db_file"] is None else f", in the --db file after stop {records['in_db_file']}"))
    print(f"  {'PASS' if result['passed'] else 'FAIL'}")


def records_in_file(db: Path, seeded: int) -> int | None:
    """The content requests the load left in a fresh ``--db`` file, which a clean stop makes complete."""
    try:
        tables = json.loads(db.read_bytes())
    except (OSError, ValueError):
        return None
    return len(tables.get("content_requests", {})) - seeded


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="specmock-soak-") as tmp:
        db = None if args.db is None else Path(args.db or Path(tmp) / "soak.json")
        fresh = db is not None and not db.exists()
        seeded = len(json.loads((ROOT / "fixtures" / "content_requests.json").read_text())["content_requests"])
        server = Server(db)
        try:
            server.wait_ready()
            outcome = asyncio.run(soak(server, args))
        finally:
            log = server.stop()
        stored = records_in_file(db, seeded) if fresh else None
        result = summarise(outcome, args, db, log, stored)
    print_report(result)
    if args.json:
        print(json.dumps(result))
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
