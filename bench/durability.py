"""Creates with ``--db`` (group commit) against creates in memory, measured in the same run.

    python bench/durability.py [--rounds N] [--duration S] [--connections N] [--scenario NAME ...]

For each scenario the memory server and the ``--db`` server are measured in turn, ``--rounds``
times each (A B A B ...), so that load from elsewhere falls on both alike; every server is started
fresh (pinned to core 0, wrk to core 1) and warmed up for 1 s. After each ``--db`` measurement the
server is sent SIGTERM while a second wrk still drives it: the time from the signal to the process's
exit is the graceful stop under load, and the store's figures it prints on the way out give the
writes and the answers one fsync covered. Results: a table printed and written to
bench/RESULTS.md (section ``durability``), raw numbers in bench/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from harness import Started, run_main, start, stop, wait_ready
from loadwatch import watched
from report import commit, machine, ms, save, table
from servers import HOST, SCENARIOS, Context, Scenario, prepare
from tools import BENCH, ensure_wrk, run_wrk

from specmock.verify.local import free_port

ROOT = BENCH.parent
FIGURES = re.compile(r"(\d+) writes in (\d+) fsyncs .*?, (\d+) answers released")
DB_TARGET, P99_TARGET_MS = 0.8, 15.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="measurements per server and scenario (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--scenario", action="append", choices=["cr-create", "pr-create"],
                        help="scenario (repeatable; default both)")
    parser.add_argument("--no-install", action="store_true", help="do not install wrk")
    return parser.parse_args(argv)


def argv(port: int, db: Path | None) -> list[str]:
    script = str(BENCH / "serve_with_figures.py")
    extra = ["--db", str(db)] if db else []
    return [sys.executable, script, "serve", "--host", HOST, "--port", str(port), "--log-level", "warning", *extra]


def measure(ctx: Context, scenario: Scenario, db: Path | None, args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    server = start(argv(port, db), port, ctx.fresh("durability.log"), cwd=ROOT)
    path = ctx.base_path(scenario.api) + ctx.fill(scenario.path)
    request = {"method": scenario.method, "body": ctx.fill(scenario.body), "headers": scenario.headers(ctx)}
    try:
        wait_ready(server, "/")
        run_wrk(server.url(path), connections=args.connections, seconds=1, **request)
        cpu = cpu_seconds(server.proc.pid)
        result, load = watched(lambda: run_wrk(server.url(path), connections=args.connections,
                                                seconds=args.duration, **request))
        cpu = cpu_seconds(server.proc.pid) - cpu
        row = {**result.as_dict(), "foreign_cores": load.foreign_cores,
               "cpu_us_per_request": round(cpu / max(result.requests, 1) * 1e6, 1)}
        if db is not None:
            row.update(stop_under_load(server, path, request, args.connections))
    finally:
        stop(server)
    return row


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system, every thread) process ``pid`` has used so far."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def stop_under_load(server: Started, path: str, request: dict[str, Any], connections: int) -> dict[str, Any]:
    """SIGTERM one second into a 3 s wrk run; seconds until the process exited, its exit status and
    the group-commit figures it printed."""
    load = threading.Thread(target=lambda: _quiet_wrk(server.url(path), request, connections))
    load.start()
    time.sleep(1.0)
    began = time.perf_counter()
    server.proc.send_signal(signal.SIGTERM)
    status = server.proc.wait(30)
    stopped = time.perf_counter() - began
    load.join()
    figures = FIGURES.findall(server.log.read_text(errors="replace"))
    writes, fsyncs, answers = map(int, figures[-1]) if figures else (0, 0, 0)
    return {"stop_s": round(stopped, 3), "exit_status": status, "writes": writes, "fsyncs": fsyncs,
            "answers": answers}


def _quiet_wrk(url: str, request: dict[str, Any], connections: int) -> None:
    # wrk counts the connections refused after the stop as errors: not measured here.
    with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
        run_wrk(url, connections=connections, seconds=3, **request)


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    rps = [row["rps"] for row in rows]
    out = {"rps": round(statistics.median(rps), 1), "p99_ms": round(statistics.median(r["p99_ms"] for r in rows), 2),
           "cpu_us_per_request": round(statistics.median(r["cpu_us_per_request"] for r in rows), 1),
           "foreign_cores": round(max(r["foreign_cores"] for r in rows), 2)}
    if "fsyncs" in rows[0]:
        fsyncs = sum(r["fsyncs"] for r in rows) or 1
        out.update(writes_per_fsync=round(sum(r["writes"] for r in rows) / fsyncs, 1),
                   answers_per_fsync=round(sum(r["answers"] for r in rows) / fsyncs, 1),
                   stop_s=round(max(r["stop_s"] for r in rows), 2),
                   exit_statuses=sorted({r["exit_status"] for r in rows}))
    return out


def report(results: dict[str, Any], args: argparse.Namespace) -> str:
    lines = []
    for name, data in results.items():
        memory, db = data["memory"]["summary"], data["db"]["summary"]
        ratio = db["rps"] / memory["rps"] if memory["rps"] else 0.0
        cost = memory["cpu_us_per_request"] / db["cpu_us_per_request"] if db["cpu_us_per_request"] else 0.0
        lines.append([name, f"{memory['rps']:,.0f}", ms(memory["p99_ms"]), f"{db['rps']:,.0f}", ms(db["p99_ms"]),
                      f"{ratio:.2f}×", f"{memory['cpu_us_per_request']:.0f} / {db['cpu_us_per_request']:.0f}",
                      f"{cost:.2f}×", f"{db['writes_per_fsync']:.1f}", f"{db['answers_per_fsync']:.1f}",
                      f"{db['stop_s']:.2f}", ", ".join(map(str, db["exit_statuses"])),
                      f"{max(memory['foreign_cores'], db['foreign_cores']):.2f}"])
    info = machine()
    return "\n\n".join([
        "## Durability: `--db` with group commit against memory (`bench/durability.py`)",
        f"{info['cpu']}, {info['cores']} cores; commit {commit()}; server on core 0, wrk (1 thread, "
        f"{args.connections} connections) on core 1; {args.rounds} × {args.duration} s per server and scenario, "
        f"alternating, medians reported. Measured {info['when']}. Targets: `--db` ≥ {DB_TARGET}× memory, "
        f"p99 ≤ {P99_TARGET_MS:.0f} ms. The server's CPU time per request (all its threads, user and system) "
        "does not depend on what else runs: on a busy machine its ratio is the better guide to the ratio of "
        "throughputs a quiet one would show.",
        table(["scenario", "memory req/s", "memory p99 ms", "--db req/s", "--db p99 ms", "--db ÷ memory",
               "server CPU µs per request (memory / --db)", "memory ÷ --db CPU", "writes per fsync",
               "answers per fsync", "SIGTERM to exit s (under load)", "exit status",
               "max foreign cores"], lines),
    ])


def main(argv_: list[str] | None = None) -> int:
    args = parse_args(argv_)
    ensure_wrk(install=not args.no_install)
    names = args.scenario or ["cr-create", "pr-create"]
    with tempfile.TemporaryDirectory(prefix="specmock-durability-") as scratch:
        ctx = prepare(Path(scratch), {"content_requests", "provider_requests"})
        results: dict[str, Any] = {}
        for scenario in (s for s in SCENARIOS if s.name in names):
            runs: dict[str, list[dict[str, Any]]] = {"memory": [], "db": []}
            for number in range(args.rounds):
                for kind in ("memory", "db"):
                    db = ctx.fresh("durability.db.json") if kind == "db" else None
                    row = measure(ctx, scenario, db, args)
                    runs[kind].append(row)
                    extra = (f"  {row['writes']} writes / {row['fsyncs']} fsyncs, stop {row['stop_s']:.2f} s "
                             f"(exit {row['exit_status']})" if db else "")
                    print(f"  {scenario.name} {kind:<6} round {number + 1}: {row['rps']:7.0f} req/s  "
                          f"p99 {row['p99_ms']:6.2f} ms  {row['cpu_us_per_request']:5.0f} us CPU/request  "
                          f"foreign {row['foreign_cores']:.2f}{extra}", flush=True)
            results[scenario.name] = {kind: {"rows": rows, "summary": summary(rows)} for kind, rows in runs.items()}
    text = report(results, args)
    save("durability", {"args": vars(args), "results": results}, text)
    print(text)
    return 0


if __name__ == "__main__":
    run_main(main)
