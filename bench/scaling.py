"""How specmock's costs grow with the data: list, create and read latency with 1k, 10k and 100k stored
content requests, in memory and with ``--db``, and the server's start-up time.

    python bench/scaling.py [--quick] [--sizes 1000,10000,100000] [--modes memory,db] [--requests N]

The content requests are preloaded through a fixtures directory (the seed files plus N generated
requests owned by the demo user) given to ``specmock serve --fixtures``. With ``--db`` the first
start seeds a new file from it and stops cleanly; the measured server is a second start that loads
the existing file. Latency is measured one request at a time over a keep-alive connection from this
process (pinned to core 1, the server to core 0), so it is the cost of one request, not throughput.
Start-up is process start to the first 200 on ``/``. Results go to bench/RESULTS.md, bench/results.json
and bench/scaling.png.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import CLIENT_CPU, Client, Started, pinning_available, run_main, start, stop, wait_ready
from loadwatch import repeat_while_loaded, watched
from report import machine, ms, save, table, verdict
from servers import CONTENT_REQUEST, FIXTURES, ROOT, fixture_ids, specmock_argv
from tools import BENCH

from specmock.verify.local import free_port

PLOT = BENCH / "scaling.png"
STATUSES = ("pending", "pending", "completed", "canceled")
# Issue 18: create and list cost at the largest size within 2x of the smallest.
STARTUP_TARGET_S, GROWTH_TARGET = 1.5, 2.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer requests per measurement")
    parser.add_argument("--sizes", default="1000,10000,100000", help="stored content requests (comma-separated)")
    parser.add_argument("--modes", default="memory,db", help="memory, db or both")
    parser.add_argument("--requests", type=int, help="requests per operation (default 200, --quick 50)")
    parser.add_argument("--seconds", type=float, default=20.0, help="time cap per operation (default 20)")
    parser.add_argument("--startups", type=int, default=5, help="start-ups to take the median of (default 5)")
    parser.add_argument("--attempts", type=int, default=2, help="measurements under load before giving up")
    parser.add_argument("--max-foreign", type=float, default=0.10, metavar="CORES",
                        help="other processes' CPU use above which a measurement counts as loaded (default 0.10)")
    args = parser.parse_args(argv)
    args.sizes = [int(size) for size in args.sizes.split(",")]
    args.modes = [mode for mode in args.modes.split(",") if mode]
    if set(args.modes) - {"memory", "db"}:
        parser.error("--modes takes memory, db or both")
    args.requests = args.requests or (50 if args.quick else 200)
    return args


# -- data ----------------------------------------------------------------------------------------------


def generated(count: int, first_id: int, owner: int) -> list[dict[str, Any]]:
    """``count`` content requests of ``owner``: mixed statuses, distinct names, tokens and creation times."""
    records = []
    for number in range(first_id, first_id + count):
        token = f"{number:016x}"
        records.append({
            "id": number, "owner": owner, "name": f"request {number:06d}", "recipient": f"recipient {number % 97}",
            "prompt": "Photos of the product", "expiration_date": "2099-12-31T00:00:00.000Z",
            "status": STATUSES[number % len(STATUSES)], "time_type": "One-Time" if number % 2 else "Multi-Use",
            "token": token, "link_for_copy": f"/content_requests/{token}",
            "created_at": f"2023-01-01T00:00:00.{number % 1_000_000:06d}+00:00", "media_files": [],
        })
    return records


def fixtures_with(count: int, work: Path) -> Path:
    """A copy of the fixtures directory whose content requests are the seed's plus ``count`` more."""
    folder = work / f"fixtures-{count}"
    if folder.exists():
        return folder
    shutil.copytree(FIXTURES, folder)
    path = folder / "content_requests.json"
    data = json.loads(path.read_text())
    seeded = data["content_requests"]
    owner = data["content_request_users"][0]["id"]
    seeded += generated(count, max(record["id"] for record in seeded) + 1, owner)
    path.write_text(json.dumps(data))
    return folder


# -- measuring -----------------------------------------------------------------------------------------


