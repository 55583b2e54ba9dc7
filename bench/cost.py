"""Server CPU time per request, per scenario: the figure to compare changes by on a shared machine.

    python bench/cost.py [--duration S] [--only NAME ...] [--rounds N]

Throughput moves with whatever else runs; the CPU time the server process spends per answered request
(user + system, all threads, from /proc) hardly does. For each scenario, specmock (memory) and the
Starlette floor are started fresh, pinned and warmed up as in ``run.py``, and driven by wrk; the
medians of ``--rounds`` measurements are printed (nothing is written to RESULTS.md: this is the
working tool between full runs, ``run.py`` the report).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from durability import cpu_seconds
from harness import run_main
from servers import SCENARIOS, SERVERS, prepare
from tools import ensure_wrk, run_wrk


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=4, help="seconds per measurement (default 4)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements per pair (default 2)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--only", action="append", default=[], help="scenario or server names (repeatable)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_wrk(install=False)
    names = set(args.only)
    scenarios = [s for s in SCENARIOS if not names & {x.name for x in SCENARIOS} or s.name in names]
    servers = [s for s in SERVERS if s.name in (names & {x.name for x in SERVERS} or {"specmock", "floor"})]
    with tempfile.TemporaryDirectory(prefix="specmock-cost-") as scratch:
        ctx = prepare(Path(scratch), {s.api for s in scenarios})
        for scenario in scenarios:
            for server in servers:
                rows = []
                for _ in range(args.rounds):
                    with server.running(ctx, scenario.api) as started:
                        url = started.url(server.route(ctx, scenario))
                        request = {"method": scenario.method, "body": ctx.fill(scenario.body),
                                   "headers": scenario.headers(ctx)}
                        run_wrk(url, connections=args.connections, seconds=1, **request)
                        before = cpu_seconds(started.proc.pid)
                        result = run_wrk(url, connections=args.connections, seconds=args.duration, **request)
                        cpu = cpu_seconds(started.proc.pid) - before
                        rows.append((cpu / max(result.requests, 1) * 1e6, result.rps, result.p99_ms,
                                     result.non_2xx + result.socket_errors))
                cpu, rps, p99 = (statistics.median(row[column] for row in rows) for column in range(3))
                print(f"{scenario.name:12} {server.name:15} {cpu:6.1f} µs CPU/request  {rps:8.0f} req/s  "
                      f"p99 {p99:6.2f} ms  errors {max(row[3] for row in rows)}", flush=True)
    return 0


if __name__ == "__main__":
    run_main(main)