def launch(work: Path, extra: list[str], label: str) -> Started:
    port = free_port()
    server = start(specmock_argv("--port", str(port), *extra), port, work / f"{label}-{time.time_ns()}.log", cwd=ROOT)
    try:
        server.ready_seconds = wait_ready(server, "/", want_ok=True, timeout=300)
    except BaseException:
        stop(server)
        raise
    return server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def sequential(port: int, request: dict[str, Any], count: int, max_seconds: float) -> dict[str, Any]:
    """``count`` requests one after the other (fewer if ``max_seconds`` run out), after 3 unmeasured."""
    client = Client(port)
    try:
        for _ in range(3):
            client.request(**request)
        seconds, failures, deadline = [], 0, time.perf_counter() + max_seconds
        while len(seconds) < count and time.perf_counter() < deadline:
            answer = client.request(**request)
            seconds.append(answer.seconds)
            failures += not 200 <= answer.status < 300
    finally:
        client.close()
    return {"requests": len(seconds), "non_2xx": failures, "p50_ms": percentile(seconds, 0.5) * 1000,
            "p99_ms": percentile(seconds, 0.99) * 1000, "mean_ms": statistics.fmean(seconds) * 1000}


def operations(ids: dict[str, str], bearer: str) -> dict[str, dict[str, Any]]:
    auth = {"Authentication": f"Bearer {bearer}"}
    return {
        "list": {"method": "GET", "path": "/api/v4/content_requests?pending=true", "headers": auth},
        "get": {"method": "GET", "path": f"/api/v4/content_requests/{ids['cr_token']}"},
        "create": {"method": "POST", "path": "/api/v4/content_requests", "body": CONTENT_REQUEST,
                   "headers": {**auth, "Content-Type": "application/json"}},
    }


def measure_size(size: int, mode: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    fixtures = fixtures_with(size, work)
    extra = ["--fixtures", str(fixtures)]
    row: dict[str, Any] = {"size": size, "mode": mode}
    if mode == "db":
        extra += ["--db", str(work / f"db-{size}.json")]
        seeding = launch(work, extra, f"seed-{size}")
        row["startup_seed_s"] = round(seeding.ready_seconds, 3)
        stop(seeding, grace=120)
    server = launch(work, extra, f"{mode}-{size}")
    row["startup_s"] = round(server.ready_seconds, 3)
    row["rss_start_mib"] = server.rss_mib()
    try:
        ids = fixture_ids()
        for name, request in operations(ids, ids["bearer"]).items():
            attempts, best = repeat_while_loaded(
                lambda request=request: watched(lambda: sequential(server.port, request, args.requests, args.seconds)),
                args.attempts, args.max_foreign)
            chosen = attempts[best]
            row[name] = {**chosen.result, "load": chosen.load.as_dict(),
                         "loaded": chosen.load.foreign_cores > args.max_foreign, "attempts": len(attempts)}
        row["rss_end_mib"] = server.rss_mib()
    finally:
        stop(server, grace=120)
    return row


def startup_times(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Median start-up with the seed fixtures: in memory, and with a new ``--db`` file."""
    found = {}
    for mode in args.modes:
        times, memory = [], []
        for number in range(args.startups):
            extra = ["--db", str(work / f"startup-{number}.json")] if mode == "db" else []
            server = launch(work, extra, f"startup-{mode}")
            times.append(server.ready_seconds)
            memory.append(server.rss_mib() or 0.0)
            stop(server)
        found[mode] = {"median_s": round(statistics.median(times), 3), "all_s": [round(t, 3) for t in times],
                       "rss_mib": statistics.median(memory)}
    return found


# -- the report ----------------------------------------------------------------------------------------


def _cell(op: dict[str, Any]) -> str:
    flag = " ⚠" if op["loaded"] else ""
    return f"{ms(op['p50_ms'])} / {ms(op['p99_ms'])}{flag}"


def targets(rows: list[dict[str, Any]], startup: dict[str, Any]) -> list[tuple[str, bool | None]]:
    found = {(row["size"], row["mode"]): row for row in rows}
    checks: list[tuple[str, bool | None]] = []
    sizes = sorted({row["size"] for row in rows})
    small, large = sizes[0], sizes[-1]
    for mode in ("memory", "db"):
        low, high = found.get((small, mode)), found.get((large, mode))
        if low and high and large > small:
            for name in ("create", "list"):
                growth = high[name]["p50_ms"] / low[name]["p50_ms"]
                checks.append((f"{mode}: {name} p50 at {large:,} within {GROWTH_TARGET:.0f}× of {small:,} "
                               f"({growth:.2f}×)", growth <= GROWTH_TARGET))
    for mode, data in startup.items():
        checks.append((f"{mode}: start-up under {STARTUP_TARGET_S} s (median {data['median_s']:.2f} s)",
                       data["median_s"] < STARTUP_TARGET_S))
    return checks


def markdown(rows: list[dict[str, Any]], startup: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [[f"{row['size']:,}", row["mode"], _cell(row["list"]), _cell(row["create"]), _cell(row["get"]),
              f"{row['startup_s']:.2f}" + (f" (seed {row['startup_seed_s']:.2f})" if "startup_seed_s" in row else ""),
              f"{row.get('rss_start_mib') or '–'} / {row.get('rss_end_mib') or '–'}"]
             for row in rows]
    loads = [op["load"]["foreign_cores"] for row in rows for op in (row["list"], row["create"], row["get"])]
    return "\n\n".join([
        "## Scaling with stored data (`bench/scaling.py`)",
        f"Commit {meta['machine']['commit']}, measured {meta['machine']['when']}. One request at a time over a "
        f"keep-alive connection ({meta['requests']} per operation after 3 unmeasured, at most "
        f"{meta['seconds']:.0f} s), server on core 0, client on core 1. The N content requests all belong to the "
        "demo user (half pending), so the list filters and pages all N; list is `?pending=true` (page 1 of 10, "
        "newest first); create runs after list, so its data grows by the requests it makes. "
        f"⚠ = measured under load (other processes above {meta['max_foreign']:.2f} cores; worst here "
        f"{max(loads, default=0):.2f}).",
        table(["stored", "mode", "list p50 / p99 ms", "create p50 / p99 ms", "get by token p50 / p99 ms",
               "start-up s", "memory MiB (started / after)"], lines),
        "Start-up with the seed fixtures (process start to the first 200 on `/`, median of "
        f"{meta['startups']}): " + "; ".join(f"{mode} {data['median_s']:.2f} s ({', '.join(map(str, data['all_s']))})"
                                            for mode, data in startup.items()) + ". Resident memory of the "
        "server just after start (median): " + "; ".join(f"{mode} {data.get('rss_mib', '–')} MiB"
                                                          for mode, data in startup.items()) + ".",
        "![scaling](scaling.png)",
        "### Targets (reported, not asserted)",
        table(["target", "status"], [(name, verdict(ok)) for name, ok in targets(rows, startup)]),
    ])


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    figure, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    for axis, (key, title) in zip(axes, (("list", "list page"), ("create", "create"), ("get", "get by token")),
                                  strict=True):
        for mode, colour in (("memory", "tab:blue"), ("db", "tab:orange")):
            points = sorted((row["size"], row[key]) for row in rows if row["mode"] == mode)
            if not points:
                continue
            sizes = [size for size, _ in points]
            axis.plot(sizes, [op["p50_ms"] for _, op in points], "o-", color=colour, label=f"{mode} p50")
            axis.plot(sizes, [op["p99_ms"] for _, op in points], "s--", color=colour, alpha=0.6, label=f"{mode} p99")
            loaded = [(size, op["p50_ms"]) for size, op in points if op["loaded"]]
            axis.plot([size for size, _ in loaded], [value for _, value in loaded], "o", markersize=12,
                      markerfacecolor="none", markeredgecolor="red",
                      label="p50 measured under load" if mode == "memory" else None)
        axis.set(xscale="log", yscale="log", title=title, xlabel="stored content requests", ylabel="latency (ms)")
        axis.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.yaxis.set_major_formatter(ScalarFormatter())
        axis.yaxis.set_minor_formatter(NullFormatter())
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle("specmock: one request at a time vs stored data")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if pinning_available():
        os.sched_setaffinity(0, {CLIENT_CPU})
    rows = []
    with tempfile.TemporaryDirectory(prefix="specmock-scaling-") as work:
        folder = Path(work)
        startup = startup_times(args, folder)
        print("start-up: " + ", ".join(f"{mode} {data['median_s']:.2f} s" for mode, data in startup.items()))
        for size in args.sizes:
            for mode in args.modes:
                print(f"{size:,} stored, {mode}:", flush=True)
                rows.append(measure_size(size, mode, args, folder))
                row = rows[-1]
                print(f"    start {row['startup_s']:.2f} s  " + "  ".join(
                    f"{op} {row[op]['p50_ms']:.2f}/{row[op]['p99_ms']:.2f} ms" for op in ("list", "create", "get")),
                    flush=True)
    meta = {"machine": machine(), "requests": args.requests, "seconds": args.seconds, "startups": args.startups,
            "max_foreign": args.max_foreign, "quick": args.quick}
    plot(rows, PLOT)
    text = markdown(rows, startup, meta)
    save("scaling", {"meta": meta, "startup": startup, "rows": rows}, text)
    print("\n" + text)
    return 0


if __name__ == "__main__":
    run_main(main)
